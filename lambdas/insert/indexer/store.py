"""The SQL that writes the index: one row per uploaded object (bucket, key).

A row records the exact document object it came from (``document_etag``) and the
upload version that document was extracted from (``etag``, ``size``,
``source_last_modified``). Which document is current is decided against the bucket
(``indexer.sync``), not here: the upsert writes what it is given, in one statement,
and skips the write when the row already holds that very document (same document
object, document key and upload version). The search vector is computed once per
text: not for a skipped write, not for a new upload version of the same text (the
row's vector is kept), once for new text (migration ``0004_search_vector_once``).

Each statement says what it changed in the rows it returns (``RETURNING 1``), so that
it reads the same run directly on a connection or prepared (``indexer.database``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from pipeline_core.document import Document

UPSERT = """
WITH held AS (SELECT content, search_vector FROM documents WHERE bucket = :bucket AND key = :key)
INSERT INTO documents (
    bucket, key, extracted_key, document_etag, content, size, content_type, etag,
    source_last_modified, status, error, extractor, encoding, pages, truncated, extracted_at, search_vector)
SELECT
    :bucket, :key, :extracted_key, :document_etag, :content, :size, :content_type, :etag,
    :source_last_modified, :status, :error, :extractor, :encoding, :pages, :truncated, :extracted_at,
    (SELECT held.search_vector FROM held WHERE held.content = :content)
ON CONFLICT (bucket, key) DO UPDATE SET
    extracted_key = EXCLUDED.extracted_key, document_etag = EXCLUDED.document_etag,
    content = EXCLUDED.content, size = EXCLUDED.size, content_type = EXCLUDED.content_type,
    etag = EXCLUDED.etag, source_last_modified = EXCLUDED.source_last_modified,
    status = EXCLUDED.status, error = EXCLUDED.error, extractor = EXCLUDED.extractor,
    encoding = EXCLUDED.encoding, pages = EXCLUDED.pages, truncated = EXCLUDED.truncated,
    extracted_at = EXCLUDED.extracted_at, search_vector = EXCLUDED.search_vector, indexed_at = now()
WHERE (documents.document_etag, documents.extracted_key, documents.etag, documents.size,
       documents.source_last_modified)
      IS DISTINCT FROM (EXCLUDED.document_etag, EXCLUDED.extracted_key, EXCLUDED.etag, EXCLUDED.size,
       EXCLUDED.source_last_modified)
RETURNING 1
"""

SAME_DOCUMENT = ("document_etag", "extracted_key", "etag", "size", "source_last_modified")

DELETE = "DELETE FROM documents WHERE bucket = :bucket AND extracted_key = :extracted_key RETURNING 1"
# A session-level advisory lock per document key: the syncs of one key take turns (``indexer.sync``).
LOCK = "SELECT pg_advisory_lock(hashtextextended(:name, 0))"
UNLOCK = "SELECT pg_advisory_unlock(hashtextextended(:name, 0))"


def _moment(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)


@dataclass(frozen=True)
class Row:
    bucket: str
    key: str  # of the upload, e.g. uploads/a/b.pdf
    extracted_key: str  # of its document, e.g. extracted/a/b.pdf
    document_etag: str
    size: int
    content_type: str | None
    etag: str  # of the upload version
    source_last_modified: datetime
    extracted_at: datetime
    # what the document found (Document.findings)
    status: str
    content: str
    error: str | None
    extractor: str | None
    encoding: str | None
    pages: int | None
    truncated: bool

    @classmethod
    def of(cls, document: Document, extracted_key: str, document_etag: str) -> Row:
        return cls(
            bucket=document.source_bucket,
            key=document.source_key,
            extracted_key=extracted_key,
            document_etag=document_etag,
            size=document.source.size,
            content_type=document.content_type,
            etag=document.source.etag,
            source_last_modified=_moment(document.source.last_modified_ms),
            extracted_at=_moment(document.extracted_at_ms),
            **document.findings(),
        )


def upsert(conn, row: Row) -> bool:
    """Write ``row``; False when the index already held that very document (see SAME_DOCUMENT)."""
    return bool(conn.run(UPSERT, **asdict(row)))


def delete(conn, bucket: str, extracted_key: str) -> bool:
    """Remove the row of a document key; False when there was none."""
    return bool(conn.run(DELETE, bucket=bucket, extracted_key=extracted_key))


def lock(conn, name: str) -> None:
    """Wait until this session holds the lock ``name`` (a document's bucket and key)."""
    conn.run(LOCK, name=name)


def unlock(conn, name: str) -> None:
    conn.run(UNLOCK, name=name)
