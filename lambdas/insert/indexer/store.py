"""The SQL that writes the index: one row per uploaded object (bucket, key).

A document replaces the stored row only when it is newer (see the SQL function
``document_is_newer`` in bootstrap/migrations), so duplicated or late events
never bring back an older version. The search vector is computed by a trigger,
and only when a row is actually written.
"""

from __future__ import annotations

from dataclasses import asdict

from indexer.document import Document

INSERTED = "inserted"
UPDATED = "updated"
STALE = "stale"

UPDATE_IF_NEWER = """
UPDATE documents SET
    extracted_key = :extracted_key, content = :content, size = :size,
    content_type = :content_type, etag = :etag, sequencer = :sequencer,
    status = :status, error = :error, extractor = :extractor,
    encoding = :encoding, pages = :pages, truncated = :truncated,
    extracted_at = :extracted_at, indexed_at = now()
WHERE bucket = :bucket AND key = :key
  AND document_is_newer(:sequencer, :extracted_at, sequencer, extracted_at)
"""

INSERT_IF_ABSENT = """
INSERT INTO documents (
    bucket, key, extracted_key, content, size, content_type, etag, sequencer,
    status, error, extractor, encoding, pages, truncated, extracted_at)
SELECT :bucket::text, :key::text, :extracted_key::text, :content::text, :size::bigint,
    :content_type::text, :etag::text, :sequencer::text, :status::text, :error::text,
    :extractor::text, :encoding::text, :pages::integer, :truncated::boolean,
    :extracted_at::timestamptz
WHERE NOT EXISTS (SELECT FROM documents WHERE bucket = :bucket AND key = :key)
ON CONFLICT (bucket, key) DO NOTHING
"""

DELETE = "DELETE FROM documents WHERE bucket = :bucket AND key = :key"


def upsert(conn, document: Document) -> str:
    """Write ``document`` unless the index already holds it or a newer one.

    Returns INSERTED, UPDATED or STALE.
    """
    params = asdict(document)
    conn.run(UPDATE_IF_NEWER, **params)
    if conn.row_count:
        return UPDATED
    conn.run(INSERT_IF_ABSENT, **params)
    if conn.row_count:
        return INSERTED
    # A row exists. It is as new or newer, or another invocation inserted it
    # between the two statements above: compare once more against that row.
    conn.run(UPDATE_IF_NEWER, **params)
    return UPDATED if conn.row_count else STALE


def delete(conn, bucket: str, key: str) -> bool:
    """Remove the row of an upload; False when there was none."""
    conn.run(DELETE, bucket=bucket, key=key)
    return bool(conn.row_count)
