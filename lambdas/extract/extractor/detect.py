"""Deciding how to read a file: from its content type, its name and its leading bytes.

The bytes win when they disagree with the name or content type: a PDF uploaded
as ``notes.txt`` with ``text/plain`` is read as a PDF, and a ``.pdf`` that is
really plain text is read as text. Binary formats are recognised by their
signatures at the offsets their specifications define, checked against the
structure that follows, never by a substring found somewhere in the first bytes:
a note that mentions ``%PDF-1.7`` or starts with "ID3" is text.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from .outcome import ExtractionFailed, UnsupportedContent
from .text_decoding import detect_encoding, read_sample

TEXT_FORMATS = frozenset({"text", "markdown", "html", "csv", "json"})

# Specific content types; generic ones (text/plain, octet-stream) defer to the file name.
_CONTENT_TYPES = {
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/csv": "csv",
    "application/csv": "csv",
    "text/tab-separated-values": "csv",
    "application/json": "json",
    "text/json": "json",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}

_EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".log": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".csv": "csv",
    ".tsv": "csv",
    ".json": "json",
    ".pdf": "pdf",
    ".docx": "docx",
}

# (offset, signature, what the file is, structure check of the head or None) for binary
# formats that are not extracted. A signature counts only at its defined offset, and where
# a short signature could start ordinary text, only when the bytes after it are what the
# format defines there.
_UNSUPPORTED_SIGNATURES = (
    (0, b"\x89PNG\r\n\x1a\n", "PNG image", None),
    (0, b"\xff\xd8\xff", "JPEG image", None),
    (0, b"GIF87a", "GIF image", None),
    (0, b"GIF89a", "GIF image", None),
    (0, b"II*\x00", "TIFF image", None),
    (0, b"MM\x00*", "TIFF image", None),
    (8, b"WEBP", "WebP image", lambda head: head.startswith(b"RIFF")),
    (0, b"\x1f\x8b\x08", "gzip archive", None),
    (0, b"BZh", "bzip2 archive", lambda head: head[3:4].isdigit() and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90")),
    (0, b"\xfd7zXZ\x00", "xz archive", None),
    (0, b"(\xb5/\xfd", "zstd archive", None),
    (0, b"7z\xbc\xaf\x27\x1c", "7-Zip archive", None),
    (0, b"Rar!\x1a\x07", "RAR archive", None),
    (257, b"ustar", "tar archive", lambda head: head[262:263] in (b"\x00", b" ")),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office document (OLE2)", None),
    (0, b"{\\rtf1", "RTF document", None),
    (0, b"\x7fELF", "ELF executable", None),
    (0, b"\x00asm", "WebAssembly module", None),
    (0, b"SQLite format 3\x00", "SQLite database", None),
    (
        0,
        b"ID3",
        "MP3 audio",
        lambda head: (
            head[3:4] in (b"\x02", b"\x03", b"\x04")
            and head[4:5] == b"\x00"
            and all(byte < 0x80 for byte in head[6:10])
        ),
    ),
    (0, b"OggS", "Ogg media", lambda head: head[4:5] == b"\x00"),
    (0, b"fLaC", "FLAC audio", lambda head: head[4] & 0x7F == 0 if len(head) > 4 else False),
    (
        4,
        b"ftyp",
        "MP4/QuickTime media",
        lambda head: (
            8 <= int.from_bytes(head[:4], "big") <= 4096 and head[8:12].isascii() and head[8:12].strip(b" ").isalnum()
        ),
    ),
)

HEAD_BYTES = 4096
_PDF_HEADER = re.compile(rb"%PDF-\d\.\d[ \t]*[\r\n%]")
_PDF_HEADER_WINDOW = 1024  # readers accept a header this far in, after junk
_PDF_TRAILER = b"%%EOF"
_ZIP_SIGNATURE = b"PK\x03\x04"
_EOCD_SIGNATURE = b"PK\x05\x06"
_EOCD_SEARCH_BYTES = 66 * 1024  # the record (22 bytes) plus the longest archive comment
MAX_ZIP_ENTRIES = 10_000  # real DOCX files hold tens to hundreds of parts
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Detection:
    format: str
    encoding: str | None = None  # codec of text formats


def detect(file: IO[bytes], filename: str, content_type: str | None) -> Detection:
    """How to read ``file``.

    Raises UnsupportedContent for formats that are not extracted and
    ExtractionFailed for content that cannot be what it claims to be.
    """
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    declared = declared_format(filename, content_type)

    if _is_pdf(file, head):
        return Detection("pdf")
    if head.startswith(_ZIP_SIGNATURE):
        return Detection(_zip_format(file, declared))
    for offset, signature, what, structure in _UNSUPPORTED_SIGNATURES:
        if head[offset : offset + len(signature)] == signature and (structure is None or structure(head)):
            raise UnsupportedContent(f"{what} is not a supported format")

    sample, complete = read_sample(file)
    charset = _declared_charset(content_type, head if declared == "html" else b"")
    encoding = detect_encoding(sample, complete, charset)
    if encoding is None:
        if declared in TEXT_FORMATS:
            raise ExtractionFailed("undecodable text: no known character encoding fits the bytes")
        if declared in ("pdf", "docx"):
            raise ExtractionFailed(f"not a valid {declared.upper()}: the file signature is missing")
        raise UnsupportedContent("unrecognized binary content is not a supported format")
    text_format = declared if declared in TEXT_FORMATS else _sniff_text_format(sample, encoding)
    return Detection(text_format, encoding)


def _is_pdf(file: IO[bytes], head: bytes) -> bool:
    """A PDF header at the start, or after a little junk when the file also ends like a PDF."""
    match = _PDF_HEADER.search(head[: _PDF_HEADER_WINDOW + 10])
    if match is None or match.start() > _PDF_HEADER_WINDOW:
        return False
    if match.start() == 0:
        return True
    size = file.seek(0, 2)
    file.seek(max(0, size - 1024))
    tail = file.read()
    file.seek(0)
    return _PDF_TRAILER in tail


def declared_format(filename: str, content_type: str | None) -> str | None:
    """Format the content type or file name claims; a specific content type comes first."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    by_type = _CONTENT_TYPES.get(media_type) or ("json" if media_type.endswith("+json") else None)
    if by_type:
        return by_type
    by_extension = _EXTENSIONS.get(PurePosixPath(filename).suffix.lower())
    if by_extension:
        return by_extension
    if media_type.startswith("text/"):
        return "text"
    return None


