"""JSON: keys and scalar values as readable lines (``key: value``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from ..outcome import ExtractionFailed, FormatText
from .capped_text import CappedText


def extract(stream: TextIO, max_chars: int) -> FormatText:
    try:
        data = json.load(stream)
    except (ValueError, RecursionError) as error:
        raise ExtractionFailed(f"invalid JSON: {error}") from None
    text = CappedText(max_chars)
    for line in readable_lines(data):
        if not text.add(line):
            break
    return text.result()


def readable_lines(data: Any) -> Iterator[str]:
    """Lines in document order, walked without recursion so deep nesting is safe."""
    stack: list[tuple[str | None, Any]] = [(None, data)]
    while stack:
        key, value = stack.pop()
        if isinstance(value, dict):
            if key is not None:
                yield f"{key}:"
            stack.extend(reversed(list(value.items())))
        elif isinstance(value, list):
            if key is not None:
                yield f"{key}:"
            stack.extend((None, item) for item in reversed(value))
        else:
            scalar = _scalar_text(value)
            if key is not None:
                yield f"{key}: {scalar}" if scalar else f"{key}:"
            elif scalar:
                yield scalar


def _scalar_text(value: Any) -> str:
    """Strings and numbers carry meaning; booleans and null do not."""
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip()
