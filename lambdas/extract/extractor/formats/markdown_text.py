"""Markdown: the readable text without the markup."""

from __future__ import annotations

import re
from typing import TextIO

from ..outcome import FormatText
from .capped_text import CappedText

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_RULE_OR_UNDERLINE = re.compile(r"^\s{0,3}([-*_=])(\s*\1){2,}\s*$")
_TABLE_DIVIDER = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+")
_QUOTE = re.compile(r"^\s*(>\s?)+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)(\s+#+)?\s*$")
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s+(\[[ xX]\]\s+)?")

_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # image -> alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # link -> link text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference link -> link text
    (re.compile(r"<((?:https?|mailto):[^>]+)>"), r"\1"),  # autolink -> address
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),  # inline HTML tags
    (re.compile(r"`+([^`]*)`+"), r"\1"),  # code span
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),  # strong
    (re.compile(r"(?<!\w)([*_])(\S(?:.*?\S)?)\1(?!\w)"), r"\2"),  # emphasis, not snake_case
    (re.compile(r"~~(.+?)~~"), r"\1"),  # strikethrough
    (re.compile(r"\s*\|\s*"), " "),  # table cell borders
)
# Escaped punctuation is parked in the private use area so no rule above takes it as markup.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_PARKED = re.compile("[\ue000-\ue07f]")


def extract(stream: TextIO, max_chars: int) -> FormatText:
    text = CappedText(max_chars)
    in_code_block = False
    for line in stream:
        line = line.rstrip("\n")
        if _FENCE.match(line):
            in_code_block = not in_code_block
            continue
        readable = line if in_code_block else readable_line(line)
        if not text.add(readable):
            break
    return text.result()


def readable_line(line: str) -> str:
    """One line of Markdown outside code blocks as plain text ('' for pure markup)."""
    line = _QUOTE.sub("", line)
    if _RULE_OR_UNDERLINE.match(line) or _TABLE_DIVIDER.match(line) or _REFERENCE_DEFINITION.match(line):
        return ""
    heading = _HEADING.match(line)
    line = heading.group(1) if heading else _LIST_ITEM.sub("", line)
    line = _ESCAPED.sub(lambda match: chr(0xE000 + ord(match.group(1))), line)
    for pattern, replacement in _INLINE:
        line = pattern.sub(replacement, line)
    return _PARKED.sub(lambda match: chr(ord(match.group()) - 0xE000), line).strip()
