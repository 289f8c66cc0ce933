"""The pipeline board: every file under uploads/ with its stage, timings, status and error.

One look costs two S3 listings, one query of the index and one DLQ count (the
DLQ's messages are only peeked, and released at once, when it is not empty).
Nothing here runs unless a page asks for it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime

from operations import dlq
from pipeline_core.document import SourceVersion
from settings import aws, db
from settings.config import Config

# Every DLQ read or re-drive of this process holds this lock. Peeking receives the messages (hiding them)
# and releases them at once; a re-drive running in that instant would miss them.
DLQ_LOCK = threading.Lock()

# The stages, in the order a file moves through them, then the ways it can stop.
STAGES = ("uploaded", "extracted", "indexed", "failed", "dlq", "stale")
STAGE_LABELS = {
    "uploaded": "uploaded",
    "extracted": "extracted",
    "indexed": "indexed",
    "failed": "failed",
    "dlq": "in DLQ",
    "stale": "stale",
}


@dataclass(frozen=True)
class Upload:
    version: SourceVersion  # ETag, size, upload time: what the index row must match
    last_modified: datetime  # S3 gives it to the second

    @classmethod
    def of_listing(cls, item: dict) -> Upload:
        return cls(SourceVersion.of_listing(item), item["LastModified"])


@dataclass(frozen=True)
class Row:
    version: SourceVersion | None  # None for rows written before upload versions were recorded
    status: str
    error: str | None
    extracted_at: datetime
    indexed_at: datetime


@dataclass(frozen=True)
class FileState:
    key: str  # the upload's key (for a left-over, the key its upload had)
    stage: str
    size: int | None = None
    uploaded_at: datetime | None = None
    extracted_at: datetime | None = None  # ExtractedDate, from the index row
    indexed_at: datetime | None = None
    status: str | None = None
    error: str | None = None
    note: str = ""

    @property
    def extract_seconds(self) -> float | None:
        """Upload -> extracted: an upper bound, within a second (S3 gives the upload time in whole seconds)."""
        if self.uploaded_at and self.extracted_at:
            return max(0.0, (self.extracted_at - self.uploaded_at).total_seconds())
        return None

    @property
    def index_seconds(self) -> float | None:
        if self.extracted_at and self.indexed_at:
            return max(0.0, (self.indexed_at - self.extracted_at).total_seconds())
        return None


@dataclass
class Board:
    files: list[FileState]
    dlq_size: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0  # how long collecting took

    def counts(self, prefix: str = "") -> dict[str, int]:
        counts = dict.fromkeys(STAGES, 0)
        for f in self.files:
            if f.key.startswith(prefix):
                counts[f.stage] += 1
        return counts

    def filtered(self, stage: str = "", prefix: str = "") -> list[FileState]:
        return [f for f in self.files if (not stage or f.stage == stage) and f.key.startswith(prefix)]


def classify(
    cfg: Config,
    uploads: dict[str, Upload],
    extracted: dict[str, datetime],
    rows: dict[str, Row],
    in_dlq: dict[str, str],
) -> list[FileState]:
    """Each upload's stage from what the bucket, the index and the DLQ hold now; then the left-overs.

    Stage times come from the index row only: S3's last-modified times are whole
    seconds, too coarse for stages that take milliseconds.

    ``extracted`` maps document keys to their last-modified time, ``rows`` upload
    keys to index rows, ``in_dlq`` any key named by a DLQ event to its error.
    """
    files = []
    targets = {}  # document key -> upload key, for every upload that is a file
    for key, upload in uploads.items():
        target = cfg.extracted_key(key)
        if key.endswith("/") or target is None:  # a folder placeholder, not a file
            continue
        targets[target] = key
        row = rows.get(key)
        doc_time = extracted.get(target)
        dlq_error = in_dlq.get(key) or in_dlq.get(target)
        uploaded = FileState(key=key, stage="uploaded", size=upload.version.size, uploaded_at=upload.last_modified)
        if row and row.version == upload.version:
            stage = "indexed" if row.status == "ok" else "failed"
            files.append(
                replace(
                    uploaded,
                    stage=stage,
                    extracted_at=row.extracted_at,
                    indexed_at=row.indexed_at,
                    status=row.status,
                    error=row.error,
                    note="an older event is still in the DLQ" if dlq_error else "",
                )
            )
        elif dlq_error:
            files.append(replace(uploaded, stage="dlq", error=dlq_error))
        elif row:
            files.append(
                replace(
                    uploaded,
                    stage="stale",
                    status=row.status,
                    extracted_at=row.extracted_at,
                    indexed_at=row.indexed_at,
                    note="the index holds an older upload",
                )
            )
        elif doc_time and doc_time >= upload.last_modified.replace(microsecond=0):
            files.append(replace(uploaded, stage="extracted"))
        elif doc_time:
            files.append(replace(uploaded, stage="stale", note="extracted/ holds an older upload"))
        else:
            files.append(uploaded)
    for target in extracted:
        if target not in targets:
            # A shortened document key does not name its upload: show the document's own key.
            key = cfg.upload_key(target) or target
            files.append(FileState(key=key, stage="stale", note="upload deleted; its extracted document is left"))
    for key, row in rows.items():
        if key not in uploads and cfg.extracted_key(key) not in extracted:
            files.append(
                FileState(
                    key=key,
                    stage="stale",
                    status=row.status,
                    extracted_at=row.extracted_at,
                    indexed_at=row.indexed_at,
                    note="upload deleted; its index row is left",
                )
            )
    files.sort(key=lambda f: f.key)
    return files


class Collector:
    """Reads the board from the stack; keeps its clients and a short-lived DLQ peek between calls."""

    DLQ_PEEK_SECONDS = 30.0

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self._s3 = aws.client(cfg, "s3", max_pool_connections=4)
        self._sqs = aws.client(cfg, "sqs")
        self._dlq_peek: tuple[float, int, dict[str, str]] = (0.0, -1, {})
        self._dlq_url: str | None = None

    def _list(self, prefix: str) -> dict[str, dict]:
        found = {}
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.cfg.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                found[obj["Key"]] = obj
        return found

    def _rows(self) -> dict[str, Row]:
        conn = db.connect(self.cfg.database_dsn(), timeout=5)
        try:
            result = conn.run(
                "SELECT key, etag, size, source_last_modified, status, error, extracted_at, indexed_at "
                "FROM documents WHERE bucket = :b",
                b=self.cfg.bucket,
            )
        finally:
            conn.close()
        return {
            key: Row(
                SourceVersion(etag, size, int(modified.timestamp()) * 1000) if modified else None,
                status,
                error,
                extracted_at,
                indexed_at,
            )
            for key, etag, size, modified, status, error, extracted_at, indexed_at in result
        }

    def dlq_size(self) -> int:
        self._dlq_url = self._dlq_url or dlq.queue_url(self.cfg)
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self._dlq_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(v) for v in attributes.values())

    def _dlq_keys(self, size: int) -> dict[str, str]:
        """Key -> error of every DLQ event: peeked (and released at once) when the count changed.

        While another DLQ action of this process runs, the last peek is shown instead.
        """
        fetched_at, fetched_size, keys = self._dlq_peek
        if size == 0:
            return {}
        if size == fetched_size and time.monotonic() - fetched_at < self.DLQ_PEEK_SECONDS:
            return keys
        if not DLQ_LOCK.acquire(blocking=False):
            return keys
        try:
            keys = {}
            for event in dlq.failed_events(self.cfg):
                for key in event.keys:
                    keys.setdefault(key, f"{event.function}: {event.error}")
        finally:
            DLQ_LOCK.release()
        self._dlq_peek = (time.monotonic(), size, keys)
        return keys

    def collect(self) -> Board:
        started = time.monotonic()
        problems = []
        try:
            uploads = {k: Upload.of_listing(o) for k, o in self._list(self.cfg.upload_prefix).items()}
            extracted = {k: o["LastModified"] for k, o in self._list(self.cfg.extracted_prefix).items()}
        except Exception as exc:
            return Board([], problems=[f"LocalStack does not answer on {self.cfg.endpoint_url} ({exc}): run `make up`"])
        try:
            rows = self._rows()
        except (db.DatabaseUnavailable, Exception) as exc:
            rows = {}
            problems.append(f"the search index cannot be read ({exc}): stages stop at 'extracted'")
        try:
            size = self.dlq_size()
            in_dlq = self._dlq_keys(size)
        except Exception as exc:
            size, in_dlq = 0, {}
            problems.append(f"the dead-letter queue cannot be read ({exc})")
        files = classify(self.cfg, uploads, extracted, rows, in_dlq)
        return Board(files, dlq_size=size, problems=problems, seconds=time.monotonic() - started)
