"""HTML: the text a reader sees, without scripts, styles or hidden elements."""

from __future__ import annotations

import re
from typing import TextIO

from bs4 import BeautifulSoup

from ..outcome import FormatText
from .capped_text import CappedText

_INVISIBLE = ["script", "style", "noscript", "template"]
# Elements that start a new line when rendered; inline elements join their neighbours.
_BLOCKS = [
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "option", "p", "pre",
    "section", "summary", "table", "td", "th", "title", "tr", "ul",
]  # fmt: skip
_SPACES = re.compile(r"[^\S\n]+")


def extract(stream: TextIO, max_chars: int) -> FormatText:
    soup = BeautifulSoup(stream.read(), "html.parser")
    for element in soup.find_all(_INVISIBLE) + soup.find_all(attrs={"hidden": True}):
        element.decompose()
    for element in soup.find_all(_BLOCKS):
        element.insert_before("\n")
        element.insert_after("\n")
    text = CappedText(max_chars)
    for line in soup.get_text().split("\n"):
        if not text.add(_SPACES.sub(" ", line).strip()):
            break
    return text.result()
