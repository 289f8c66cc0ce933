"""DOCX from hand-written document.xml: which run children are text, tables inside cells, entities,
and how far the streamed part is read (the work stops at the cap and at the markup budget)."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree

from extractor.formats import docx_text
from extractor.outcome import ExtractionFailed

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(body: str, doctype: str = "") -> bytes:
    xml = f'<?xml version="1.0"?>{doctype}<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", xml)
    return out.getvalue()


def p(*runs: str) -> str:
    return "<w:p>" + "".join(f"<w:r>{run}</w:r>" for run in runs) + "</w:p>"


def t(text: str) -> str:
    return f"<w:t>{text}</w:t>" if text else "<w:t/>"


def table(*rows: list[str]) -> str:
    cells = ("".join(f"<w:tc>{cell}</w:tc>" for cell in row) for row in rows)
    return "<w:tbl>" + "".join(f"<w:tr>{row}</w:tr>" for row in cells) + "</w:tbl>"


def text(body: bytes, max_chars: int = 1000):
    return docx_text.extract(io.BytesIO(body), max_chars)


def test_runs_join_into_their_paragraph_with_tabs_and_breaks():
    body = docx(p(t("one"), t(" two")) + p(t("a") + "<w:tab/>" + t("b") + "<w:br/>" + t("c")))
    assert text(body).content == "one two\na\tb\nc"


def test_only_text_tabs_and_breaks_of_a_run_are_read():
    run = "<w:rPr><w:b/></w:rPr>" + t("") + t("page ") + "<w:instrText>PAGE</w:instrText>" + t("one")
    assert text(docx(p(run))).content == "page one"


def test_a_cell_joins_its_paragraphs_with_spaces():
    body = docx(table([p(t("first")) + p(t("second")), p(t("next"))]))
    assert text(body).content == "first second\tnext"


def test_a_table_inside_a_cell_follows_its_outer_row():
    inner = table([p(t("in1")), p(t("in2"))], [p(t("in3")), p(t("in4"))])
    body = docx(table([p(t("out1")), p(t("out2")) + inner], [p(t("out3")), p(t("out4"))]) + p(t("after")))
    assert text(body).content.split("\n") == ["out1\tout2", "in1\tin2", "in3\tin4", "out3\tout4", "after"]


def test_entities_are_not_expanded():
    doctype = '<!DOCTYPE w:document [<!ENTITY secret "EXPANDED">]>'
    assert "EXPANDED" not in text(docx(p(t("before &secret; after")), doctype)).content


def test_malformed_xml_is_a_broken_docx():
    broken = docx(p(t("unclosed")) + "<w:p>")
    with pytest.raises(ExtractionFailed) as failed:
        text(broken)
    assert str(failed.value).startswith("broken DOCX: XMLSyntaxError: ")


@pytest.fixture
def chunks_read(monkeypatch):
    """Read the part in 1,000-byte chunks and count them (the tree is pruned once per chunk)."""
    monkeypatch.setattr(docx_text, "CHUNK_BYTES", 1000)
    pruned = []
    real = docx_text._prune

    def prune(element):
        pruned.append(element.tag if element is not None else None)
        real(element)

    monkeypatch.setattr(docx_text, "_prune", prune)
    return pruned


def test_finished_elements_are_pruned_under_the_body(chunks_read):
    text(docx("".join(p(t(f"paragraph {i}")) for i in range(100))))
    assert len(chunks_read) > 2 and set(chunks_read) == {f"{{{W}}}body"}


def test_reading_stops_at_the_cap(chunks_read):
    result = text(docx("".join(p(t(f"paragraph {i}")) for i in range(200))), max_chars=20)
    assert (result.content, result.truncated) == ("paragraph 0\nparagrap", True)
    assert len(chunks_read) == 1


def test_a_paragraph_longer_than_the_cap_stops_the_reading_before_it_ends(chunks_read):
    result = text(docx(p(*[t("word ")] * 500)), max_chars=12)
    assert (result.content, len(chunks_read)) == ("word word wo", 1)


def test_a_paragraph_exactly_at_the_cap_is_read_to_its_end(chunks_read):
    result = text(docx(p(t("12345"), t("67890"), *[t("")] * 300)), max_chars=10)
    assert (result.content, result.truncated) == ("1234567890", False)
    assert len(chunks_read) > 5


def test_the_markup_budget_counts_every_chunk_up_to_it(monkeypatch, chunks_read):
    """Budget 64 bytes of XML per character of the cap: a chunk that reaches it exactly is still read."""
    monkeypatch.setattr(docx_text, "MIN_XML_BYTES", 0)
    paragraphs = [p("<w:rPr>" + "<w:b/>" * 80 + "</w:rPr>" + t(f"p{i:03}")) for i in range(100)]
    body = docx("".join(paragraphs))
    xml = zipfile.ZipFile(io.BytesIO(body)).read("word/document.xml")
    budget = 64 * 125  # max_chars 125: 8,000 bytes, eight whole chunks
    fed = xml[:budget]
    expected = [f"p{i:03}" for i in range(100) if xml.index(f"p{i:03}</w:t></w:r></w:p>".encode()) + 22 <= len(fed)]
    result = text(body, max_chars=125)
    assert len(expected) >= 10
    assert result.content.split("\n") == expected
    assert result.warnings == ("stopped after 0 MB of word/document.xml: far more markup than text (a zip bomb?)",)


def test_the_markup_budget_is_named_in_megabytes(monkeypatch):
    monkeypatch.setattr(docx_text, "MIN_XML_BYTES", 0)
    body = docx(p(t("start")) + "<w:p>" + "<w:r><w:rPr><w:b/></w:rPr></w:r>" * 40_000 + "</w:p>")
    result = text(body, max_chars=15_625)  # 64 bytes a character: 1,000,000 bytes
    assert result.warnings == ("stopped after 1 MB of word/document.xml: far more markup than text (a zip bomb?)",)
    assert (result.content, result.truncated) == ("start", True)


def test_drop_and_prune_free_finished_elements():
    root = etree.fromstring("<a><b><c/><d/></b><x/><e><f/><y/><g><h/><i/></g></e></a>")
    docx_text._prune(root)
    assert etree.tostring(root) == b"<a><e><g><i/></g></e></a>"
    child = root[0]
    docx_text._drop(child)
    assert len(root) == 0
