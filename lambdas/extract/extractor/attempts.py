"""Recording the failure of an extraction the function did not survive (out of memory, timeout).

When Lambda stops a function for running out of memory or time, no handler code is
left to write the document, and the event is retried, then parked in the DLQ, then
re-driven by ``make reconcile``, forever. So before extracting an upload of at least
``MARKED_BYTES``, each run of the function adds an entry to the upload's *attempt marker*:
a small object under ``MARKER_PREFIX`` (outside both watched prefixes, so it triggers
nothing) naming the upload version and, per run, who it is (:class:`Attempt`). A run that
ends in any way but a kill takes its entry out again (an ordinary error is retried as
usual); once a document of the version is written the whole marker goes. So an entry that
stays names a run that was killed, or one still running.

Which is which: an attempt's identity survives the kill. Lambda retries an asynchronous
event under the invocation's request id (LocalStack 4.14.0 keeps ``request_id`` in the
queued event it retries), and only after the earlier run ended. So an entry of the same
request id but another run is a run of this very invocation that died. Entries of other
request ids (a duplicate event, an identical re-upload, a re-drive) may be running side
by side and count only once their deadline has passed, when Lambda has stopped them.

A run that finds ``MAX_ATTEMPTS`` dead runs of the same version does not extract again
but returns a ``failed`` extraction saying so, which becomes the document. With the
default two async retries the third run of the event records it; with fewer, a re-drive
(``make redrive``/``reconcile``, a new request id) does once the deadlines have passed.
A healthy file is never failed by attempts running at the same time: a duplicate delivery
of the same request would have to run twice alongside it.

Entries are added and removed with conditional writes (If-Match / If-None-Match), so that
runs updating one marker at once do not lose each other's entries. A marker deleted while
another run adds to it may lose that entry: the only cost is one more attempt.

Usually no marker exists, so a run first creates it with its own entry (``If-None-Match: *``)
without reading it; only when one exists (412) is it read and updated. A marked upload so
costs two requests: that PUT, and the DELETE once its document is written. Small uploads
are not marked: every extractor ends them in milliseconds, faster than those two requests.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline_core import s3 as s3io

from .outcome import FAILED, Extraction

MARKER_PREFIX = ".extract-attempts/"
MARKED_BYTES = 16 * 1024
MAX_ATTEMPTS = 2
# A run may still write for a moment after its deadline, until the runtime is stopped.
DEADLINE_GRACE_MS = 10_000
# Conditional writes lost to other runs before giving up on the marker (the extraction goes on).
MARKER_WRITE_TRIES = 5


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class Attempt:
    """One run of the function: its invocation's request id, when Lambda stops it, and the run itself."""

    request_id: str
    deadline_ms: int
    run: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def of(cls, context: Any) -> Attempt:
        """The run that Lambda's ``context`` describes."""
        return cls(context.aws_request_id, _now_ms() + context.get_remaining_time_in_millis())

    def entry(self) -> dict[str, Any]:
        return {"request": self.request_id, "run": self.run, "deadline": self.deadline_ms}

    def counts_as_dead(self, entry: dict[str, Any], now_ms: int) -> bool:
        """Whether the run an entry names has ended without removing it: Lambda stopped it."""
        if entry.get("run") == self.run:
            return False  # this run, at an earlier pass over the same version
        if entry.get("request") == self.request_id:
            return True  # an earlier run of this invocation: Lambda retried it, so it ended
        deadline = entry.get("deadline")
        return isinstance(deadline, int) and deadline + DEADLINE_GRACE_MS < now_ms


def marker_key(upload_key: str) -> str:
    """Short and deterministic whatever the length of the upload key."""
    return MARKER_PREFIX + hashlib.sha256(upload_key.encode("utf-8")).hexdigest()


