"""The extracted document: the JSON object the insert function indexes."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .outcome import Extraction

CONTENT_TYPE = "application/json"
SOURCE_ETAG = "source-etag"
SOURCE_SEQUENCER = "source-sequencer"


@dataclass(frozen=True)
class Source:
    """The uploaded object a document was extracted from, as S3 described it."""

    bucket: str
    key: str
    size: int
    etag: str
    content_type: str | None
    sequencer: str | None


def build(source: Source, extraction: Extraction, extracted_at_ms: int) -> dict:
    return {
        "ExtractedDate": extracted_at_ms,
        "Content": storable_text(extraction.content),
        "SourceBucket": source.bucket,
        "SourceKey": source.key,
        "Size": source.size,
        "ETag": source.etag,
        "ContentType": source.content_type,
        "Sequencer": source.sequencer,
        "Status": extraction.status,
        "Error": extraction.error,
        "Extractor": extraction.extractor,
        "Encoding": extraction.encoding,
        "Pages": extraction.pages,
        "Truncated": extraction.truncated,
        "Warnings": list(extraction.warnings),
    }


def encode(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def metadata(source: Source) -> dict[str, str]:
    """User metadata that lets a repeated event recognize an existing document."""
    values = {SOURCE_ETAG: source.etag, SOURCE_SEQUENCER: source.sequencer}
    return {name: value for name, value in values.items() if value is not None}


def storable_text(text: str) -> str:
    """Text a database accepts: no NUL characters, no lone surrogates."""
    return text.replace("\x00", "").encode("utf-8", errors="replace").decode("utf-8")
