import json
from datetime import datetime, timezone

import pytest
from indexer.database import parse_dsn
from indexer.document import InvalidDocument, parse_document
from insert_samples import extracted_document


def parse(**overrides):
    body = json.dumps(extracted_document(**overrides)).encode()
    return parse_document(body, bucket="b", key="uploads/notes/fox.txt", extracted_key="extracted/notes/fox.txt")


def test_every_field_of_the_contract_is_kept():
    document = parse(ETag='"abc"', Pages=3, Truncated=True, Encoding="cp1252")
    assert document.bucket == "b"
    assert document.key == "uploads/notes/fox.txt"
    assert document.extracted_key == "extracted/notes/fox.txt"
    assert document.content == "The quick brown fox"
    assert document.size == 19
    assert document.etag == "abc"
    assert document.content_type == "text/plain"
    assert document.sequencer == "0055AED6DCD90281E5"
    assert (document.status, document.error, document.extractor) == ("ok", None, "text")
    assert (document.encoding, document.pages, document.truncated) == ("cp1252", 3, True)
    assert document.extracted_at == datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_a_failed_extraction_is_a_valid_document():
    document = parse(Content="", Status="unsupported", Error="image/png", Extractor=None, Encoding=None, Sequencer=None)
    assert (document.status, document.error, document.sequencer) == ("unsupported", "image/png", None)


def test_text_postgres_cannot_store_is_cleaned():
    document = parse(Content="a\x00b \ud800 c")
    assert document.content == "ab ? c"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"ExtractedDate": None}, "ExtractedDate is missing"),
        ({"ExtractedDate": "2026-01-01"}, "ExtractedDate should be int"),
        ({"Content": None}, "Content is missing"),
        ({"Status": 1}, "Status should be str"),
        ({"Size": True}, "Size should be int"),
        ({"Truncated": "no"}, "Truncated should be bool"),
    ],
)
def test_invalid_documents_are_refused(overrides, reason):
    with pytest.raises(InvalidDocument, match=reason):
        parse(**overrides)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_bodies_that_are_not_json_objects_are_refused(body):
    with pytest.raises(InvalidDocument):
        parse_document(body, bucket="b", key="k", extracted_key="e")


def test_dsn_is_parsed_with_escaped_password():
    assert parse_dsn("postgresql://search:p%40ss%3Aword@db.local:6543/my%20db") == {
        "user": "search",
        "password": "p@ss:word",
        "host": "db.local",
        "port": 6543,
        "database": "my db",
    }


def test_a_dsn_of_another_kind_is_refused():
    with pytest.raises(ValueError, match="DATABASE_DSN"):
        parse_dsn("mysql://u:p@h/db")
