"""From a local file to an Extraction: detect the format, run its extractor, cap the text."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace
from typing import IO

from . import detect as detection
from .outcome import (
    FAILED,
    OK,
    TOO_LARGE,
    UNSUPPORTED,
    Extraction,
    ExtractionFailed,
    FormatText,
    UnsupportedContent,
)
from .text_decoding import open_text, replacement_warning

# Format -> its module in .formats, imported on first use: a cold start pays only for the
# parsers (pypdf, lxml, pyromark, ijson) of the formats it actually meets.
_BINARY_EXTRACTORS = {"pdf": "pdf_text", "docx": "docx_text"}
_TEXT_EXTRACTORS = {
    "text": "plain_text",
    "markdown": "markdown_text",
    "html": "html_text",
    "csv": "csv_text",
    "json": "json_text",
}


def _extractor(module: str) -> Callable:
    """The ``extract`` of one format module, imported outside ``_run``'s guard.

    A module that does not import (a syntax error saved mid-edit, a missing package) is
    broken code, not a bad file: the invocation fails and its retry, or ``make redrive``,
    runs the fixed code, instead of every file of that format being recorded as failed.
    """
    return importlib.import_module(f"{__package__}.formats.{module}").extract


# Structured text that does not parse is still text worth finding.
_FALLS_BACK_TO_PLAIN_TEXT = {"csv", "json"}


def extract(file: IO[bytes], *, filename: str, content_type: str | None, size: int, max_chars: int) -> Extraction:
    """Read ``file`` (``size`` bytes, seekable) into an Extraction; content problems never raise."""
    if size == 0:
        return Extraction(OK)
    try:
        detected = detection.detect(file, filename, content_type)
    except UnsupportedContent as reason:
        return Extraction(UNSUPPORTED, error=str(reason))
    except ExtractionFailed as reason:
        return Extraction(FAILED, error=str(reason))
    except MemoryError:
        raise  # the function ran out of memory: the runtime reports it, as on AWS
    except Exception as error:  # e.g. a zip too damaged for the zipfile module
        return Extraction(FAILED, error=f"format detection failed: {type(error).__name__}: {error}")
    if detected.format in _BINARY_EXTRACTORS:
        parse = _extractor(_BINARY_EXTRACTORS[detected.format])
        return _run(detected.format, lambda: parse(file, max_chars))
    return _extract_text(file, detected, max_chars)


def too_large(size: int, max_bytes: int, at_least: bool = False) -> Extraction:
    """``at_least``: ``size`` is what was read before stopping, not the object's announced size."""
    amount = f"at least {size}" if at_least else str(size)
    return Extraction(TOO_LARGE, error=f"object is {amount} bytes, more than MAX_OBJECT_BYTES={max_bytes}")


def _extract_text(file: IO[bytes], detected: detection.Detection, max_chars: int) -> Extraction:
    encoding = detected.encoding
    if encoding is None:
        return Extraction(FAILED, error=f"format detection gave {detected.format} no text encoding")

    def read_as(text_format: str) -> Callable[[], FormatText]:
        parse = _extractor(_TEXT_EXTRACTORS[text_format])

        def read() -> FormatText:
            stream = open_text(file, encoding)
            try:
                text = parse(stream, max_chars)
            finally:
                stream.detach()  # the wrapper must not close the file when it is collected
            replaced = replacement_warning(encoding)
            return replace(text, warnings=(replaced, *text.warnings)) if replaced else text

        return read

    result = _run(detected.format, read_as(detected.format), encoding=encoding)
    if result.status == FAILED and detected.format in _FALLS_BACK_TO_PLAIN_TEXT:
        fallback = _run("text", read_as("text"), encoding=encoding)
        result = replace(fallback, warnings=(f"read as plain text: {result.error}", *fallback.warnings))
    return result


def _run(extractor: str, read: Callable[[], FormatText], encoding: str | None = None) -> Extraction:
    try:
        text = read()
    except ExtractionFailed as error:
        reason = str(error)
    except MemoryError:
        raise  # the function ran out of memory: the runtime reports it, as on AWS
    except Exception as error:  # a parser bug on one odd file must not lose the document
        reason = f"{extractor} extraction failed: {type(error).__name__}: {error}"
    else:
        return Extraction(
            OK,
            content=text.content,
            extractor=extractor,
            encoding=encoding,
            pages=text.pages,
            truncated=text.truncated,
            warnings=tuple(text.warnings),
        )
    return Extraction(FAILED, error=reason, extractor=extractor, encoding=encoding)
