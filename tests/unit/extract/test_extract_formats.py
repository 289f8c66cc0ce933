import io
import json

import docx
import pytest

from bench.samples import PDF_PAGES, SAMPLES, make_pdf
from extractor.extraction import extract
from extractor.formats import csv_text, docx_text, html_text, json_text, markdown_text, pdf_text, plain_text


def _extract(body: bytes, filename: str, content_type: str | None = None, max_chars: int = 1_000_000):
    return extract(io.BytesIO(body), filename=filename, content_type=content_type, size=len(body), max_chars=max_chars)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_gives_its_expected_outcome(name):
    sample = SAMPLES[name]
    result = _extract(sample.body, sample.filename, sample.content_type)
    assert result.status == sample.expected_status, result.error
    if sample.expected_extractor:
        assert result.extractor == sample.expected_extractor
    for word in sample.expected_words:
        assert word in result.content
    for word in sample.absent_words:
        assert word not in result.content
    assert result.pages == sample.expected_pages
    if sample.expected_encoding:
        assert result.encoding == sample.expected_encoding
    assert (result.error is None) == (result.status == "ok")
    assert result.truncated is False


def test_zero_byte_file_is_ok_and_empty():
    result = _extract(b"", "empty.pdf", "application/pdf")
    assert (result.status, result.content, result.error) == ("ok", "", None)


@pytest.mark.parametrize(
    ("line", "readable"),
    [
        ("## Install *now* ##", "Install now"),
        ("> - [x] done with `make`", "[x] done with make"),
        ("1. First [link](http://x.example/y) and ![logo](l.png)", "First link and logo"),
        ("See [the docs][ref] or <https://example.com>", "See [the docs][ref] or https://example.com"),
        ("[ref]: https://example.com/target", ""),
        ("[the docs][ref]\n\n[ref]: https://example.com/target", "the docs"),
        ("---", ""),
        ("Title\n===", "Title"),
        ("| a | b |", "| a | b |"),  # no delimiter row: not a table
        ("| a | b |\n|:---|---:|\n| c | d |", "a b\nc d"),
        ("keep snake_case_names and 2 * 3 * 4", "keep snake_case_names and 2 * 3 * 4"),
        ("__strong__ and _em_ and ~~gone~~", "strong and em and gone"),
        (r"literal \*stars\*", "literal *stars*"),
        ("line<br>break", "linebreak"),
        ("*a " * 2000, ("*a " * 2000).strip()),  # emphasis that never closes stays text
        ("<!-- YAML\nadded: v1.0\n-->\nshown", "shown"),  # a comment over several lines is markup
        ("<div>\n  <b>bold</b> text\n</div>", "bold text"),
        ("1. a\n   - b\n2. c\n\n   more", "a\nb\nc\nmore"),
        ("    indented *code*\n\nafter", "indented *code*\nafter"),
    ],
)
def test_markdown_lines(line, readable):
    assert markdown_text.extract(io.StringIO(line + "\n"), 100_000).content == readable


def test_markdown_code_blocks_are_kept_verbatim():
    text = markdown_text.extract(io.StringIO("# Title\n```python\nx = *args\n```\nafter **bold**\n"), 1000)
    assert text.content == "Title\nx = *args\nafter bold"


def test_html_inline_elements_do_not_split_words_and_blocks_become_lines():
    html = "<p>Hel<b>lo</b>   wor<i>ld</i></p><p>Second&nbsp;para</p><table><tr><td>a</td><td>b</td></tr></table>"
    assert html_text.extract(io.StringIO(html), 1000).content == "Hello world\nSecond para\na\nb"


def test_csv_delimiter_is_sniffed():
    text = csv_text.extract(io.StringIO('name;city\n"Smith; John";Paris\n'), 1000)
    assert text.content == "name city\nSmith; John Paris"
    text = csv_text.extract(io.StringIO("name\tcity\nAnn\tOslo\n"), 1000)
    assert text.content == "name city\nAnn Oslo"


def test_json_lines_follow_document_order_and_skip_booleans_and_null():
    data = {"b": {"c": [1, "two", None, False]}, "a": "x", "empty": None, "f": 2.5}
    text = json_text.extract(io.StringIO(json.dumps(data)), 1000)
    assert text.content.split("\n") == ["b:", "c:", "1", "two", "a: x", "empty:", "f: 2.5"]


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("a\tb\nc\td e\tf g\n", ["a b", "c d e f g"]),  # no dialect found, tabs and no comma: tab-separated
        ("a\tb,c\n\n1\n", ["a\tb c", "1"]),  # no dialect found, tabs and commas: comma-separated
        ("time:10:30\nplace:home:x\n", ["time:10:30", "place:home:x"]),  # a colon is not a delimiter
    ],
)
def test_csv_without_a_clear_dialect(source, lines):
    assert csv_text.extract(io.StringIO(source), 1000).content.split("\n") == lines


def test_json_numbers_read_as_floats():
    assert json_text.extract(io.StringIO("[1.50, 2e3, 10]"), 1000).content.split("\n") == ["1.5", "2000.0", "10"]


