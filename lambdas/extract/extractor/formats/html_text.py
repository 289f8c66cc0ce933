"""HTML: the text a reader sees, without scripts, styles or hidden elements.

libxml2's HTML parser (lxml) is fed the page in chunks and calls back for each tag and
piece of text, so no tree is built: memory stays flat and work stops at the cap.
"""

from __future__ import annotations

import re
from typing import TextIO

from lxml import etree

from ..outcome import FormatText
from .capped_text import CappedText

CHUNK_CHARS = 64 * 1024
_INVISIBLE = frozenset({"script", "style", "noscript", "template"})
# Elements that start a new line when rendered; inline elements join their neighbours.
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "option", "p", "pre",
    "section", "summary", "table", "td", "th", "title", "tr", "ul", "body", "html",
})  # fmt: skip
_SPACES = re.compile(r"\s+")


class _VisibleText:
    """Parser target: collects visible text line by line into a CappedText."""

    def __init__(self, text: CappedText) -> None:
        self._text = text
        self._line: list[str] = []
        self._hidden_depth = 0  # > 0 inside an invisible element
        self.done = False

    def start(self, tag, attributes, nsmap=None) -> None:
        # nsmap: lxml passes it to a start() that takes more than (tag, attributes) or *args,
        # as a wrapped method (a profiler's, mutation testing's trampoline) does.
        tag = tag.lower() if isinstance(tag, str) else ""
        if self._hidden_depth or tag in _INVISIBLE or "hidden" in attributes:
            self._hidden_depth += 1
        elif tag in _BLOCKS:
            self._flush()

    def end(self, tag) -> None:
        if self._hidden_depth:
            self._hidden_depth -= 1
        elif isinstance(tag, str) and tag.lower() in _BLOCKS:
            self._flush()

    def data(self, data: str) -> None:
        if not self._hidden_depth and not self.done:
            self._line.append(data)

    def comment(self, text) -> None:
        """Comments are not text."""

    def close(self) -> None:
        self._flush()

    def _flush(self) -> None:
        if self.done or not self._line:
            return
        for line in "".join(self._line).split("\n"):
            if not self._text.add(_SPACES.sub(" ", line).strip()):
                self.done = True
                break
        self._line = []


def extract(stream: TextIO, max_chars: int) -> FormatText:
    text = CappedText(max_chars)
    target = _VisibleText(text)
    parser = etree.HTMLParser(target=target, no_network=True, recover=True)
    while not target.done:
        chunk = stream.read(CHUNK_CHARS)
        if not chunk:
            break
        parser.feed(chunk)
    if not target.done:
        parser.close()
    return text.result()
