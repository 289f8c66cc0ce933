"""The document contract field by field: every optional field travels, may be absent, and is checked;
text from any writer is made storable; the errors name the field and the wrong type."""

import json

import pytest

from pipeline_core.document import Document, InvalidDocument, SourceVersion

FULL = Document(
    source_bucket="bucket",
    source_key="uploads/report.pdf",
    source=SourceVersion("0cc175b9c0f1b6a831c399e269772661", 4096, 1_767_225_600_000),
    content_type="application/pdf",
    extracted_at_ms=1_767_225_601_234,
    status="failed",
    content="partial text",
    error="page 3: damaged stream",
    extractor="pdf",
    encoding="latin-1",
    pages=7,
    truncated=True,
    warnings=("2 bytes replaced",),
)
OPTIONAL = ("ContentType", "Error", "Extractor", "Encoding", "Pages", "Truncated", "Warnings")


def test_every_field_set_parses_back_to_the_same_document():
    assert Document.parse(FULL.encode()) == FULL


def test_optional_fields_may_be_absent_or_null():
    data = json.loads(FULL.encode())
    for absent in (
        {k: v for k, v in data.items() if k not in OPTIONAL},
        {**data, **dict.fromkeys(OPTIONAL)},
    ):
        document = Document.parse(json.dumps(absent).encode())
        assert (
            document.content_type,
            document.error,
            document.extractor,
            document.encoding,
            document.pages,
            document.truncated,
            document.warnings,
        ) == (None, None, None, None, None, False, ())
        assert (document.status, document.content, document.source) == (FULL.status, FULL.content, FULL.source)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("Error", 3, "Error should be str, not int"),
        ("Extractor", ["pdf"], "Extractor should be str, not list"),
        ("Encoding", 8, "Encoding should be str, not int"),
        ("ContentType", False, "ContentType should be str, not bool"),
        ("Pages", "7", "Pages should be int, not str"),
        ("Pages", 7.0, "Pages should be int, not float"),
        ("Truncated", 1, "Truncated should be bool, not int"),
        ("Warnings", "one", "Warnings should be list, not str"),
        ("ETag", 5, "ETag should be str, not int"),
    ],
)
def test_a_field_of_the_wrong_type_is_named_with_both_types(field, value, message):
    data = {**json.loads(FULL.encode()), field: value}
    with pytest.raises(InvalidDocument, match=f"^{message}$"):
        Document.parse(json.dumps(data).encode())


def test_text_written_by_another_writer_is_made_storable_in_every_field():
    data = {
        **json.loads(FULL.encode()),
        "Content": "a\x00b",
        "Error": "e\x00rr",
        "Extractor": "p\udc80df",
        "Warnings": ["w\x00"],
    }
    document = Document.parse(json.dumps(data).encode())  # json.dumps keeps \u0000 and lone surrogates
    assert (document.content, document.error, document.extractor, document.warnings) == ("ab", "err", "p?df", ("w",))


def test_a_quoted_etag_is_stored_without_its_quotes():
    data = {**json.loads(FULL.encode()), "ETag": '"0cc175b9c0f1b6a831c399e269772661"'}
    assert Document.parse(json.dumps(data).encode()).source == FULL.source


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[1, 2]", "^not a JSON object$"),
        (b'"text"', "^not a JSON object$"),
        (b"{not json", "^not JSON: Expecting property name"),
        (b"{\x80}", "^not JSON: 'utf-8' codec can't decode"),
    ],
)
def test_a_body_that_is_no_json_object_says_so(body, message):
    with pytest.raises(InvalidDocument, match=message):
        Document.parse(body)


def test_a_document_is_utf8_json_without_escapes():
    body = Document(**{**FULL.__dict__, "content": "東京 café"}).encode()
    assert "東京 café".encode() in body


def test_warnings_that_are_not_strings_are_refused_in_those_words():
    data = {**json.loads(FULL.encode()), "Warnings": ["fine", 2]}
    with pytest.raises(InvalidDocument, match=r"^Warnings should be a list of strings$"):
        Document.parse(json.dumps(data).encode())