def test_invalid_json_names_the_parsers_first_line():
    with pytest.raises(json_text.ExtractionFailed) as failed:
        json_text.extract(io.StringIO('{"a": tru}'), 1000)
    assert str(failed.value) == "invalid JSON: lexical error: invalid string in json text."


def test_deeply_nested_json_does_not_exhaust_the_stack():
    data = '{"k": [' * 5000 + '"x"' + "]}" * 5000
    assert json_text.extract(io.StringIO(data), 100_000).content.split("\n")[-1] == "x"


def test_invalid_json_falls_back_to_plain_text():
    result = _extract(b'{"unterminated": "needle', "data.json", "application/json")
    assert (result.status, result.extractor) == ("ok", "text")
    assert "needle" in result.content


def test_docx_merged_cells_appear_once():
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "spanning"
    table.cell(0, 2).text = "single"
    out = io.BytesIO()
    document.save(out)
    assert docx_text.extract(io.BytesIO(out.getvalue()), 1000).content == "spanning\tsingle"


def test_docx_paragraph_longer_than_the_cap_joins_its_runs_up_to_the_cap():
    document = docx.Document()
    paragraph = document.add_paragraph("ab")
    paragraph.add_run("cd" * 50)
    document.add_paragraph("never read")
    out = io.BytesIO()
    document.save(out)
    text = docx_text.extract(io.BytesIO(out.getvalue()), 10)
    assert (text.content, text.truncated) == ("abcdcdcdcd", True)


def test_text_in_an_unusual_encoding_declared_by_the_uploader():
    body = "Ça coûte 5 € à Noël".encode("cp1252")
    result = _extract(body, "prix.txt", "text/plain; charset=windows-1252")
    assert (result.status, result.content, result.encoding) == ("ok", "Ça coûte 5 € à Noël", "cp1252")


@pytest.mark.parametrize(
    ("module", "source"),
    [
        (plain_text, lambda: io.StringIO("abcdefghij" * 10)),
        (markdown_text, lambda: io.StringIO("# abcdefghij\n" * 10)),
        (html_text, lambda: io.StringIO("<p>abcdefghij</p>" * 10)),
        (csv_text, lambda: io.StringIO("abc,defghij\n" * 10)),
        (json_text, lambda: io.StringIO('["abcdefghij", ' * 10 + "1" + "]" * 10)),
    ],
)
def test_text_formats_cap_content_and_flag_truncation(module, source):
    text = module.extract(source(), 25)
    assert len(text.content) == 25
    assert text.truncated is True
    assert module.extract(source(), 10_000).truncated is False


def test_content_of_exactly_the_limit_is_not_truncated():
    text = plain_text.extract(io.StringIO("x" * 25), 25)
    assert (len(text.content), text.truncated) == (25, False)


def test_pdf_pages_are_separated_by_a_blank_line():
    assert pdf_text.extract(io.BytesIO(make_pdf(PDF_PAGES)), 10_000).content == "\n\n".join(PDF_PAGES)


def test_pdf_truncation_keeps_the_page_count():
    text = pdf_text.extract(io.BytesIO(make_pdf(PDF_PAGES)), 40)
    assert (len(text.content), text.truncated, text.pages) == (40, True, 3)


def test_pdf_encrypted_only_against_editing_is_read():
    body = make_pdf(["Readable without a password"], user_password="")
    result = _extract(body, "open.pdf", "application/pdf")
    assert (result.status, result.content) == ("ok", "Readable without a password")


def test_pdf_that_needs_a_password_is_failed_saying_so():
    result = _extract(make_pdf(["Confidential salaries"], user_password="secret"), "locked.pdf", "application/pdf")
    assert (result.status, result.error) == ("failed", "encrypted PDF: a password is needed to read it")


def test_pdf_whose_cipher_needs_a_missing_library_is_failed_saying_so(monkeypatch):
    def decrypt(reader, password):
        raise pdf_text.DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(pdf_text.PdfReader, "decrypt", decrypt)
    result = _extract(make_pdf(["Readable without a password"], user_password=""), "aes.pdf", "application/pdf")
    assert (result.status, result.error) == ("failed", "encrypted PDF: cryptography>=3.1 is required for AES algorithm")


def test_truncated_pdf_is_failed_with_a_reason():
    body = SAMPLES["pdf"].body
    result = _extract(body[: len(body) // 3], "cut.pdf", "application/pdf")
    assert (result.status, result.error) == ("failed", "corrupt PDF: PdfStreamError: Stream has ended unexpectedly")


def test_large_text_is_capped_through_the_whole_pipeline():
    result = _extract(("word " * 50_000).encode(), "big.txt", "text/plain", max_chars=1000)
    assert (len(result.content), result.truncated) == (1000, True)


def test_a_declared_charset_that_does_not_fit_is_ignored():
    body = "Le théâtre et les élèves pendant l'été. ".encode("cp1252") * 20
    result = _extract(body, "note.txt", "text/plain; charset=utf-8")
    assert result.status == "ok"
    assert result.encoding != "utf-8"
    assert "théâtre" in result.content
