"""The record loop: every record of an event, each on its own, failures raised at the end.

A record that fails does not stop the others. After all were tried, RecordsFailed
names the failed ones, so that Lambda's asynchronous retries (then the dead-letter
queue) take over; processing a record again is harmless because both functions
converge a key to the bucket's current state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .events import S3Change, parse_record, record_name, records


class RecordsFailed(RuntimeError):
    """Some records hit errors; raised after every record was tried."""

    def __init__(self, failures: list[tuple[str, str]], total: int) -> None:
        self.failed_keys = [name for name, _ in failures]
        details = "; ".join(f"{name}: {reason}" for name, reason in failures)
        super().__init__(f"{len(failures)} of {total} records failed: {details}")


def process_records(event: Any, handle: Callable[[S3Change], dict[str, Any]], log) -> list[dict[str, Any]]:
    """``handle`` every S3 change of ``event``; returns each one's result (a dict).

    Records from other sources are logged and skipped. ``log`` is the function's
    logger: one line per record, with the result's fields.
    """
    all_records = records(event)
    results: list[dict[str, Any]] = []
    failed: list[tuple[str, str]] = []
    for position, record in enumerate(all_records):
        try:
            change = parse_record(record)
            if change is None:
                log.info("record is not an S3 object change; ignored", extra={"record": position})
                continue
            result = handle(change)
        except MemoryError:
            raise  # the function is out of memory: the runtime reports it and starts afresh
        except Exception as error:
            name, reason = record_name(record, position), f"{type(error).__name__}: {error}"
            log.exception("record failed", extra={"key": name, "error": reason})
            failed.append((name, reason))
            continue
        log.info("record processed", extra={"event": change.event_name, **result})
        results.append(result)
    if failed:
        raise RecordsFailed(failed, len(all_records))
    return results
