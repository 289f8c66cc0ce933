"""Finding the character encoding of text files and reading them as text."""

from __future__ import annotations

import codecs
import io
from typing import BinaryIO, TextIO

from charset_normalizer import from_bytes

# Encoding detection looks at most at this many leading bytes.
SAMPLE_BYTES = 1 << 20

_BOMS = (
    # UTF-32 LE starts with the UTF-16 LE mark, so it is checked first.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_sample(file: BinaryIO) -> tuple[bytes, bool]:
    """Leading bytes of ``file`` and whether they are the whole file; rewinds the file."""
    file.seek(0)
    data = file.read(SAMPLE_BYTES + 1)
    file.seek(0)
    return data[:SAMPLE_BYTES], len(data) <= SAMPLE_BYTES


def detect_encoding(sample: bytes, complete: bool, declared: str | None = None) -> str | None:
    """Codec name that decodes ``sample`` as text, or None when the bytes are not text.

    A byte order mark wins, then a declared charset that decodes the sample,
    then charset-normalizer's best guess.
    """
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            return codec
    if b"\x00" in sample:
        return None
    if not complete:
        sample = _cut_at_line_end(sample)
    if declared and _decodes(sample, declared):
        return codecs.lookup(declared).name
    match = from_bytes(sample).best()
    if match is None:
        return None
    return codecs.lookup(match.encoding).name


def open_text(file: BinaryIO, encoding: str, *, strict: bool) -> TextIO:
    """``file`` as text with universal newlines.

    ``strict`` makes undecodable bytes an error; otherwise they become U+FFFD
    (used when detection saw only the start of a large file).
    """
    file.seek(0)
    codec = "utf-8" if encoding == "ascii" else encoding
    return io.TextIOWrapper(file, encoding=codec, errors="strict" if strict else "replace")


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        sample.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return False
    return True


def _cut_at_line_end(sample: bytes) -> bytes:
    """Drop a possibly cut multi-byte character at the end of a partial sample."""
    end = sample.rfind(b"\n")
    return sample[: end + 1] if end > 0 else sample
