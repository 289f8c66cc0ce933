"""Markdown: the readable text without the markup, parsed by pulldown-cmark (CommonMark, via pyromark).

The parser runs natively and hands over a flat stream of events (start/end of a block or
an inline element, text, code, HTML); this module walks it once and keeps the text a
reader sees. The file is parsed in chunks that end at a blank line outside fenced code, so
memory stays bounded and work stops at the character cap. A chunk never exceeds
``CHUNK_CHARS`` by more than one line, and a line longer than that is split at a space:
emphasis or a link spanning such a split loses its markup, never its words. Link
reference definitions apply within their chunk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TextIO, cast

import pyromark

from ..outcome import FormatText
from .capped_text import CappedText

CHUNK_CHARS = 64 * 1024
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TAG = re.compile(r"<[^<>]*>")
_PARSER = pyromark.Markdown(options=pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH)
# Elements inside a line of text; every other element starts or ends a line.
_INLINE = frozenset({"Emphasis", "Strong", "Strikethrough", "Link", "Image", "Superscript", "Subscript"})


def extract(stream: TextIO, max_chars: int) -> FormatText:
    text = CappedText(max_chars)
    for chunk in _chunks(stream):
        for line in readable_lines(chunk):
            if not text.add(line):
                return text.result()
    return text.result()


def readable_lines(markdown: str) -> Iterator[str]:
    """The lines a reader sees: one per paragraph line, heading, list item, table row or code line."""
    line: list[str] = []  # text of the line being read (or of the code or HTML block)
    row: list[str] | None = None  # cells of the table row being read
    block: str | None = None  # "CodeBlock" or "HtmlBlock" while inside one
    for event in _PARSER.events(markdown):
        if isinstance(event, str):  # SoftBreak, HardBreak, Rule
            yield "".join(line).strip()
            line = []
            continue
        [(kind, value)] = cast("dict[str, Any]", event).items()  # {"Text": "..."}, {"Start": tag}, ...
        if kind == "Text" or kind == "Code" or kind == "Html":
            line.append(value)
        elif kind == "Start" or kind == "End":
            tag = value if isinstance(value, str) else next(iter(value))
            if tag in _INLINE:
                continue
            if tag == "TableCell":
                if kind == "End" and row is not None:
                    row.append("".join(line).strip())
                    line = []
            elif tag == "TableHead" or tag == "TableRow":
                if kind == "End" and row is not None:
                    yield " ".join(cell for cell in row if cell)
                row = [] if kind == "Start" else None
            else:
                yield from _block_lines("".join(line), block)
                line = []
                block = tag if kind == "Start" and tag in ("CodeBlock", "HtmlBlock") else None
        # InlineHtml (a tag inside text) and the rest carry no readable text
    yield from _block_lines("".join(line), block)


def _block_lines(text: str, block: str | None) -> Iterator[str]:
    """The lines of text read up to the end of a block: code as written, HTML without its tags."""
    if not text:
        return
    if block == "CodeBlock":
        yield from text.rstrip("\n").split("\n")
        return
    if block == "HtmlBlock":
        text = _TAG.sub("", text)
    yield from (part.strip() for part in text.split("\n"))


def _chunks(stream: TextIO) -> Iterator[str]:
    """Pieces of the document that end at a blank line outside a fence (or at the size limit)."""
    lines: list[str] = []
    size = 0
    fence: str | None = None
    for line in _bounded_lines(stream):
        lines.append(line)
        size += len(line)
        opening = _FENCE.match(line)
        if opening and (fence is None or opening.group(1).startswith(fence)):
            fence = None if fence else opening.group(1)[0] * 3
        blank = not line.strip()
        if size >= CHUNK_CHARS and ((blank and fence is None) or size >= 2 * CHUNK_CHARS):
            yield "".join(lines)
            lines, size = [], 0
    if lines:
        yield "".join(lines)


def _bounded_lines(stream: TextIO) -> Iterator[str]:
    """Lines of at most CHUNK_CHARS characters; longer ones are cut after a space where possible."""
    carry = ""
    while True:
        line = carry + stream.readline(CHUNK_CHARS - len(carry))
        carry = ""
        if not line:
            return
        if len(line) >= CHUNK_CHARS and not line.endswith("\n"):
            cut = line.rfind(" ") + 1 or len(line)
            line, carry = line[:cut] + "\n", line[cut:]
        yield line
