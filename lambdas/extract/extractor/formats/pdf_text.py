"""PDF: the text layer of every page, and the page count."""

from __future__ import annotations

from typing import IO

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from ..outcome import ExtractionFailed, FormatText
from .capped_text import CappedText


def extract(file: IO[bytes], max_chars: int) -> FormatText:
    try:
        reader = PdfReader(file)
        if reader.is_encrypted:
            _open_without_password(reader)
        pages = len(reader.pages)
        text = CappedText(max_chars, separator="\n\n")
        for page in reader.pages:
            if not text.add(page.extract_text().strip()):
                break
    except ExtractionFailed:
        raise
    except Exception as error:  # pypdf raises many kinds of errors on damaged files
        raise ExtractionFailed(f"corrupt PDF: {type(error).__name__}: {error}") from None
    return text.result(pages=pages)


def _open_without_password(reader: PdfReader) -> None:
    """Read PDFs that are encrypted only against editing (empty user password)."""
    try:
        opened = reader.decrypt("")
    except DependencyError as error:
        raise ExtractionFailed(f"encrypted PDF: {error}") from None
    if opened == PasswordType.NOT_DECRYPTED:
        raise ExtractionFailed("encrypted PDF: a password is needed to read it")
