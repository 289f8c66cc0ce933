"""What extracting one file produced."""

from __future__ import annotations

from dataclasses import dataclass

OK = "ok"
UNSUPPORTED = "unsupported"
FAILED = "failed"
TOO_LARGE = "too_large"


class ExtractionFailed(Exception):
    """The file claims a format it does not hold (corrupt, encrypted, undecodable)."""


class UnsupportedContent(Exception):
    """The file holds a format this function does not extract (images, archives, ...)."""


@dataclass(frozen=True)
class FormatText:
    """Text one format extractor read from a file."""

    content: str
    truncated: bool = False
    pages: int | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Extraction:
    status: str
    content: str = ""
    error: str | None = None
    extractor: str | None = None
    encoding: str | None = None
    pages: int | None = None
    truncated: bool = False
    # What was odd but not fatal (replaced bytes, work stopped by a budget). The document
    # carries it as ``Warnings``.
    warnings: tuple[str, ...] = ()


def capped(text: str, max_chars: int) -> tuple[str, bool]:
    """``text`` cut to ``max_chars`` and whether anything was cut."""
    if len(text) > max_chars:
        return text[:max_chars], True
    return text, False
