"""One insert invocation: every record of the S3 event, each on its own.

Created extracted/<rel>: read the document as it is now and upsert it as the
row of uploads/<rel> (and remove that row again should the document have been
deleted meanwhile). Removed extracted/<rel>: if the object is really gone
now, delete that row (a late delete event must not remove a re-created one).
A record that fails does not stop the others; the invocation raises at the
end so that the asynchronous retries, then the dead-letter queue, take over.
Every outcome is deterministic, so processing a record twice is harmless.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from indexer.document import parse_document
from indexer.events import CREATED, REMOVED, Change, parse_record, source_key
from indexer.settings import Settings

MISSING = "missing"  # created, but the document is already gone again
DELETED = "deleted"
ABSENT = "absent"  # removed, and the index had no row for it
KEPT = "kept"  # removed, but the document exists again
IGNORED = "ignored"

NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


class RecordsFailed(RuntimeError):
    pass


def _not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in NOT_FOUND


def _exists(s3, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if _not_found(exc):
            return False
        raise
    return True


def index_created(change: Change, upload_key: str, *, s3, index) -> str:
    try:
        response = s3.get_object(Bucket=change.bucket, Key=change.key)
    except ClientError as exc:
        if _not_found(exc):
            return MISSING
        raise
    document = parse_document(
        response["Body"].read(), bucket=change.bucket, key=upload_key, extracted_key=change.key
    )
    outcome = index.upsert(document)
    # Deleted while we were writing? Its delete event may already have removed
    # the row we just wrote back, so remove it again.
    if not _exists(s3, change.bucket, change.key):
        index.delete(change.bucket, upload_key)
        return MISSING
    return outcome


def index_removed(change: Change, upload_key: str, *, s3, index) -> str:
    if _exists(s3, change.bucket, change.key):
        return KEPT
    return DELETED if index.delete(change.bucket, upload_key) else ABSENT


def process_record(record: dict, *, s3, index, settings: Settings) -> tuple[Change, str]:
    change = parse_record(record)
    upload_key = source_key(change.key, settings.extracted_prefix, settings.upload_prefix)
    if upload_key is None or change.action not in (CREATED, REMOVED):
        return change, IGNORED
    handle = index_created if change.action == CREATED else index_removed
    return change, handle(change, upload_key, s3=s3, index=index)


def process_event(event: dict, *, s3, index, settings: Settings, log) -> dict:
    """Process every record; returns how many ended in each outcome."""
    records = event.get("Records") or []
    outcomes: dict[str, int] = {}
    failures: list[str] = []
    for position, record in enumerate(records):
        try:
            change, outcome = process_record(record, s3=s3, index=index, settings=settings)
        except Exception as exc:
            key = record.get("s3", {}).get("object", {}).get("key", f"record {position}")
            log.exception("record failed", extra={"key": key, "error": str(exc)})
            failures.append(f"{key}: {type(exc).__name__}: {exc}")
            continue
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        log.info(
            "record processed",
            extra={"action": change.action, "bucket": change.bucket, "key": change.key, "outcome": outcome},
        )
    if failures:
        raise RecordsFailed(f"{len(failures)} of {len(records)} records failed: " + "; ".join(failures))
    return {"records": len(records), **outcomes}
