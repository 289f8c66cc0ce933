"""Documents for the database tests, built as the insert function builds them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from indexer.document import Document

BUCKET = "file-upload-extraction-example"
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def document(
    relative_key: str,
    content: str = "",
    *,
    sequencer: str | None = "0055AED6DCD90281E5",
    extracted_second: int = 0,
    status: str = "ok",
    error: str | None = None,
) -> Document:
    return Document(
        bucket=BUCKET,
        key=f"uploads/{relative_key}",
        extracted_key=f"extracted/{relative_key}",
        content=content,
        size=len(content.encode()),
        content_type="text/plain",
        etag="9e107d9d372bb6826bd81d3542a419d6",
        sequencer=sequencer,
        status=status,
        error=error,
        extractor="text" if status == "ok" else None,
        encoding="utf-8",
        pages=None,
        truncated=False,
        extracted_at=EPOCH + timedelta(seconds=extracted_second),
    )
