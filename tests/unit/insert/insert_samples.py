"""Documents, events and an index that behaves like the real one, for the insert function's unit tests."""

from __future__ import annotations

import threading
from collections import Counter

from operations import events
from pipeline_core.document import SourceVersion
from tests.fakes import text_document

BUCKET = "file-upload-extraction-example"
FUNCTION_ENVIRONMENT = {
    "UPLOAD_PREFIX": "uploads/",
    "EXTRACTED_PREFIX": "extracted/",
    "DATABASE_DSN": "postgresql://search:search@127.0.0.1:1/search",
}


class FakeIndex:
    """The index as ``indexer.store`` keeps it: one row per (bucket, upload key).

    ``upsert`` answers False when the row already holds that very document (the
    columns of ``store.SAME_DOCUMENT``), as the real statement does; ``delete`` removes
    by document key. ``exclusively`` holds a lock per document key, as the real
    index's advisory lock does; ``held`` names the keys whose lock is held now.
    """

    def __init__(self):
        self.rows: dict[tuple[str, str], object] = {}
        self.writes = 0
        self.held: set[str] = set()
        self.waiting: Counter[str] = Counter()  # syncs waiting for a key's turn
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def exclusively(self, bucket: str, doc_key: str, work):
        name = f"{bucket}/{doc_key}"
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
            self.waiting[name] += 1
        with lock:
            with self._guard:
                self.waiting[name] -= 1
            self.held.add(name)
            try:
                return work()
            finally:
                self.held.discard(name)

    def _check_held(self) -> None:
        if not self.held:
            raise RuntimeError("the index writes only inside exclusively()")

    def upsert(self, row) -> bool:
        self._check_held()
        from indexer.store import SAME_DOCUMENT  # loaded by conftest under its package name

        current = self.rows.get((row.bucket, row.key))
        if current is not None and all(getattr(current, c) == getattr(row, c) for c in SAME_DOCUMENT):
            return False
        self.rows[(row.bucket, row.key)] = row
        self.writes += 1
        return True

    def delete(self, bucket: str, extracted_key: str) -> bool:
        self._check_held()
        found = [k for k, row in self.rows.items() if k[0] == bucket and row.extracted_key == extracted_key]
        for k in found:
            del self.rows[k]
        return bool(found)

    def row(self, key: str):
        return self.rows.get((BUCKET, key))


def upload(s3, key: str, body: bytes = b"The quick brown fox") -> SourceVersion:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return SourceVersion.of(s3.head_object(Bucket=BUCKET, Key=key))


def put_document(s3, doc_key: str, upload_key: str, version: SourceVersion, **changes) -> str:
    """Write the document of ``version`` of ``upload_key`` as extract would; returns its ETag."""
    document = text_document(BUCKET, upload_key, version, **changes)
    response = s3.put_object(
        Bucket=BUCKET, Key=doc_key, Body=document.encode(), ContentType="application/json", Metadata=version.metadata()
    )
    return response["ETag"].strip('"')


def extracted(s3, upload_key: str, body: bytes = b"The quick brown fox", **changes) -> str:
    """Upload ``body`` and write its document; returns the document key."""
    version = upload(s3, upload_key, body)
    doc_key = "extracted/" + upload_key.removeprefix("uploads/")
    put_document(s3, doc_key, upload_key, version, content=body.decode(), **changes)
    return doc_key


def record(event_name: str, key: str, bucket: str = BUCKET) -> dict:
    return events.s3_record(bucket, key, event_name, region="us-east-1")
