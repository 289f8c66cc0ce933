"""Plain text: the decoded characters as they are."""

from __future__ import annotations

from typing import TextIO

from ..outcome import FormatText, capped


def extract(stream: TextIO, max_chars: int) -> FormatText:
    # One character more than allowed tells whether there was more.
    content, truncated = capped(stream.read(max_chars + 1), max_chars)
    return FormatText(content, truncated=truncated)
