"""The document contract: what extract writes is exactly what insert reads."""

import json
from datetime import UTC, datetime

import pytest

from pipeline_core.document import JSON_FIELDS, Document, InvalidDocument, SourceVersion
from tests.fakes import text_document

VERSION = SourceVersion("9e107d9d372bb6826bd81d3542a419d6", 19, 1_767_225_600_000)
DOCUMENT = text_document("bucket", "uploads/fox.txt", VERSION, extracted_at_ms=1_767_225_601_234)


def test_the_json_has_the_design_fields_and_the_source_version():
    data = json.loads(DOCUMENT.encode())
    assert tuple(data) == JSON_FIELDS
    assert data["ExtractedDate"] == 1_767_225_601_234
    assert (data["SourceKey"], data["ETag"], data["Size"], data["SourceLastModified"]) == (
        "uploads/fox.txt",
        VERSION.etag,
        19,
        1_767_225_600_000,
    )
    assert "Sequencer" not in data


def test_what_is_written_parses_back_to_the_same_document():
    assert Document.parse(DOCUMENT.encode()) == DOCUMENT


def test_text_is_made_storable():
    document = Document.parse(Document(**{**DOCUMENT.__dict__, "content": "a\x00b\ud800c"}).encode())
    assert document.content == "ab?c"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Content": None}, "Content is missing"),
        ({"SourceLastModified": None}, "SourceLastModified is missing"),  # documents from before versions
        ({"Size": "19"}, "Size should be int"),
        ({"Size": True}, "Size should be int"),
        ({"Truncated": "no"}, "Truncated should be bool"),
        ({"SourceKey": 7}, "SourceKey should be str"),
    ],
)
def test_invalid_documents_say_what_is_wrong(change, message):
    data = {**json.loads(DOCUMENT.encode()), **change}
    with pytest.raises(InvalidDocument, match=message):
        Document.parse(json.dumps(data).encode())


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_bodies_that_are_not_json_objects_are_invalid(body):
    with pytest.raises(InvalidDocument):
        Document.parse(body)


def test_the_version_travels_as_object_metadata():
    assert SourceVersion.from_metadata(VERSION.metadata()) == VERSION
    assert SourceVersion.from_metadata({"source-etag": "abc"}) is None  # a document from before versions


def test_the_version_of_an_s3_answer_counts_whole_seconds():
    answer = {"ETag": '"abc"', "ContentLength": 3, "LastModified": datetime(2026, 1, 1, 0, 0, 0, 900_000, tzinfo=UTC)}
    assert SourceVersion.of(answer) == SourceVersion("abc", 3, 1_767_225_600_000)
    listed = {"ETag": '"abc"', "Size": 3, "LastModified": datetime(2026, 1, 1, tzinfo=UTC)}
    assert SourceVersion.of_listing(listed) == SourceVersion.of(answer)


def test_warnings_round_trip_and_stay_out_of_the_index_row():
    warned = Document(**{**DOCUMENT.__dict__, "warnings": ("2 bytes replaced",)})
    assert json.loads(warned.encode())["Warnings"] == ["2 bytes replaced"]
    assert Document.parse(warned.encode()) == warned
    assert "warnings" not in warned.findings()


def test_warnings_must_be_a_list_of_strings():
    data = json.loads(DOCUMENT.encode())
    with pytest.raises(InvalidDocument, match="Warnings should be a list of strings"):
        Document.parse(json.dumps({**data, "Warnings": [1]}).encode())


def test_a_version_is_described_in_utc_whatever_the_local_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert SourceVersion("e1", 10, 1_767_225_600_000).describe() == (
            "ETag e1, 10 bytes, uploaded 2026-01-01 00:00:00 UTC"
        )
    finally:
        monkeypatch.undo()
        time.tzset()
