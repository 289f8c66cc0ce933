"""CSV and TSV: each row as one line of its non-empty cells."""

from __future__ import annotations

import csv
from typing import TextIO

from ..outcome import ExtractionFailed, FormatText
from .capped_text import CappedText

_SNIFF_CHARS = 16 * 1024
_DELIMITERS = ",;\t|"


def extract(stream: TextIO, max_chars: int) -> FormatText:
    dialect = _dialect(stream.read(_SNIFF_CHARS))
    stream.seek(0)
    text = CappedText(max_chars)
    try:
        for row in csv.reader(stream, dialect):
            if not text.add(" ".join(cell.strip() for cell in row if cell.strip())):
                break
    except csv.Error as error:
        raise ExtractionFailed(f"malformed CSV: {error}") from None
    return text.result()


def _dialect(sample: str) -> type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        return csv.excel_tab if "\t" in sample and "," not in sample else csv.excel
