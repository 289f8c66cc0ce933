"""`make cost` against the running stack: the functions' REPORT lines become an estimate."""

from __future__ import annotations

import subprocess
import sys

from dashboard import cost
from settings.config import PROJECT_ROOT
from tests.support import object_exists, poll_until


def test_cost_reads_the_report_lines_of_both_functions(cfg, s3, run_id):
    key = f"{cfg.upload_prefix}{run_id}/priced.txt"
    before = cost.observe(cfg, minutes=10)
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=b"a file to price")
    poll_until(lambda: object_exists(s3, cfg.bucket, cfg.extracted_key(key)), timeout=60, what=f"{key} extracted")

    # Each function's log lines reach CloudWatch in batches of their own (LAMBDA_LOG_BATCH_MS): wait for both.
    after = poll_until(
        lambda: (
            (w := cost.observe(cfg, minutes=10)).functions["insert"].invocations
            > before.functions["insert"].invocations
            and w.file_events > before.file_events
            and w
        ),
        timeout=60,
        what="both functions' REPORT lines of the new file",
    )
    assert after.file_events > before.file_events
    assert after.functions["extract"].gb_seconds > before.functions["extract"].gb_seconds
    assert after.stored_files >= 1 and after.stored_bytes > 0

    printed = subprocess.run(
        [sys.executable, "-m", "cli", "cost", "--minutes", "10"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert printed.returncode == 0, printed.stderr
    assert "Lambda requests" in printed.stdout and "S3 Standard storage" in printed.stdout
    assert "total" in printed.stdout and "assumptions:" in printed.stdout
    s3.delete_object(Bucket=cfg.bucket, Key=key)
