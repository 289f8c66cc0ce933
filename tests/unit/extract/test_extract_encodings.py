"""What an extraction records beside its text: the encoding it decoded, also when the parser failed
or the text fell back to plain text, and the smallest file that has content."""

import io

from extractor.extraction import extract
from extractor.formats import html_text, json_text

CP1252 = "Café naïve".encode("cp1252")


def _extract(body: bytes, filename: str, content_type: str | None = None):
    return extract(io.BytesIO(body), filename=filename, content_type=content_type, size=len(body), max_chars=1000)


def crash(*_args, **_kwargs):
    raise RuntimeError("parser bug")


def test_a_crashed_text_parser_records_the_encoding_it_was_given(monkeypatch):
    monkeypatch.setattr(html_text, "extract", crash)
    result = _extract(b"<html><body>" + CP1252 + b"</body></html>", "page.html", "text/html; charset=windows-1252")
    assert (result.status, result.extractor, result.error) == (
        "failed",
        "html",
        "html extraction failed: RuntimeError: parser bug",
    )
    assert result.encoding == "cp1252"


def test_structured_text_read_as_plain_text_keeps_its_encoding(monkeypatch):
    monkeypatch.setattr(json_text, "extract", crash)
    result = _extract(b'{"name": "' + CP1252 + b'"}', "data.json", "application/json; charset=windows-1252")
    assert (result.status, result.extractor, result.encoding) == ("ok", "text", "cp1252")
    assert "Café naïve" in result.content and result.warnings[0].startswith(
        "read as plain text: json extraction failed"
    )


def test_a_one_byte_file_is_read():
    result = _extract(b"a", "one.txt", "text/plain")
    assert (result.status, result.extractor, result.content) == ("ok", "text", "a")
