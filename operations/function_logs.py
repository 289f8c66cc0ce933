"""Print (and follow) a Lambda function's CloudWatch log group, like `aws logs tail`."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from settings import aws
from settings.config import Config
from settings.errors import UserError
from settings.printable import printable


def format_event(event: dict, prefix: str = "") -> str:
    stamp = datetime.fromtimestamp(event["timestamp"] / 1000, tz=timezone.utc).strftime("%H:%M:%S.%f")[:-3]
    return f"{stamp} {prefix}" + "\n".join(printable(line) for line in event["message"].rstrip().split("\n"))


def _print(event: dict) -> None:
    print(format_event(event), flush=True)


def new_events(logs, group: str, start: int, seen: set[str]) -> list[dict]:
    """Events of ``group`` from ``start`` (ms) not in ``seen``, oldest first; [] while the group does not exist."""
    try:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=start)
        events = [e for page in pages for e in page.get("events", [])]
    except logs.exceptions.ResourceNotFoundException:
        return []
    fresh = [e for e in sorted(events, key=lambda e: (e["timestamp"], e["eventId"])) if e["eventId"] not in seen]
    seen.update(e["eventId"] for e in fresh)
    return fresh


def tail(cfg: Config, function_name: str, *, minutes: int, follow: bool) -> int:
    logs = aws.client(cfg, "logs")
    group = f"/aws/lambda/{function_name}"
    group_exists = _group_exists(logs, group)
    if not group_exists and not _function_exists(cfg, function_name):
        raise UserError(
            f"no function {function_name} here: make logs fn=extract or fn=insert (or a deployed function's name)"
        )
    start = int((time.time() - minutes * 60) * 1000)
    seen: set[str] = set()
    while True:
        events = new_events(logs, group, start, seen)
        for event in events:
            _print(event)
            start = max(start, event["timestamp"])
        if not follow:
            if not events and not group_exists:
                print(f"no log group {group} yet: the function has not run")
            return 0
        time.sleep(1)


def _group_exists(logs, group: str) -> bool:
    return any(g["logGroupName"] == group for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"])


def _function_exists(cfg: Config, name: str) -> bool:
    lambda_ = aws.client(cfg, "lambda")
    try:
        lambda_.get_function_configuration(FunctionName=name)
    except lambda_.exceptions.ResourceNotFoundException:
        return False
    return True
