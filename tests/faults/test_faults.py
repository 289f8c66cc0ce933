"""Nothing is lost: database outages, killed execution environments and stack restarts.

Each test ends with every uploaded file indexed exactly once, none left in the
dead-letter queue, and `reconcile` finding nothing stuck.
"""

from __future__ import annotations

import contextlib
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest

from bootstrap.deploy import deploy
from fue import db, dlq, localstack_host, postgres_host, reconcile, stack
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


def upload_burst(cfg, s3, prefix: str, count: int) -> list[str]:
    keys = [f"{prefix}file-{i:03d}.txt" for i in range(count)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=cfg.bucket, Key=k, Body=f"burst member {k}".encode()), keys))
    return keys


def indexed_counts(cfg, prefix: str) -> dict[str, int]:
    conn = db.connect(cfg.database_dsn())
    try:
        rows = conn.run("SELECT key, count(*) FROM documents WHERE bucket = :b AND key LIKE :p GROUP BY key",
                        b=cfg.bucket, p=prefix + "%")
    finally:
        conn.close()
    return {key: count for key, count in rows}


def dlq_keys(cfg, keys: list[str]) -> set[str]:
    extracted = {cfg.extracted_key(k): k for k in keys}
    found = set()
    for event in dlq.failed_events(cfg):
        found |= {extracted.get(k, k) for k in event.keys if k in extracted or k in keys}
    return found


def assert_all_indexed_exactly_once(cfg, prefix: str, keys: list[str]) -> None:
    counts = poll_until(
        lambda: (c := indexed_counts(cfg, prefix)) and len(c) == len(keys) and c,
        timeout=PIPELINE_DEADLINE,
        what=f"{len(keys)} files under {prefix} indexed",
    )
    assert set(counts) == set(keys)
    assert set(counts.values()) == {1}
    stuck = [f for f in reconcile.find(cfg) if f.upload_key.startswith(prefix)]
    assert stuck == [], stuck


def test_database_outage_during_a_burst_loses_nothing(cfg, s3, run_id):
    prefix = f"{cfg.upload_prefix}{run_id}/"
    with database_outage(cfg):
        keys = upload_burst(cfg, s3, prefix, 10)
        # Extraction does not need the database: it carries on.
        for key in keys:
            poll_until(lambda: object_exists(s3, cfg.bucket, cfg.extracted_key(key)),
                       timeout=PIPELINE_DEADLINE, what=f"{key} extracted during the outage")
        # Inserts fail, are retried, and end in the dead-letter queue with the reason.
        poll_until(lambda: dlq_keys(cfg, keys) == set(keys), timeout=PIPELINE_DEADLINE + 30,
                   what="every failed insert in the dead-letter queue")
    assert indexed_counts(cfg, prefix) == {}

    ok, failing = dlq.redrive(cfg, log=lambda *_: None)

    assert failing == 0 and ok >= 1
    assert_all_indexed_exactly_once(cfg, prefix, keys)
    assert dlq_keys(cfg, keys) == set()


def _extract_environment_pids(cfg) -> list[int]:
    return [r.pid for r in localstack_host.runtime_processes(cfg)
            if cfg.extract_function.encode() in open(f"/proc/{r.pid}/environ", "rb").read()]


@pytest.mark.host_only  # kills host-mode execution environment processes
def test_execution_environment_killed_mid_burst_loses_nothing(cfg, s3, run_id):
    prefix = f"{cfg.upload_prefix}{run_id}/"
    with ThreadPoolExecutor(1) as pool:
        burst = pool.submit(upload_burst, cfg, s3, prefix, 20)
        victims = poll_until(lambda: _extract_environment_pids(cfg), timeout=30, what="an extract environment")
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        keys = burst.result()

    reconcile.run(cfg, dry_run=False, log=lambda *_: None)
    assert_all_indexed_exactly_once(cfg, prefix, keys)
    assert dlq_keys(cfg, keys) == set()


def test_stack_restart_then_reconcile_is_consistent(cfg, s3, run_id):
    prefix = f"{cfg.upload_prefix}{run_id}/"
    before = upload_burst(cfg, s3, prefix, 3)
    assert_all_indexed_exactly_once(cfg, prefix, before)

    stack.down(cfg, log=lambda *_: None)
    stack.up(cfg, log=lambda *_: None)
    deploy(cfg, log=lambda *_: None)
    reconcile.run(cfg, dry_run=False, log=lambda *_: None)

    # Whatever the bucket kept across the restart is indexed; nothing else is.
    surviving = [k for k in before if object_exists(s3, cfg.bucket, k)]
    poll_until(lambda: set(indexed_counts(cfg, prefix)) == set(surviving), timeout=PIPELINE_DEADLINE,
               what=f"index matching the bucket ({len(surviving)} files)")
    after = upload_burst(cfg, s3, f"{prefix}after/", 3)
    assert_all_indexed_exactly_once(cfg, f"{prefix}after/", after)
    assert [f for f in reconcile.find(cfg) if f.upload_key.startswith(prefix)] == []
