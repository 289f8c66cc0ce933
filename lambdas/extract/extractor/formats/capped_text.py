"""Collecting pieces of text up to a character budget."""

from __future__ import annotations

from ..outcome import FormatText, capped


class CappedText:
    """Joins pieces of text; ``add`` returns False once the budget is spent."""

    def __init__(self, max_chars: int, separator: str = "\n") -> None:
        self._max_chars = max_chars
        self._separator = separator
        self._pieces: list[str] = []
        self._length = 0

    def add(self, piece: str) -> bool:
        if piece:
            self._length += len(piece) + (len(self._separator) if self._pieces else 0)
            self._pieces.append(piece)
        return self._length <= self._max_chars

    def result(self, pages: int | None = None) -> FormatText:
        content, truncated = capped(self._separator.join(self._pieces), self._max_chars)
        return FormatText(content, truncated=truncated, pages=pages)
