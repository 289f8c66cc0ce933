"""What an S3 event record says happened, and which upload an extracted key belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_plus

CREATED = "created"
REMOVED = "removed"


@dataclass(frozen=True)
class Change:
    action: str  # CREATED, REMOVED, or the event name when it is neither
    bucket: str
    key: str  # decoded: S3 sends "My+File.txt" for "My File.txt"


def parse_record(record: dict) -> Change:
    """The change one record of an S3 event notification describes."""
    try:
        name = record["eventName"]
        bucket = record["s3"]["bucket"]["name"]
        raw_key = record["s3"]["object"]["key"]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not an S3 event record (missing {exc})") from exc
    name = name.removeprefix("s3:")
    if name.startswith("ObjectCreated:"):
        action = CREATED
    elif name.startswith("ObjectRemoved:"):
        action = REMOVED
    else:
        action = name
    return Change(action=action, bucket=bucket, key=unquote_plus(raw_key))


def source_key(extracted_key: str, extracted_prefix: str, upload_prefix: str) -> str | None:
    """uploads/<rel> for extracted/<rel>; None for a key outside the extracted prefix."""
    if not extracted_key.startswith(extracted_prefix):
        return None
    relative = extracted_key[len(extracted_prefix):]
    return upload_prefix + relative if relative else None
