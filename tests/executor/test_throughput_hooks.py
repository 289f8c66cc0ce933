"""What the executor's start-up hooks change inside LocalStack (``throughput_hooks``), observed from outside."""

from __future__ import annotations

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
    payload = f'{{"meet": "{meeting_point}", "count": {cap}, "deadline": {MEET_DEADLINE_SECONDS}}}'.encode()

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
