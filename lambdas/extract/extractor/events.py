"""The S3 notification records this function acts on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .keys import decode_event_key

CREATED = "created"
REMOVED = "removed"


@dataclass(frozen=True)
class S3Change:
    kind: Literal["created", "removed"]
    bucket: str
    key: str
    sequencer: str | None


def parse_record(record: dict[str, Any]) -> S3Change | None:
    """The change a record announces, or None for records of other kinds."""
    if record.get("eventSource") != "aws:s3":
        return None
    event_name = record.get("eventName", "")
    if event_name.startswith("ObjectCreated:"):
        kind = CREATED
    elif event_name.startswith("ObjectRemoved:"):
        kind = REMOVED
    else:
        return None
    s3 = record["s3"]
    return S3Change(
        kind=kind,
        bucket=s3["bucket"]["name"],
        key=decode_event_key(s3["object"]["key"]),
        sequencer=s3["object"].get("sequencer"),
    )
