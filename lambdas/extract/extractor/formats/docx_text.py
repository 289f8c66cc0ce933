"""DOCX: paragraphs and tables of the document body, in document order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from ..outcome import ExtractionFailed, FormatText
from .capped_text import CappedText


def extract(file: BinaryIO, max_chars: int) -> FormatText:
    try:
        document = docx.Document(file)
    except Exception as error:  # a damaged package fails in zip, XML or package code
        raise ExtractionFailed(f"broken DOCX: {type(error).__name__}: {error}") from None
    text = CappedText(max_chars)
    for line in _lines(document.iter_inner_content()):
        if not text.add(line):
            break
    return text.result()


def _lines(blocks: Iterator[Paragraph | Table]) -> Iterator[str]:
    for block in blocks:
        if isinstance(block, Paragraph):
            yield block.text.strip()
        else:
            yield from _table_lines(block)


def _table_lines(table: Table) -> Iterator[str]:
    """One line per row, cells separated by tabs; nested tables follow their row."""
    for row in table.rows:
        cells, nested = [], []
        seen = set()
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans.
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
            nested.extend(cell.tables)
        yield "\t".join(cell for cell in cells if cell)
        for inner in nested:
            yield from _table_lines(inner)
