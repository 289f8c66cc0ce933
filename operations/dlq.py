"""The dead-letter queue: events that failed after all retries, and re-driving them.

Each message is a Lambda on-failure destination record: the original event
(``requestPayload``), why it failed (``responsePayload``) and which function.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote_plus

from botocore.exceptions import BotoCoreError, ClientError

from settings import aws
from settings.config import Config
from settings.printable import printable, printable_json


@dataclass(frozen=True)
class FailedEvent:
    message_id: str
    receipt_handle: str
    function: str
    condition: str
    attempts: int
    failed_at: str
    keys: list[str]
    error: str
    event: dict

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("receipt_handle", "event")}


def _timestamp(value) -> str:
    """The record's timestamp: epoch milliseconds on AWS, an ISO string from LocalStack."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")
    return str(value or "")


def _parse(message: dict) -> FailedEvent:
    record = json.loads(message["Body"])
    context = record.get("requestContext", {})
    event = record.get("requestPayload") or {}
    response = record.get("responsePayload") or {}
    error = f"{response.get('errorType', '')}: {response.get('errorMessage', '')}".strip(": ") or context.get(
        "condition", "unknown"
    )
    return FailedEvent(
        message_id=message["MessageId"],
        receipt_handle=message["ReceiptHandle"],
        function=context.get("functionArn", "").split(":function:")[-1].split(":")[0],
        condition=context.get("condition", ""),
        attempts=context.get("approximateInvokeCount", 0),
        failed_at=_timestamp(record.get("timestamp")),
        keys=[unquote_plus(r["s3"]["object"]["key"]) for r in event.get("Records", []) if "s3" in r],
        error=error,
        event=event,
    )


def queue_url(cfg: Config) -> str:
    return aws.client(cfg, "sqs").get_queue_url(QueueName=cfg.dlq_name)["QueueUrl"]


def failed_events(cfg: Config, *, hide_for: int = 0) -> list[FailedEvent]:
    """Every message in the DLQ.

    Messages are hidden while they are being read (otherwise a queue of more
    than ten would return the same first ten forever) and made visible again
    at the end, unless ``hide_for`` > 0 asks to keep them hidden that long.
    """
    sqs = aws.client(cfg, "sqs")
    url = queue_url(cfg)
    found: dict[str, FailedEvent] = {}
    while True:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=max(hide_for, 30), WaitTimeSeconds=0
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            found[message["MessageId"]] = _parse(message)
    events = list(found.values())
    if hide_for == 0:
        _make_visible(sqs, url, events)
    return events


def _make_visible(sqs, url: str, events: list[FailedEvent]) -> None:
    for start in range(0, len(events), 10):
        sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": e.receipt_handle, "VisibilityTimeout": 0}
                for i, e in enumerate(events[start : start + 10])
            ],
        )


def redrive(cfg: Config, log=print, *, keys: set[str] | None = None) -> tuple[int, int]:
    """Invoke each failed event's function again; delete the message when it succeeds.

    ``keys`` limits this to the events naming one of those keys; the others are
    released at once. Returns (succeeded, still failing).
    """
    sqs, lam = aws.client(cfg, "sqs"), aws.invoker(cfg)
    url = queue_url(cfg)
    ok = failing = 0
    pending = failed_events(cfg, hide_for=cfg.lambda_timeout + 30)
    if keys is not None:
        _make_visible(sqs, url, [e for e in pending if not keys & set(e.keys)])
        pending = [e for e in pending if keys & set(e.keys)]
    try:
        while pending:
            succeeded = _redrive_one(sqs, lam, url, pending[0], log)
            pending.pop(0)
            ok, failing = ok + succeeded, failing + (not succeeded)
    finally:
        _make_visible(sqs, url, pending)  # interrupted: what was not tried is not hidden from others
    return ok, failing


def _redrive_one(sqs, lam, url: str, failed: FailedEvent, log) -> bool:
    """Invoke one failed event's function again; True (and the message deleted) when it succeeds."""
    keys = printable(", ".join(failed.keys))
    try:
        response = lam.invoke(FunctionName=failed.function, Payload=json.dumps(failed.event).encode())
        problem = response["Payload"].read()[:300].decode(errors="replace") if "FunctionError" in response else None
    except (BotoCoreError, ClientError) as error:  # e.g. a read timeout: this item failed, the rest go on
        problem = f"{type(error).__name__}: {error}"
    if problem is not None:
        log(f"still failing  {failed.function}  {keys}: {printable(problem)}")
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=failed.receipt_handle, VisibilityTimeout=0)
        return False
    sqs.delete_message(QueueUrl=url, ReceiptHandle=failed.receipt_handle)
    log(f"re-driven      {failed.function}  {keys}")
    return True


def print_failed(cfg: Config, as_json: bool) -> int:
    events = failed_events(cfg)
    if as_json:
        print(printable_json([e.as_dict() for e in events], indent=2))
        return 0
    if not events:
        print(f"the dead-letter queue {cfg.dlq_name} is empty")
        return 0
    for e in events:
        print(printable(f"{e.failed_at}  {e.function}  {e.condition} after {e.attempts} attempts"))
        for key in e.keys:
            print(f"    {printable(key)}")
        print(f"    reason: {printable(e.error)}")
    print(f"{len(events)} failed event(s); `make redrive` processes them again")
    return 0
