"""Hot reload: a saved edit to a hot-reloaded function is what its next invocation runs, without bootstrap.

The edit test deploys its own function from a copy of ``lambdas/extract`` (with the real
shared core), on prefixes no notification watches, so editing it never touches the
repository's source or the running pipeline.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

import pytest

from bootstrap import functions, hot_reload
from bootstrap.deploy import deploy
from operations import events
from tests.support import get_json, hot_reload_copy_of_extract, poll_until

MARK_FIELD = "HotReloaded"
ORIGINAL = "Body=document.encode(),"
EDITED = f"Body=document.encode()[:-1] + b', \"{MARK_FIELD}\": true}}',"


# Host mode's hot reload (the executor's watcher); Docker mode's is not run here yet.
pytestmark = pytest.mark.host_only


@pytest.fixture()
def test_function(cfg, lambda_client, s3, run_id):
    with hot_reload_copy_of_extract(cfg, lambda_client, s3, run_id) as (name, source):
        yield name, source / "extractor" / "sync.py"


def _extract_new_version(cfg, s3, lambda_client, name: str, run_id: str) -> dict | None:
    """Upload a new version, run the function on it, return the document it wrote."""
    key, target = f"{run_id}-in/edited.txt", f"{run_id}-out/edited.txt"
    marker = uuid.uuid4().hex
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=f"version {marker}".encode())
    record = events.s3_record(cfg.bucket, key, "ObjectCreated:Put", region=cfg.region)
    response = lambda_client.invoke(FunctionName=name, Payload=json.dumps({"Records": [record]}).encode())
    payload = response["Payload"].read()
    assert "FunctionError" not in response, payload
    document = get_json(s3, cfg.bucket, target)
    assert document is not None and marker in document["Content"], f"no document of this version: {document}"
    return document


def test_an_edit_is_live_at_the_next_invocation_and_a_revert_too(cfg, s3, lambda_client, test_function, run_id):
    name, sync_py = test_function
    original = sync_py.read_text()
    assert ORIGINAL in original, "the edit point moved: update this test"

    assert MARK_FIELD not in _extract_new_version(cfg, s3, lambda_client, name, run_id)

    sync_py.write_text(original.replace(ORIGINAL, EDITED))
    poll_until(
        lambda: (doc := _extract_new_version(cfg, s3, lambda_client, name, run_id)).get(MARK_FIELD) and doc,
        timeout=30,
        what=f"the edited code's {MARK_FIELD} field in a new document",
    )

    sync_py.write_text(original)
    poll_until(
        lambda: MARK_FIELD not in _extract_new_version(cfg, s3, lambda_client, name, run_id),
        timeout=30,
        what=f"a document without {MARK_FIELD} after the revert",
    )


def test_a_function_deployed_from_a_folder_is_compared_by_location(cfg, lambda_client, test_function):
    """A second deploy of the same folder changes nothing; LocalStack's CodeSha256 is a constant for it."""
    name, _ = test_function
    current = lambda_client.get_function(FunctionName=name)
    assert current["Configuration"]["CodeSha256"] == "hot-reloading-hash-not-available"
    code = hot_reload.HotReloadCode("extract", Path(current["Code"]["Location"].removeprefix("file://")), Path(), {})
    assert not functions._code_differs(lambda_client, name, current["Configuration"], code)


def test_make_dev_deploys_from_the_folders_idempotently_and_make_up_brings_the_zips_back(cfg, lambda_client):
    """`make dev` twice changes nothing the second time; a deploy without the flag restores the zips."""
    dev = dataclasses.replace(cfg, hot_reload=True)
    try:
        deploy(dev, log=lambda *_: None)
        lines: list[str] = []
        assert not deploy(dev, log=lines.append).changed, "\n".join(lines)
        for kind in ("extract", "insert"):
            code = lambda_client.get_function(FunctionName=cfg.function_name(kind))["Code"]
            assert code["Location"] == f"file://{(cfg.hot_reload_dir / kind / 'code').resolve()}"
    finally:
        deploy(dataclasses.replace(cfg, hot_reload=False), log=lambda *_: None)
    for kind in ("extract", "insert"):
        function = lambda_client.get_function(FunctionName=cfg.function_name(kind))
        assert function["Configuration"]["CodeSha256"] != "hot-reloading-hash-not-available"
        assert "PYTHONPATH" not in function["Configuration"]["Environment"]["Variables"]
