"""The extracted document: the one contract between the two functions.

extract writes it as JSON to ``extracted/``; insert reads and validates it. The JSON
names are the design's (``ExtractedDate``, ``Content``, ...) plus the source fields that
tie a document to the exact upload version it was extracted from (``SourceKey``,
``ETag``, ``Size``, ``SourceLastModified``). The same version is stored as the document
object's user metadata, so that a HEAD tells whether a document is current.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from typing import Any

from .text import storable_text

CONTENT_TYPE = "application/json"


class InvalidDocument(ValueError):
    """Bytes under extracted/ that are not a document of this contract."""


@dataclass(frozen=True)
class SourceVersion:
    """One version of an upload: ETag, size and upload time (whole seconds, as S3 reports it).

    Two uploads of identical bytes at different times are different versions. The S3
    event ``sequencer`` is not used: LocalStack sends a constant one.
    """

    etag: str
    size: int
    last_modified_ms: int

    _METADATA = ("source-etag", "source-size", "source-last-modified")

    @classmethod
    def of(cls, response: dict[str, Any]) -> SourceVersion:
        """The version a HeadObject or GetObject answer describes."""
        seconds = int(response["LastModified"].timestamp())
        return cls(response["ETag"].strip('"'), int(response["ContentLength"]), seconds * 1000)

    @classmethod
    def of_listing(cls, item: dict[str, Any]) -> SourceVersion:
        """The version a ListObjectsV2 entry describes."""
        return cls(item["ETag"].strip('"'), int(item["Size"]), int(item["LastModified"].timestamp()) * 1000)

    def metadata(self) -> dict[str, str]:
        return dict(zip(self._METADATA, (self.etag, str(self.size), str(self.last_modified_ms)), strict=True))

    @classmethod
    def from_metadata(cls, metadata: dict[str, str]) -> SourceVersion | None:
        """The version recorded on a document object; None for documents without one."""
        try:
            etag, size, modified = (metadata[name] for name in cls._METADATA)
            return cls(etag, int(size), int(modified))
        except (KeyError, ValueError):
            return None

    def describe(self) -> str:
        uploaded = datetime.fromtimestamp(self.last_modified_ms / 1000, tz=timezone.utc).strftime(
            "%Y-%m-%d %H:%M:%S UTC"
        )
        return f"ETag {self.etag}, {self.size} bytes, uploaded {uploaded}"


@dataclass(frozen=True)
class Extraction:
    """What extracting one file found: the document's fields that do not name the upload."""

    status: str  # ok | unsupported | failed | too_large
    content: str = ""
    error: str | None = None
    extractor: str | None = None
    encoding: str | None = None
    pages: int | None = None
    truncated: bool = False
    warnings: tuple[str, ...] = ()  # odd but not fatal: replaced bytes, work stopped by a budget


@dataclass(frozen=True, kw_only=True)
class Document(Extraction):
    """What extract found in one upload version: an Extraction and the version it was read from."""

    source_bucket: str
    source_key: str
    source: SourceVersion
    content_type: str | None
    extracted_at_ms: int  # when the extraction finished

    def findings(self) -> dict[str, Any]:
        """What the extraction found: status, content, error, extractor, encoding, pages, truncated."""
        # Warnings stay in the document (``make trace`` shows it); the index has no column for them.
        return {field.name: getattr(self, field.name) for field in fields(Extraction) if field.name != "warnings"}

    def to_json(self) -> dict[str, Any]:
        return {
            "ExtractedDate": self.extracted_at_ms,
            "Content": storable_text(self.content),
            "SourceBucket": self.source_bucket,
            "SourceKey": self.source_key,
            "Size": self.source.size,
            "ETag": self.source.etag,
            "SourceLastModified": self.source.last_modified_ms,
            "ContentType": self.content_type,
            "Status": self.status,
            "Error": self.error,
            "Extractor": self.extractor,
            "Encoding": self.encoding,
            "Pages": self.pages,
            "Truncated": self.truncated,
            "Warnings": list(self.warnings),
        }

    def encode(self) -> bytes:
        return json.dumps(self.to_json(), ensure_ascii=False).encode("utf-8")

    @classmethod
    def parse(cls, body: bytes) -> Document:
        """Validate a stored document; raises InvalidDocument saying what is wrong."""
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidDocument(f"not JSON: {error}") from None
        if not isinstance(data, dict):
            raise InvalidDocument("not a JSON object")
        return cls(
            source_bucket=_field(data, "SourceBucket", str),
            source_key=_field(data, "SourceKey", str),
            source=SourceVersion(
                etag=_field(data, "ETag", str).strip('"'),
                size=_field(data, "Size", int),
                last_modified_ms=_field(data, "SourceLastModified", int),
            ),
            content_type=_field(data, "ContentType", str, optional=True),
            extracted_at_ms=_field(data, "ExtractedDate", int),
            status=_field(data, "Status", str),
            content=_field(data, "Content", str),
            error=_field(data, "Error", str, optional=True),
            extractor=_field(data, "Extractor", str, optional=True),
            encoding=_field(data, "Encoding", str, optional=True),
            pages=_field(data, "Pages", int, optional=True),
            truncated=bool(_field(data, "Truncated", bool, optional=True)),
            warnings=_warnings(data),
        )


# The document's JSON names, in the order written.
JSON_FIELDS = tuple(
    Document(
        status="ok",
        source_bucket="",
        source_key="",
        source=SourceVersion("", 0, 0),
        content_type=None,
        extracted_at_ms=0,
    ).to_json()
)


def _warnings(data: dict[str, Any]) -> tuple[str, ...]:
    values = _field(data, "Warnings", list, optional=True) or []
    if not all(isinstance(value, str) for value in values):
        raise InvalidDocument("Warnings should be a list of strings")
    return tuple(storable_text(value) for value in values)


def _field(data: dict[str, Any], name: str, kind: type, *, optional: bool = False) -> Any:
    value = data.get(name)
    if value is None:
        if optional:
            return None
        raise InvalidDocument(f"{name} is missing")
    # true and false are not integers here
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidDocument(f"{name} should be {kind.__name__}, not {type(value).__name__}")
    return storable_text(value) if isinstance(value, str) else value
