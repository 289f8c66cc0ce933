"""Files the extract function does not survive (too slow, too big for its memory) end with a
recorded failure through the real stack, not an endless retry.

Each test deploys its own copy of the extract function (same package and role) with a
short timeout or a small memory size, the cap raised to the whole file, and prefixes of
its own (so the deployed pipeline does not react), and invokes it asynchronously with the
upload's S3 event, as S3 does: Lambda's own retries are what the attempt marker has to
survive.
"""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest

from bootstrap import packaging
from lifecycle import stack
from operations import events, reconcile
from settings import config
from tests.integration.races import attempt_marker, slow_pdf
from tests.support import get_json, object_exists, poll_until

RETRIES_DEADLINE = 240  # two retries 5 s and 10 s apart, plus three attempts and cold starts


@pytest.fixture(scope="module")
def extract_package(cfg):
    return packaging.build("extract", cfg.build_dir)


@pytest.fixture
def limited_extract(cfg, lambda_client, extract_package):
    """Make a copy of the extract function with the given timeout and memory size."""
    created = []

    def make(*, timeout: int, memory: int, own_cfg) -> str:
        deployed = lambda_client.get_function_configuration(FunctionName=cfg.extract_function)
        name = f"{cfg.extract_function}-limits-{uuid.uuid4().hex[:8]}"
        env = dict(
            deployed["Environment"]["Variables"],
            MAX_CONTENT_CHARS=str(200_000_000),
            UPLOAD_PREFIX=own_cfg.upload_prefix,
            EXTRACTED_PREFIX=own_cfg.extracted_prefix,
        )
        lambda_client.create_function(
            FunctionName=name,
            Runtime=deployed["Runtime"],
            Role=deployed["Role"],
            Handler=deployed["Handler"],
            Code={"ZipFile": extract_package.zip_bytes},
            Timeout=timeout,
            MemorySize=memory,
            Environment={"Variables": env},
        )
        created.append(name)
        lambda_client.get_waiter("function_active_v2").wait(FunctionName=name)
        lambda_client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2)
        return name

    yield make
    for name in created:
        lambda_client.delete_function(FunctionName=name)


def _invoke_as_s3_does(cfg, lambda_client, function: str, key: str) -> None:
    record = events.s3_record(cfg.bucket, key, "ObjectCreated:Put", region=cfg.region)
    lambda_client.invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps({"Records": [record]}))


def _log_text(cfg, function: str) -> str:
    from settings import aws

    logs = aws.client(cfg, "logs")
    try:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{function}")
        return "\n".join(event["message"] for page in pages for event in page.get("events", []))
    except logs.exceptions.ResourceNotFoundException:
        return ""


def _settles_as_recorded_failure(cfg, s3, lambda_client, function: str, key: str, killed_by: str) -> dict:
    _invoke_as_s3_does(cfg, lambda_client, function, key)
    target = cfg.extracted_key(key)
    document = poll_until(
        lambda: get_json(s3, cfg.bucket, target),
        timeout=RETRIES_DEADLINE,
        what=f"{target} written by the third attempt",
    )

    assert (document["Status"], document["Content"]) == ("failed", "")
    assert "did not finish in 2 attempts" in document["Error"], document["Error"]
    log = _log_text(cfg, function)
    assert log.count(killed_by) >= 2, f"two attempts killed by {killed_by}; log:\n{log[-3000:]}"
    stages = {f.stage for f in reconcile.find(cfg) if f.upload_key == key}
    assert not stages & {"not-extracted", "stale-extraction"}, f"reconcile would extract {key} again: {stages}"
    assert not object_exists(s3, cfg.bucket, attempt_marker(key)), "the attempt marker is left behind"
    return document


@pytest.fixture
def own_cfg(cfg, run_id):
    """The stack's configuration with prefixes that only the test's function uses."""
    return dataclasses.replace(cfg, upload_prefix=f"{run_id}-uploads/", extracted_prefix=f"{run_id}-extracted/")


def test_a_file_too_slow_for_the_timeout_ends_with_a_recorded_failure(
    own_cfg, s3, lambda_client, limited_extract, run_id
):
    cfg = own_cfg
    function = limited_extract(timeout=2, memory=512, own_cfg=cfg)
    key = f"{cfg.upload_prefix}{run_id}/slow.pdf"
    # seconds of parsing per attempt (about 60 ms a page), far beyond 2 s even on a fast machine
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=slow_pdf(pages=400), ContentType="application/pdf")

    _settles_as_recorded_failure(cfg, s3, lambda_client, function, key, killed_by="Task timed out after 2.00 seconds")


@pytest.mark.skipif(
    stack.active_mode(config.load()) == "docker",
    reason="Docker mode's OOM report is LocalStack's container executor's, not ours",
)
def test_a_file_too_big_for_the_memory_size_ends_with_a_recorded_failure(
    own_cfg, s3, lambda_client, limited_extract, run_id
):
    cfg = own_cfg
    function = limited_extract(timeout=60, memory=128, own_cfg=cfg)
    key = f"{cfg.upload_prefix}{run_id}/huge.txt"
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=b"plain words to read whole\n" * 3_000_000, ContentType="text/plain")

    _settles_as_recorded_failure(cfg, s3, lambda_client, function, key, killed_by="Runtime.OutOfMemory")
    assert object_exists(s3, cfg.bucket, key)
