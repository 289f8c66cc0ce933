"""A parser that crashes on one odd file records that file as failed; it never fails the invocation.

Code that does not load is another matter: it fails the invocation, so the retry runs the fixed code."""

import io

import pytest

from bench.samples import SAMPLES
from extractor import detect as detection
from extractor import extraction
from extractor.extraction import extract
from extractor.formats import csv_text, pdf_text, plain_text
from pipeline_core.records import RecordsFailed


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


@pytest.fixture
def unloadable(monkeypatch):
    """Format modules that do not import, as after saving a syntax error (importing one raises ``error``)."""
    real = extraction.importlib.import_module

    def import_module(name, *args):
        if ".formats." in name:
            raise broken["error"]
        return real(name, *args)

    broken = {"error": SyntaxError("invalid syntax (plain_text.py, line 14)")}
    monkeypatch.setattr(extraction.importlib, "import_module", import_module)
    return broken


@pytest.mark.parametrize("sample", ["utf8_text", "csv", "pdf"])
@pytest.mark.parametrize("error", [SyntaxError("invalid syntax"), ModuleNotFoundError("No module named 'pypdf'")])
def test_format_code_that_does_not_load_fails_the_invocation_not_the_file(unloadable, sample, error):
    unloadable["error"] = error
    with pytest.raises(type(error)):
        _extract(SAMPLES[sample].body, SAMPLES[sample].filename, SAMPLES[sample].content_type)


def test_once_the_code_loads_again_the_retry_extracts_the_file(
    unloadable, bucket, load_handler, lambda_context, record, monkeypatch
):
    bucket.upload("uploads/notes.txt", b"words saved while the code was broken")
    event = {"Records": [record("created", "uploads/notes.txt")]}
    handler = load_handler()
    with pytest.raises(RecordsFailed, match="SyntaxError"):
        handler.handler(event, lambda_context)
    assert bucket.keys("extracted/") == []  # nothing recorded against the file

    monkeypatch.undo()  # the edit is fixed: the retry runs the code that loads
    assert [r["action"] for r in handler.handler(event, lambda_context)] == ["written"]
    assert bucket.document("extracted/notes.txt")[0]["Status"] == "ok"
