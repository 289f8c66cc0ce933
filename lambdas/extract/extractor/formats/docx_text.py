"""DOCX: paragraphs and tables of the document body, in document order, read as a stream.

``word/document.xml`` is decompressed and parsed chunk by chunk (lxml's pull parser);
each run's text is taken as soon as the run ends and the elements are dropped, so
elements that carry no text are dropped after each chunk, so memory stays flat whatever
the file expands to. Work stops at the character cap, at
the empty-piece budget, or after ``XML_BYTES_PER_CHAR`` bytes of XML per character of
the cap (a zip bomb that is all markup), each recorded as a warning.
"""

from __future__ import annotations

import zipfile
from typing import IO

from lxml import etree

from ..outcome import ExtractionFailed, FormatText
from .capped_text import CappedText

DOCUMENT_PART = "word/document.xml"
CHUNK_BYTES = 64 * 1024
# Markup in real documents is 5-30 bytes per character of text.
XML_BYTES_PER_CHAR = 64
MIN_XML_BYTES = 64 * 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
P, R, T, TAB, BR, CR = (f"{_W}{name}" for name in ("p", "r", "t", "tab", "br", "cr"))
BODY, TR, TC = (f"{_W}{name}" for name in ("body", "tr", "tc"))
_RUN_TEXT = {T: None, TAB: "\t", BR: "\n", CR: "\n"}


class _Body:
    """Turns the parser's events into lines: paragraphs, and table rows as tab-separated cells."""

    def __init__(self, text: CappedText, max_chars: int) -> None:
        self._text = text
        self._max_chars = max_chars
        self._paragraphs: list[list[str]] = []  # text of each open paragraph (text boxes nest)
        self._paragraph_sizes: list[int] = []
        self._cells: list[list[str]] = []  # paragraphs of each open table cell
        self._rows: list[tuple[list[str], list[str]]] = []  # (cells, lines of nested tables) per open row
        self.done = False
        self.element = None  # w:body, once it started

    def start(self, element) -> None:
        tag = element.tag
        if tag == BODY:
            self.element = element
        elif tag == P:
            self._paragraphs.append([])
            self._paragraph_sizes.append(0)
        elif tag == TC:
            self._cells.append([])
        elif tag == TR:
            self._rows.append(([], []))

    def end(self, element) -> None:
        tag = element.tag
        if tag == R:
            if self._paragraphs:
                for child in element:
                    piece = _RUN_TEXT.get(child.tag, "")
                    piece = child.text or "" if piece is None else piece
                    self._paragraphs[-1].append(piece)
                    self._paragraph_sizes[-1] += len(piece)
                if self._paragraph_sizes[-1] > self._max_chars:
                    self.flush_open_paragraph()  # past the cap on its own: no need to read on
            _drop(element)
        elif tag == P:
            line = "".join(self._paragraphs.pop()).strip()
            self._paragraph_sizes.pop()
            if self._cells:
                self._cells[-1].append(line)
            else:
                self._emit(line)
            _drop(element)
        elif tag == TC and self._cells:
            paragraphs = self._cells.pop()
            if self._rows:
                self._rows[-1][0].append(" ".join(p for p in paragraphs if p))
        elif tag == TR and self._rows:
            cells, nested = self._rows.pop()
            lines = ["\t".join(cell for cell in cells if cell), *nested]
            if self._rows:  # a table inside a cell: its rows follow the outer row
                self._rows[-1][1].extend(lines)
            else:
                for line in lines:
                    self._emit(line)
            _drop(element)

    def flush_open_paragraph(self) -> None:
        """Emit what the innermost open paragraph holds so far (reading stops early)."""
        if self._paragraphs:
            self._emit("".join(self._paragraphs[-1]).strip())
            self._paragraphs[-1] = []
        self.done = True

    def _emit(self, line: str) -> None:
        if not self.done and not self._text.add(line):
            self.done = True


def _prune(element) -> None:
    """Free every finished element below ``element``: all but the last child, at every level."""
    while element is not None and len(element):
        if len(element) > 1:
            del element[:-1]
        element = element[-1]


def _drop(element) -> None:
    """Free a finished element (and its finished earlier siblings)."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def extract(file: IO[bytes], max_chars: int) -> FormatText:
    text = CappedText(max_chars)
    body = _Body(text, max_chars)
    budget = max(MIN_XML_BYTES, XML_BYTES_PER_CHAR * max_chars)
    warnings = []
    parser = etree.XMLPullParser(
        events=("start", "end"), tag=(BODY, P, R, TR, TC), resolve_entities=False, no_network=True
    )
    try:
        with zipfile.ZipFile(file) as archive, archive.open(DOCUMENT_PART) as part:
            read = 0
            while not body.done:
                chunk = part.read(CHUNK_BYTES)
                if not chunk:
                    parser.close()
                    break
                read += len(chunk)
                if read > budget:
                    warnings.append(
                        f"stopped after {budget // 1_000_000} MB of {DOCUMENT_PART}: "
                        "far more markup than text (a zip bomb?)"
                    )
                    body.flush_open_paragraph()
                    break
                parser.feed(chunk)
                for event, element in parser.read_events():
                    (body.start if event == "start" else body.end)(element)
                    if body.done:
                        break
                _prune(body.element)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, EOFError, OSError, ValueError) as error:
        raise ExtractionFailed(f"broken DOCX: {type(error).__name__}: {error}") from None
    result = text.result(warnings=warnings)
    if warnings:
        return FormatText(result.content, truncated=True, warnings=result.warnings)
    return result