class Marker:
    """The attempt marker of one upload key, as one run of the function uses it."""

    def __init__(self, s3, *, bucket: str, key: str, attempt: Attempt) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._key = key
        self._attempt = attempt
        self._held: str | None = None  # the upload ETag this run has an entry for

    def __enter__(self) -> Marker:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        if kind is None or not issubclass(kind, MemoryError):
            self.leave()
        # MemoryError: the runtime is about to be stopped, the entry stays as this run's record

    def extract(self, *, etag: str, size: int, extract: Callable[[], Extraction]) -> Extraction:
        """Run ``extract`` with this run's entry on the marker, or report the runs that died before."""
        if size < MARKED_BYTES:
            return extract()
        dead = self._enter(etag)
        if dead >= MAX_ATTEMPTS:
            return Extraction(
                FAILED,
                error=(
                    f"extraction did not finish in {dead} attempts: the function ran out of memory "
                    "or time on this file (see `make logs fn=extract`)"
                ),
            )
        return extract()

    def document_written(self, size: int) -> None:
        """A document of the version is written: no run needs the marker any more."""
        if size >= MARKED_BYTES:
            self._s3.delete_object(Bucket=self._bucket, Key=marker_key(self._key))  # deleting nothing is fine
            self._held = None

    def leave(self) -> None:
        """The run ends without being killed: take its entry out, if it still has one."""
        if self._held is not None:
            self._update(self._held, lambda entries: [e for e in entries if e.get("run") != self._attempt.run])
            self._held = None

    def _enter(self, etag: str) -> int:
        """Add this run's entry for ``etag``; how many runs of that version died before."""
        dead = 0

        def add(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
            nonlocal dead
            now = _now_ms()
            dead = sum(self._attempt.counts_as_dead(entry, now) for entry in entries)
            if dead >= MAX_ATTEMPTS or any(entry.get("run") == self._attempt.run for entry in entries):
                return entries
            return [*entries, self._attempt.entry()]

        if self._create(etag) or (self._update(etag, add) and dead < MAX_ATTEMPTS):
            self._held = etag
        return dead

    def _create(self, etag: str) -> bool:
        """Create the marker with this run's entry alone; False when a marker already exists."""
        body = json.dumps({"key": self._key, "etag": etag, "attempts": [self._attempt.entry()]}).encode()
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=marker_key(self._key),
                Body=body,
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except Exception as error:
            if s3io.is_precondition_failed(error):
                return False
            raise
        return True

    def _update(self, etag: str, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> bool:
        """Apply ``change`` to the entries for ``etag`` (another version's are dropped); False when
        other runs kept changing the marker first."""
        key = marker_key(self._key)
        for _ in range(MARKER_WRITE_TRIES):
            stored = s3io.get(self._s3, self._bucket, key)
            entries = self._entries(stored, etag)
            changed = change(entries)
            if stored is not None and changed == entries:
                return True
            if stored is None and not changed:
                return True
            try:
                if changed:
                    body = json.dumps({"key": self._key, "etag": etag, "attempts": changed}).encode()
                    condition = {"IfMatch": stored["ETag"]} if stored is not None else {"IfNoneMatch": "*"}
                    self._s3.put_object(
                        Bucket=self._bucket, Key=key, Body=body, ContentType="application/json", **condition
                    )
                else:
                    self._s3.delete_object(Bucket=self._bucket, Key=key)  # no conditional delete in LocalStack 4.14
                return True
            except Exception as error:
                # If-Match on a marker deleted meanwhile answers 404 rather than 412.
                if not (s3io.is_precondition_failed(error) or s3io.is_not_found(error)):
                    raise
        return False

    def _entries(self, stored: dict[str, Any] | None, etag: str) -> list[dict[str, Any]]:
        """The entries of a marker for upload version ``etag``; none for another version or a foreign object."""
        if stored is None:
            return []
        try:
            marker = json.loads(stored["Body"].read())
        except ValueError:
            return []  # not a marker this code wrote
        if not isinstance(marker, dict) or marker.get("etag") != etag or marker.get("key") != self._key:
            return []
        entries = marker.get("attempts")
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