_PACKAGES = {
    "application/vnd.oasis.opendocument.text": "OpenDocument text (ODT)",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet (ODS)",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument presentation (ODP)",
    "application/epub+zip": "EPUB e-book",
}


def _zip_format(file: IO[bytes], declared: str | None) -> str:
    entries = _zip_entry_count(file)
    if entries is not None and entries > MAX_ZIP_ENTRIES:
        # Opening the archive would build one object per entry: refuse before that.
        if declared == "docx":
            raise ExtractionFailed(f"not a valid DOCX: {entries} parts, a document has far fewer")
        raise UnsupportedContent("ZIP archive is not a supported format")
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            packaged = _package_type(archive)
    except zipfile.BadZipFile as error:
        if declared == "docx":
            raise ExtractionFailed(f"broken DOCX: {error}") from None
        raise UnsupportedContent("ZIP archive is not a supported format") from None
    finally:
        file.seek(0)
    if "word/document.xml" in names:
        return "docx"
    if declared == "docx":
        raise ExtractionFailed("broken DOCX: word/document.xml is missing")
    if "xl/workbook.xml" in names:
        raise UnsupportedContent("Excel workbook (XLSX) is not a supported format")
    if "ppt/presentation.xml" in names:
        raise UnsupportedContent("PowerPoint presentation (PPTX) is not a supported format")
    if packaged in _PACKAGES:
        raise UnsupportedContent(f"{_PACKAGES[packaged]} is not a supported format")
    raise UnsupportedContent("ZIP archive is not a supported format")


def _package_type(archive: zipfile.ZipFile) -> str:
    """The media type OpenDocument and EPUB files name in their entry ``mimetype`` (its first 100 bytes only:
    a hostile archive may inflate it without end); '' when there is none or it cannot be read."""
    try:
        with archive.open("mimetype") as entry:
            return entry.read(100).decode("ascii", "replace").strip()
    except (KeyError, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error, zipfile.BadZipFile):
        return ""  # none, encrypted, an unknown compression, corrupt: just a ZIP archive


def _zip_entry_count(file: IO[bytes]) -> int | None:
    """Entries the archive's end-of-central-directory record announces (ZIP64: None, read later)."""
    size = file.seek(0, 2)
    file.seek(max(0, size - _EOCD_SEARCH_BYTES))
    tail = file.read()
    file.seek(0)
    end = tail.rfind(_EOCD_SIGNATURE)
    if end < 0 or len(tail) < end + 12:
        return None
    entries = int.from_bytes(tail[end + 10 : end + 12], "little")
    return None if entries == 0xFFFF else entries


def _declared_charset(content_type: str | None, html_head: bytes) -> str | None:
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    match = _META_CHARSET.search(html_head)
    return match.group(1).decode("ascii") if match else None


def _sniff_text_format(sample: bytes, encoding: str) -> str:
    """Recognize HTML and JSON in text that declares no format."""
    start = sample[:1024].decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html")):
        return "html"
    if start.startswith(("{", "[")):
        return "json"
    return "text"
