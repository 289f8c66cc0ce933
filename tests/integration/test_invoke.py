"""`make invoke`: one file through one function, deployed or in this terminal's Python."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from operations import events
from settings.config import PROJECT_ROOT
from tests.support import poll_until


def _invoke(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", "invoke", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180
    )


@pytest.fixture()
def uploaded(cfg, s3, database, run_id):
    key = f"{cfg.upload_prefix}{run_id}/replayed.txt"
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=b"replay me through one function")
    poll_until(lambda: database.run("SELECT 1 FROM documents WHERE key = :k", k=key), timeout=60, what=f"{key} indexed")
    return key


# --local runs the handler under the host-mode runtime virtualenv (.state/runtimes)
LOCAL = pytest.param(["--local"], id="local", marks=pytest.mark.host_only)


@pytest.mark.parametrize("where", [pytest.param([], id="deployed"), LOCAL])
@pytest.mark.parametrize("kind", ["extract", "insert"])
def test_invoke_prints_the_result_log_lines_and_duration(uploaded, kind, where):
    result = _invoke(kind, uploaded, *where)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "--- result" in out and "--- duration:" in out
    assert uploaded in out.split("--- result")[1], out
    assert '"action": "current"' in out  # the document and the row already match the upload
    if not where:
        assert "START RequestId:" in out and "REPORT RequestId:" in out


@pytest.mark.parametrize("where", [pytest.param([], id="deployed"), LOCAL])
def test_a_handler_exception_exits_non_zero_with_the_error_as_aws_shows_it(cfg, tmp_path, where):
    event = {
        "Records": [
            events.s3_record("no-such-bucket-x", f"{cfg.upload_prefix}x.txt", "ObjectCreated:Put", region=cfg.region)
        ]
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    result = _invoke("extract", "--event", str(path), *where)
    assert result.returncode != 0, result.stdout
    error = json.loads(result.stdout.split("--- error (Unhandled):\n")[1])
    assert error["errorType"] == "RecordsFailed"
    assert "NoSuchBucket" in error["errorMessage"]
    assert any("process_records" in line for line in error["stackTrace"])


def test_a_missing_key_is_a_clear_error(cfg, run_id):
    key = f"{cfg.upload_prefix}{run_id}/never-uploaded.txt"
    result = _invoke("extract", key)
    assert result.returncode == 1
    assert f"no object s3://{cfg.bucket}/{key}: upload it first" in result.stderr
    result = _invoke("insert", key)
    assert result.returncode == 1
    assert f"no object s3://{cfg.bucket}/{cfg.extracted_prefix}{run_id}/never-uploaded.txt" in result.stderr
    assert "make invoke fn=extract" in result.stderr
