"""Collecting pieces of text up to a character budget, and a work budget for empty pieces."""

from __future__ import annotations

from ..outcome import FormatText, capped

# Every piece costs this much work on top of its length, so that millions of empty pieces
# (paragraphs, cells, lines) stop an extractor as surely as text does.
PIECE_COST = 8


class CappedText:
    """Joins pieces of text; ``add`` returns False once the text or the work budget is spent.

    The work budget is twice the character cap: text reaches the cap long before, unless
    the input is mostly empty pieces. Running out of it is reported as a warning and
    marks the result truncated.
    """

    def __init__(self, max_chars: int, separator: str = "\n") -> None:
        self._max_chars = max_chars
        self._separator = separator
        self._pieces: list[str] = []
        self._length = 0
        self._work = 0
        self._seen = 0
        self._work_budget = 2 * max_chars
        self._exhausted = False
        self.warnings: list[str] = []

    @property
    def full(self) -> bool:
        return self._length > self._max_chars or self._exhausted

    def add(self, piece: str) -> bool:
        if piece:
            self._length += len(piece) + (len(self._separator) if self._pieces else 0)
            self._pieces.append(piece)
        self._work += len(piece) + PIECE_COST
        self._seen += 1
        if self._work > self._work_budget and self._length <= self._max_chars and not self._exhausted:
            self._exhausted = True
            self.warnings.append(
                f"stopped after {self._seen} pieces ({len(self._pieces)} with text): "
                "the file is mostly empty paragraphs, lines or cells"
            )
        return not self.full

    def result(self, pages: int | None = None, warnings: list[str] | tuple[str, ...] = ()) -> FormatText:
        content, truncated = capped(self._separator.join(self._pieces), self._max_chars)
        return FormatText(
            content, truncated=truncated or self._exhausted, pages=pages, warnings=(*self.warnings, *warnings)
        )
