"""Markdown: the readable text without the markup, parsed by markdown-it-py (CommonMark).

The file is parsed in chunks that end at a blank line outside fenced code, so memory
stays bounded and work stops at the character cap. A chunk never exceeds
``CHUNK_CHARS`` by more than one line, and a line longer than that is split at a space:
emphasis or a link spanning such a split loses its markup, never its words. Link
reference definitions apply within their chunk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TextIO

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..outcome import FormatText
from .capped_text import CappedText

CHUNK_CHARS = 64 * 1024
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TAG = re.compile(r"<[^<>]*>")
# Text without any of these needs no parsing: it reads as it is written.
_MARKUP = re.compile(r"[\\`*_\[\]!<>#|~&=+]|^[ \t]*(?:-|\d+[.)])|^ {4}|\t", re.MULTILINE)
# Inline content without any of these reads as it is written (line breaks included).
_INLINE_MARKUP = re.compile(r"[\\`*_\[\]!<>&~]|  \n|https?:|www\.|@")

# Block structure first; the inline rules run only on content that has inline markup.
_parser = MarkdownIt("commonmark", {"maxNesting": 20}).enable(["table", "strikethrough"])
_blocks = MarkdownIt("commonmark", {"maxNesting": 20}).enable(["table", "strikethrough"]).disable("inline")


def extract(stream: TextIO, max_chars: int) -> FormatText:
    text = CappedText(max_chars)
    for chunk in _chunks(stream):
        for line in readable_lines(chunk):
            if not text.add(line):
                return text.result()
    return text.result()


def readable_lines(markdown: str) -> Iterator[str]:
    """The lines a reader sees: one per paragraph line, heading, list item, table row or code line."""
    if not _MARKUP.search(markdown):
        yield from (line.strip() for line in markdown.split("\n"))
        return
    row: list[str] | None = None
    env: dict = {}
    for token in _blocks.parse(markdown, env):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            yield " ".join(cell for cell in row if cell)
            row = None
        elif token.type == "inline":
            inline = _inline(token.content, env).strip()
            if row is not None:
                row.append(inline)
            else:
                yield from (line.strip() for line in inline.split("\n"))
        elif token.type in ("fence", "code_block"):
            yield from token.content.rstrip("\n").split("\n")
        elif token.type == "html_block":
            yield _TAG.sub("", token.content).strip()


def _inline(content: str, env: dict) -> str:
    if not _INLINE_MARKUP.search(content):
        return content
    return "".join(_inline_text(token) for token in _parser.parseInline(content, env))


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)


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
