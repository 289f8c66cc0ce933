"""A parser that crashes on one odd file records that file as failed; it never fails the invocation."""

import io

import pytest

from bench.samples import SAMPLES
from extractor import detect as detection
from extractor import extraction
from extractor.extraction import extract
from extractor.formats import csv_text, pdf_text, plain_text


def _extract(body: bytes, filename: str, content_type: str | None = None):
    return extract(io.BytesIO(body), filename=filename, content_type=content_type, size=len(body), max_chars=1000)


def crash(*_args, **_kwargs):
    raise RuntimeError("parser bug")


@pytest.mark.parametrize(
    ("module", "sample", "extractor"), [(plain_text, "utf8_text", "text"), (pdf_text, "pdf", "pdf")]
)
def test_a_crashing_parser_gives_a_failed_extraction_naming_the_crash(monkeypatch, module, sample, extractor):
    monkeypatch.setattr(module, "extract", crash)
    result = _extract(SAMPLES[sample].body, SAMPLES[sample].filename, SAMPLES[sample].content_type)
    assert (result.status, result.extractor, result.content) == ("failed", extractor, "")
    assert result.error == f"{extractor} extraction failed: RuntimeError: parser bug"


def test_a_crashing_detector_gives_a_failed_extraction(monkeypatch):
    monkeypatch.setattr(detection, "detect", crash)
    result = _extract(b"words", "a.txt", "text/plain")
    assert (result.status, result.error) == ("failed", "format detection failed: RuntimeError: parser bug")


def test_structured_text_that_crashes_its_parser_is_still_read_as_text(monkeypatch):
    monkeypatch.setattr(csv_text, "extract", crash)
    result = _extract(b"name,city\nAda,London\n", "people.csv", "text/csv")
    assert (result.status, result.extractor, result.error) == ("ok", "text", None)
    assert "Ada,London" in result.content


def test_the_handler_writes_the_failed_document_and_the_invocation_succeeds(
    bucket, load_handler, lambda_context, record, monkeypatch
):
    monkeypatch.setattr(plain_text, "extract", crash)
    bucket.upload("uploads/odd.txt", b"words that crash the parser")
    bucket.upload("uploads/fine.pdf", SAMPLES["pdf"].body, "application/pdf")
    event = {"Records": [record("created", "uploads/odd.txt"), record("created", "uploads/fine.pdf")]}

    results = load_handler().handler(event, lambda_context)

    assert [(r["action"], r["status"]) for r in results] == [("written", "failed"), ("written", "ok")]
    document, _ = bucket.document("extracted/odd.txt")
    assert (document["Status"], document["Error"], document["Content"]) == (
        "failed",
        "text extraction failed: RuntimeError: parser bug",
        "",
    )


def test_a_text_format_detected_without_an_encoding_is_a_failed_extraction():
    """Detection gives every text format a codec; should one come without, the file fails and says why."""
    result = extraction._extract_text(io.BytesIO(b"words"), detection.Detection("text"), max_chars=100)
    assert (result.status, result.error) == ("failed", "format detection gave text no text encoding")
