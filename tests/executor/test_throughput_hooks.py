"""What the executor's start-up hooks change inside LocalStack (``throughput_hooks``), observed from outside."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from lifecycle import localstack_host
from tests.executor.test_environments import MEET_DEADLINE_SECONDS

# Announces itself in ``<meet>/entered``, waits until ``count`` invocations have entered (so that
# that many run at once), then says how many it met in ``<meet>/met``.
MEETING_HANDLER = """
import os, time

def handler(event, context):
    entered = os.path.join(event["meet"], "entered")
    open(os.path.join(entered, f"{os.getpid()}-{time.monotonic_ns()}"), "w").close()
    deadline = time.monotonic() + event["deadline"]
    while len(os.listdir(entered)) < event["count"] and time.monotonic() < deadline:
        time.sleep(0.01)
    met = len(os.listdir(entered))
    open(os.path.join(event["meet"], "met", f"{met}-{os.getpid()}-{time.monotonic_ns()}"), "w").close()
"""

INVOCATIONS_IN_A_BATCH = 8
REQUEST_LINE = re.compile(r"AWS [\w-]+\.\w+ => \d{3}")


def max_environments(cfg) -> int:
    """The executor's cap per function (``throughput_hooks.max_environments``): LocalStack runs on this machine."""
    return cfg.lambda_max_environments or 2 * (os.cpu_count() or 1)


def test_a_burst_of_events_runs_in_exactly_max_environments(cfg, make_function, meeting_point, lambda_client, poll):
    """LocalStack's own pool (cores + 4 threads per function) would start more, or fewer, environments."""
    cap = max_environments(cfg)
    events = 3 * cap
    for folder in ("entered", "met"):
        os.mkdir(Path(meeting_point, folder))
        os.chmod(Path(meeting_point, folder), 0o1777)
    function = make_function({"app.py": MEETING_HANDLER}, timeout=MEET_DEADLINE_SECONDS + 30)
    payload = json.dumps({"meet": meeting_point, "count": cap, "deadline": MEET_DEADLINE_SECONDS}).encode()

    for _ in range(events):
        lambda_client.invoke(FunctionName=function.name, InvocationType="Event", Payload=payload)

    met = poll(
        lambda: (found := os.listdir(Path(meeting_point, "met"))) and len(found) >= events and found,
        MEET_DEADLINE_SECONDS + 30,
        f"{events} events to run",
    )
    entered = os.listdir(Path(meeting_point, "entered"))
    environments = {name.split("-")[0] for name in entered}
    assert len(environments) <= cap, f"{len(environments)} environments for a cap of {cap}: {sorted(entered)}"
    assert min(int(name.split("-")[0]) for name in met) >= cap, f"fewer than {cap} ran at once: {sorted(met)}"


def test_localstack_writes_no_line_per_request(cfg, s3_client):
    if cfg.localstack_request_log:
        pytest.skip("LOCALSTACK_REQUEST_LOG=1 asks for the lines")
    s3_client.list_buckets()  # bootstrap and this test's fixtures made requests too

    log = localstack_host.log_file(cfg).read_text(errors="replace")
    this_run = log[log.rfind("LocalStack version:") :]

    assert "Ready." in this_run, f"no start of LocalStack in {localstack_host.log_file(cfg)}"
    assert not REQUEST_LINE.search(this_run), REQUEST_LINE.findall(this_run)[:5]


def test_function_logs_are_shipped_in_batches(cfg, make_function, logs_client, poll):
    """Invocations within one batch window reach CloudWatch in one PutLogEvents: one ingestion time."""
    if cfg.lambda_log_batch_ms < 100:
        pytest.skip(f"LAMBDA_LOG_BATCH_MS={cfg.lambda_log_batch_ms} leaves no room for a burst in one batch")
    function = make_function({"app.py": "def handler(event, context):\n    print('hello')\n"})
    function.invoke()  # the environment is up: the next invocations take milliseconds

    request_ids = [function.invoke().request_id for _ in range(INVOCATIONS_IN_A_BATCH)]

    def shipped():
        try:
            events = logs_client.filter_log_events(logGroupName=f"/aws/lambda/{function.name}")["events"]
        except logs_client.exceptions.ResourceNotFoundException:
            return None
        starts = {e["message"].split()[2]: e["ingestionTime"] for e in events if e["message"].startswith("START")}
        return starts if all(request_id in starts for request_id in request_ids) else None

    starts = poll(shipped, 30, "the invocations' logs in CloudWatch Logs")
    ingestion_times = {starts[request_id] for request_id in request_ids}
    # A burst of milliseconds may straddle a window's end, or a slow moment several: at most half as many.
    assert len(ingestion_times) <= len(request_ids) // 2, (
        f"{len(ingestion_times)} PutLogEvents for {len(request_ids)} invocations: {starts}"
    )


def test_batched_log_lines_keep_the_time_their_invocation_ended(cfg, make_function, logs_client, poll):
    """A batch is sent a window after its first invocation; that invocation's lines are stamped when it ended."""
    if cfg.lambda_log_batch_ms < 100:
        pytest.skip(f"LAMBDA_LOG_BATCH_MS={cfg.lambda_log_batch_ms} is too short to tell the two times apart")
    function = make_function({"app.py": "def handler(event, context):\n    print('stamped')\n"})
    request_id = function.invoke().request_id

    def shipped():
        try:
            events = logs_client.filter_log_events(logGroupName=f"/aws/lambda/{function.name}")["events"]
        except logs_client.exceptions.ResourceNotFoundException:
            return None
        return [e for e in events if request_id in e["message"]] or None

    events = poll(shipped, 30, "the invocation's logs in CloudWatch Logs")
    # Sent alone, its batch waited the whole window after the logs arrived.
    assert all(e["ingestionTime"] - e["timestamp"] >= cfg.lambda_log_batch_ms / 2 for e in events), [
        (e["message"].strip(), e["timestamp"], e["ingestionTime"]) for e in events
    ]
