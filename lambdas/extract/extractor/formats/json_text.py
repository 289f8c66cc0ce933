"""JSON: keys and scalar values as readable lines (``key: value``), read as a stream.

ijson's C parser emits events as it reads, so a large export is never held in memory
and reading stops at the character cap.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import ijson

from ..outcome import ExtractionFailed, FormatText
from .capped_text import CappedText

CHUNK_CHARS = 64 * 1024


class _Utf8Bytes:
    """A text stream read as UTF-8 bytes, which is what the parser takes."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(CHUNK_CHARS if size is None or size < 0 else size).encode("utf-8", "surrogatepass")


def extract(stream: TextIO, max_chars: int) -> FormatText:
    text = CappedText(max_chars)
    events = ijson.basic_parse(_Utf8Bytes(stream), use_float=True, buf_size=CHUNK_CHARS)
    try:
        for line in readable_lines(events):
            if not text.add(line):
                break
    except ijson.JSONError as error:
        raise ExtractionFailed(f"invalid JSON: {str(error).splitlines()[0]}") from None
    return text.result()


def readable_lines(events: Iterable[tuple[str, Any]]) -> Iterator[str]:
    """Lines in document order from parser events; nesting costs no recursion."""
    key: str | None = None
    for event, value in events:
        if event == "map_key":
            key = value
            continue
        if event in ("start_map", "start_array"):
            if key is not None:
                yield f"{key}:"
        elif event not in ("end_map", "end_array"):
            scalar = _scalar_text(value)
            if key is not None:
                yield f"{key}: {scalar}" if scalar else f"{key}:"
            elif scalar:
                yield scalar
        key = None


def _scalar_text(value: Any) -> str:
    """Strings and numbers carry meaning; booleans and null do not."""
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip()
