"""What extracting one file produced."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline_core.document import Extraction as Extraction  # what an extraction produces: the document's findings

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


def capped(text: str, max_chars: int) -> tuple[str, bool]:
    """``text`` cut to ``max_chars`` and whether anything was cut."""
    if len(text) > max_chars:
        return text[:max_chars], True
    return text, False
