"""Print (and follow) a Lambda function's CloudWatch log group, like `aws logs tail`."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from fue import aws
from fue.config import Config
from fue.printable import printable


def _print(event: dict) -> None:
    stamp = datetime.fromtimestamp(event["timestamp"] / 1000, tz=timezone.utc).strftime("%H:%M:%S.%f")[:-3]
    print(f"{stamp} " + "\n".join(printable(line) for line in event["message"].rstrip().split("\n")), flush=True)


def tail(cfg: Config, function_name: str, *, minutes: int, follow: bool) -> int:
    logs = aws.client(cfg, "logs")
    group = f"/aws/lambda/{function_name}"
    start = int((time.time() - minutes * 60) * 1000)
    seen: set[str] = set()
    while True:
        try:
            pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=start)
            events = [e for page in pages for e in page.get("events", [])]
        except logs.exceptions.ResourceNotFoundException:
            events = []
            if not follow:
                print(f"no log group {group} yet: the function has not run")
                return 0
        for event in sorted(events, key=lambda e: (e["timestamp"], e["eventId"])):
            if event["eventId"] not in seen:
                seen.add(event["eventId"])
                _print(event)
                start = max(start, event["timestamp"])
        if not follow:
            return 0
        time.sleep(1)
