"""The extracted document written by the extract function, as a row of the index."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone


class InvalidDocument(ValueError):
    pass


@dataclass(frozen=True)
class Document:
    bucket: str
    key: str  # of the upload, e.g. uploads/a/b.pdf
    extracted_key: str  # e.g. extracted/a/b.pdf
    content: str
    size: int | None
    content_type: str | None
    etag: str | None
    sequencer: str | None
    status: str
    error: str | None
    extractor: str | None
    encoding: str | None
    pages: int | None
    truncated: bool
    extracted_at: datetime


def _clean(text: str) -> str:
    """Text PostgreSQL accepts: no NUL characters, no lone surrogates."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _is(value, kind: type) -> bool:
    """isinstance, except that true and false are not integers."""
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


def _optional(data: dict, name: str, kind: type):
    value = data.get(name)
    if value is None:
        return None
    if not _is(value, kind):
        raise InvalidDocument(f"{name} should be {kind.__name__}, not {type(value).__name__}")
    return _clean(value) if kind is str else value


def _required(data: dict, name: str, kind: type):
    value = _optional(data, name, kind)
    if value is None:
        raise InvalidDocument(f"{name} is missing")
    return value


def parse_document(body: bytes, *, bucket: str, key: str, extracted_key: str) -> Document:
    """Validate an extracted document (JSON) and turn it into a row for ``key``."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidDocument(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidDocument("not a JSON object")
    etag = _optional(data, "ETag", str)
    return Document(
        bucket=bucket,
        key=key,
        extracted_key=extracted_key,
        content=_required(data, "Content", str),
        size=_optional(data, "Size", int),
        content_type=_optional(data, "ContentType", str),
        etag=etag.strip('"') if etag else etag,
        sequencer=_optional(data, "Sequencer", str) or None,
        status=_required(data, "Status", str),
        error=_optional(data, "Error", str),
        extractor=_optional(data, "Extractor", str),
        encoding=_optional(data, "Encoding", str),
        pages=_optional(data, "Pages", int),
        truncated=bool(_optional(data, "Truncated", bool)),
        extracted_at=datetime.fromtimestamp(_required(data, "ExtractedDate", int) / 1000, tz=timezone.utc),
    )
