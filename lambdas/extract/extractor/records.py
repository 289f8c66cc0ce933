"""Processing every record of an event, so that one failure does not hide the others."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from .events import CREATED, parse_record
from .log import logger
from .s3_step import (
    ALREADY_ABSENT,
    DELETED,
    DUPLICATE,
    IGNORED,
    SOURCE_EXISTS,
    SOURCE_GONE,
    WRITTEN,
    on_created,
    on_removed,
)
from .settings import Settings

_MESSAGES = {
    WRITTEN: "document written",
    DUPLICATE: "document of this upload and event already written; skipped",
    IGNORED: "object is not a file under UPLOAD_PREFIX; ignored",
    SOURCE_GONE: "upload no longer exists; nothing to extract",
    SOURCE_EXISTS: "upload exists again; document kept",
    DELETED: "document deleted",
    ALREADY_ABSENT: "document already absent",
}


class RecordsFailed(Exception):
    """Some records hit infrastructure errors; raised after all records were tried."""

    def __init__(self, failed_keys: list[str], total: int) -> None:
        self.failed_keys = failed_keys
        super().__init__(f"{len(failed_keys)} of {total} records failed: {', '.join(failed_keys)}")


def process_event(event: dict[str, Any], *, s3, settings: Settings) -> list[dict[str, Any]]:
    """Handle every record; return what happened to each, or raise RecordsFailed at the end."""
    records = event.get("Records") or []
    results, failed = [], []
    for index, record in enumerate(records):
        try:
            change = parse_record(record)
            if change is None:
                logger.info("record is not an S3 object change; ignored", extra={"record": index})
                continue
            handle = on_created if change.kind == CREATED else on_removed
            result = handle(s3, change, settings)
        except MemoryError:
            raise  # the function is out of memory: the runtime reports it and starts afresh
        except Exception:
            name = _record_name(record, index)
            logger.exception("record failed", extra={"key": name})
            failed.append(name)
            continue
        logger.info(_MESSAGES[result.action], extra=asdict(result))
        results.append(asdict(result))
    if failed:
        raise RecordsFailed(failed, len(records))
    return results


def _record_name(record: Any, index: int) -> str:
    try:
        change = parse_record(record)
    except Exception:
        change = None
    return change.key if change else f"record #{index}"
