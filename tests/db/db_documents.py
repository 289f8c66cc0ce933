"""Rows for the database tests, built as the insert function builds them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from indexer.store import Row

BUCKET = "file-upload-extraction-example"
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def document(
    relative_key: str,
    content: str = "",
    *,
    document_etag: str = "d0c0000000000000000000000000000e",
    etag: str = "9e107d9d372bb6826bd81d3542a419d6",
    uploaded_second: int = 0,
    status: str = "ok",
    error: str | None = None,
    extracted_key: str | None = None,
) -> Row:
    return Row(
        bucket=BUCKET,
        key=f"uploads/{relative_key}",
        extracted_key=extracted_key or f"extracted/{relative_key}",
        document_etag=document_etag,
        content=content,
        size=len(content.encode()),
        content_type="text/plain",
        etag=etag,
        source_last_modified=EPOCH + timedelta(seconds=uploaded_second),
        status=status,
        error=error,
        extractor="text" if status == "ok" else None,
        encoding="utf-8",
        pages=None,
        truncated=False,
        extracted_at=EPOCH + timedelta(seconds=uploaded_second),
    )
