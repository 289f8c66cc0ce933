"""S3 notification records, parsed once into typed changes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import unquote_plus

CREATED: Final = "created"
REMOVED: Final = "removed"
OTHER: Final = "other"

Kind = Literal["created", "removed", "other"]


class NotAnS3Record(ValueError):
    """A record that claims to come from S3 but lacks the fields every S3 record has."""


@dataclass(frozen=True)
class S3Change:
    """One object change: which object, and what the event said happened to it.

    The kind is only a hint: both functions act on the object's current state.
    """

    kind: Kind
    event_name: str
    bucket: str
    key: str  # decoded: S3 sends "My+File.txt" for "My File.txt"


def decode_event_key(raw_key: str) -> str:
    """Key as stored in S3; events carry it form-encoded (``My+File%21.txt`` is ``My File!.txt``)."""
    return unquote_plus(raw_key)


def parse_record(record: Any) -> S3Change | None:
    """The change a record announces; None for records that do not come from S3.

    Raises NotAnS3Record for an S3 record without bucket or key.
    """
    if not isinstance(record, dict) or record.get("eventSource") != "aws:s3":
        return None
    try:
        event_name = str(record["eventName"]).removeprefix("s3:")
        bucket = record["s3"]["bucket"]["name"]
        raw_key = record["s3"]["object"]["key"]
    except (KeyError, TypeError) as missing:
        raise NotAnS3Record(f"not an S3 event record (missing {missing})") from None
    if event_name.startswith("ObjectCreated:"):
        kind: Kind = CREATED
    elif event_name.startswith("ObjectRemoved:"):
        kind = REMOVED
    else:
        kind = OTHER
    return S3Change(kind=kind, event_name=event_name, bucket=bucket, key=decode_event_key(raw_key))


def records(event: Any) -> list[Any]:
    """The event's records (an event without any has none)."""
    found = event.get("Records") if isinstance(event, dict) else None
    return list(found) if isinstance(found, list) else []


def record_name(record: Any, position: int) -> str:
    """How a record is named in logs and failures: its decoded key, else its position."""
    try:
        change = parse_record(record)
    except NotAnS3Record:
        change = None
    return change.key if change else f"record #{position}"


def changes(event: Any) -> Iterator[S3Change]:
    for record in records(event):
        change = parse_record(record)
        if change is not None:
            yield change
