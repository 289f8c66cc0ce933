"""S3 notification records: every kind, keys decoded as S3 encodes them."""

from urllib.parse import quote_plus

import pytest

from operations.events import s3_record
from pipeline_core.events import (
    CREATED,
    OTHER,
    REMOVED,
    NotAnS3Record,
    S3Change,
    changes,
    decode_event_key,
    parse_record,
)


def record(event_name: str, key: str) -> dict:
    return s3_record("bucket", key, event_name, region="us-east-1")


@pytest.mark.parametrize(
    ("encoded", "key"),
    [
        ("uploads/My+File.txt", "uploads/My File.txt"),
        ("uploads/a%2Bb.txt", "uploads/a+b.txt"),
        ("uploads/100%25+done.txt", "uploads/100% done.txt"),
        ("uploads/caf%C3%A9/%E6%9D%B1%E4%BA%AC.pdf", "uploads/café/東京.pdf"),
    ],
)
def test_event_keys_are_form_decoded(encoded, key):
    assert decode_event_key(encoded) == key


@pytest.mark.parametrize("key", ["uploads/My File.txt", "uploads/a+b=c&d.txt", "uploads/50% off/ünïcødé 東京.md"])
def test_decoding_reverses_how_s3_encodes_keys(key):
    assert decode_event_key(quote_plus(key, safe="/")) == key
    assert parse_record(record("ObjectCreated:Put", key)).key == key


@pytest.mark.parametrize(
    ("event_name", "kind"),
    [
        ("ObjectCreated:Put", CREATED),
        ("ObjectCreated:CompleteMultipartUpload", CREATED),
        ("s3:ObjectCreated:Copy", CREATED),
        ("ObjectRemoved:Delete", REMOVED),
        ("ObjectRemoved:DeleteMarkerCreated", REMOVED),
        ("ObjectRestore:Completed", OTHER),
    ],
)
def test_kinds(event_name, kind):
    change = parse_record(record(event_name, "uploads/a.txt"))
    assert change == S3Change(kind, event_name.removeprefix("s3:"), "bucket", "uploads/a.txt")


def test_records_from_other_sources_are_not_changes():
    assert parse_record({"eventSource": "aws:sqs", "body": "{}"}) is None
    assert parse_record("not a record") is None


def test_an_s3_record_without_key_is_an_error():
    broken = record("ObjectCreated:Put", "uploads/a.txt")
    del broken["s3"]["object"]["key"]
    with pytest.raises(NotAnS3Record, match="key"):
        parse_record(broken)


def test_every_record_of_an_event_is_a_change():
    event = {
        "Records": [
            record("ObjectCreated:Put", "uploads/a"),
            {"eventSource": "aws:sqs"},
            record("ObjectRemoved:Delete", "uploads/b"),
        ]
    }
    assert [(c.kind, c.key) for c in changes(event)] == [(CREATED, "uploads/a"), (REMOVED, "uploads/b")]
    assert list(changes({})) == [] and list(changes({"Records": None})) == []
