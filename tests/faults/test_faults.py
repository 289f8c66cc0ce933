"""Nothing is lost: database outages, killed execution environments and stack restarts.

Each test ends with every uploaded file indexed with its current version by one upsert
(counted from the insert function's log), none left in the dead-letter queue, and
`reconcile` finding nothing stuck.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bootstrap.deploy import deploy
from lifecycle import localstack_host, stack
from operations import dlq, reconcile
from settings import aws, db
from tests.support import object_exists, poll_until

PIPELINE_DEADLINE = 60


@contextlib.contextmanager
def database_outage(cfg):
    """Stop the search database (host cluster or the postgres container) for the duration of the block."""
    stack.stop_database(cfg)
    try:
        yield
    finally:
        stack.start_database(cfg)


def now_ms() -> int:
    return int(time.time() * 1000)


def upload_burst(cfg, s3, prefix: str, count: int) -> list[str]:
    keys = [f"{prefix}file-{i:03d}.txt" for i in range(count)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=cfg.bucket, Key=k, Body=f"burst member {k}".encode()), keys))
    return keys


def indexed_rows(cfg, prefix: str) -> dict[str, tuple]:
    """upload key -> (etag, size, document_etag) of every index row under ``prefix``."""
    conn = db.connect(cfg.database_dsn())
    try:
        rows = conn.run(
            "SELECT key, etag, size, document_etag FROM documents WHERE bucket = :b AND key LIKE :p",
            b=cfg.bucket,
            p=prefix + "%",
        )
    finally:
        conn.close()
    return {key: tuple(rest) for key, *rest in rows}


def row_writes(cfg, since_ms: int, keys: list[str]) -> dict[str, int]:
    """upload key -> how many insert invocations wrote (changed) its row since ``since_ms``, from their logs."""
    logs = aws.client(cfg, "logs")
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=f"/aws/lambda/{cfg.insert_function}", startTime=since_ms
    )
    writes = dict.fromkeys(keys, 0)
    for event in (e for page in pages for e in page.get("events", []) if e["message"].startswith("{")):
        line = json.loads(event["message"])
        if (
            line.get("message") == "record processed"
            and line.get("action") == "indexed"
            and line.get("upload_key") in writes
        ):
            writes[line["upload_key"]] += 1
    return writes


def dlq_keys(cfg, keys: list[str]) -> set[str]:
    extracted = {cfg.extracted_key(k): k for k in keys}
    found = set()
    for event in dlq.failed_events(cfg):
        found |= {extracted.get(k, k) for k in event.keys if k in extracted or k in keys}
    return found


def assert_all_indexed_once(cfg, s3, prefix: str, keys: list[str], since_ms: int, *, killed: bool = False) -> None:
    """Every file has the row of its current upload and document, written by one upsert.

    The primary key allows one row per file anyway, so rows are not counted: the upserts that
    changed a row are (insert logs ``action: indexed`` only for those). An environment killed
    after its upsert committed but before it logged may leave a write unlogged (``killed``).
    """
    rows = poll_until(
        lambda: (r := indexed_rows(cfg, prefix)) and set(r) == set(keys) and r,
        timeout=PIPELINE_DEADLINE,
        what=f"{len(keys)} files under {prefix} indexed",
    )
    for key in keys:
        upload = s3.head_object(Bucket=cfg.bucket, Key=key)
        document = s3.head_object(Bucket=cfg.bucket, Key=cfg.extracted_key(key))
        assert rows[key] == (upload["ETag"].strip('"'), upload["ContentLength"], document["ETag"].strip('"')), key
    writes = poll_until(
        lambda: (w := row_writes(cfg, since_ms, keys)) and (killed or 0 not in w.values()) and w,
        timeout=PIPELINE_DEADLINE,
        what="the insert function's log of every row written",
    )
    assert set(writes.values()) <= ({0, 1} if killed else {1}), f"rows written more than once: {writes}"
    stuck = [f for f in reconcile.find(cfg) if f.upload_key.startswith(prefix)]
    assert stuck == [], stuck


def test_database_outage_during_a_burst_loses_nothing(cfg, s3, run_id):
    prefix = f"{cfg.upload_prefix}{run_id}/"
    since = now_ms()
    with database_outage(cfg):
        keys = upload_burst(cfg, s3, prefix, 10)
        # Extraction does not need the database: it carries on.
        for key in keys:
            poll_until(
                lambda key=key: object_exists(s3, cfg.bucket, cfg.extracted_key(key)),
                timeout=PIPELINE_DEADLINE,
                what=f"{key} extracted during the outage",
            )
        # Inserts fail, are retried, and end in the dead-letter queue with the reason.
        poll_until(
            lambda: dlq_keys(cfg, keys) == set(keys),
            timeout=PIPELINE_DEADLINE + 30,
            what="every failed insert in the dead-letter queue",
        )
    assert indexed_rows(cfg, prefix) == {}

    ok, failing = dlq.redrive(cfg, log=lambda *_: None)

    assert failing == 0 and ok >= 1
    assert_all_indexed_once(cfg, s3, prefix, keys, since)
    assert dlq_keys(cfg, keys) == set()


def _extract_environment_pids(cfg) -> list[int]:
    return [
        r.pid
        for r in localstack_host.runtime_processes(cfg)
        if cfg.extract_function.encode() in open(f"/proc/{r.pid}/environ", "rb").read()
    ]


@pytest.mark.host_only  # kills host-mode execution environment processes
def test_execution_environment_killed_mid_burst_loses_nothing(cfg, s3, run_id):
    prefix = f"{cfg.upload_prefix}{run_id}/"
    since = now_ms()
    with ThreadPoolExecutor(1) as pool:
        burst = pool.submit(upload_burst, cfg, s3, prefix, 20)
        victims = poll_until(lambda: _extract_environment_pids(cfg), timeout=30, what="an extract environment")
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        keys = burst.result()

    reconcile.run(cfg, dry_run=False, log=lambda *_: None)
    assert_all_indexed_once(cfg, s3, prefix, keys, since, killed=True)
    assert dlq_keys(cfg, keys) == set()


def test_stack_restart_then_reconcile_is_consistent(cfg, s3, run_id):
    prefix = f"{cfg.upload_prefix}{run_id}/"
    since = now_ms()
    before = upload_burst(cfg, s3, prefix, 3)
    assert_all_indexed_once(cfg, s3, prefix, before, since)

    stack.down(cfg, log=lambda *_: None)
    stack.up(cfg, log=lambda *_: None)
    deploy(cfg, log=lambda *_: None)
    reconcile.run(cfg, dry_run=False, log=lambda *_: None)

    # Whatever the bucket kept across the restart is indexed; nothing else is.
    surviving = [k for k in before if object_exists(s3, cfg.bucket, k)]
    poll_until(
        lambda: set(indexed_rows(cfg, prefix)) == set(surviving),
        timeout=PIPELINE_DEADLINE,
        what=f"index matching the bucket ({len(surviving)} files)",
    )
    since = now_ms()  # LocalStack keeps no logs across a restart either
    after = upload_burst(cfg, s3, f"{prefix}after/", 3)
    assert_all_indexed_once(cfg, s3, f"{prefix}after/", after, since)
    assert [f for f in reconcile.find(cfg) if f.upload_key.startswith(prefix)] == []
