from urllib.parse import quote_plus

import pytest
from extractor.events import CREATED, REMOVED, S3Change, parse_record
from extractor.keys import decode_event_key, extracted_key, relative_key


@pytest.mark.parametrize(
    ("encoded", "key"),
    [
        ("uploads/My+File.txt", "uploads/My File.txt"),
        ("uploads/a%2Bb.txt", "uploads/a+b.txt"),
        ("uploads/100%25+done.txt", "uploads/100% done.txt"),
        ("uploads/caf%C3%A9/%E6%9D%B1%E4%BA%AC.pdf", "uploads/café/東京.pdf"),
        ("uploads/2024/q1/reports/summary.docx", "uploads/2024/q1/reports/summary.docx"),
    ],
)
def test_event_keys_are_form_decoded(encoded, key):
    assert decode_event_key(encoded) == key


@pytest.mark.parametrize(
    "key",
    ["uploads/My File.txt", "uploads/a+b=c&d.txt", "uploads/50% off/ünïcødé 東京.md", "uploads/x/y/z.csv"],
)
def test_decoding_reverses_how_s3_encodes_keys(key):
    assert decode_event_key(quote_plus(key, safe="/")) == key


@pytest.mark.parametrize(
    ("key", "relative"),
    [
        ("uploads/a.txt", "a.txt"),
        ("uploads/a/b/c d.pdf", "a/b/c d.pdf"),
        ("uploads/", None),  # the prefix itself
        ("uploads/folder/", None),  # folder placeholder
        ("extracted/a.txt", None),
        ("uploadsX/a.txt", None),
        ("other/uploads/a.txt", None),
    ],
)
def test_relative_key(key, relative):
    assert relative_key(key, "uploads/") == relative


def test_extracted_key_keeps_the_relative_path():
    assert extracted_key("a/b/c d.pdf", "extracted/") == "extracted/a/b/c d.pdf"


def _record(event_name, key="uploads/My+File.txt", source="aws:s3", sequencer="00AB"):
    return {
        "eventSource": source,
        "eventName": event_name,
        "s3": {"bucket": {"name": "bucket"}, "object": {"key": key, "sequencer": sequencer}},
    }


@pytest.mark.parametrize(
    ("event_name", "kind"),
    [
        ("ObjectCreated:Put", CREATED),
        ("ObjectCreated:CompleteMultipartUpload", CREATED),
        ("ObjectCreated:Copy", CREATED),
        ("ObjectRemoved:Delete", REMOVED),
        ("ObjectRemoved:DeleteMarkerCreated", REMOVED),
    ],
)
def test_parse_record(event_name, kind):
    assert parse_record(_record(event_name)) == S3Change(kind, "bucket", "uploads/My File.txt", "00AB")


def test_records_of_other_kinds_are_not_changes():
    assert parse_record(_record("ObjectRestore:Completed")) is None
    assert parse_record(_record("ObjectCreated:Put", source="aws:sqs")) is None


def test_missing_sequencer_is_none():
    record = _record("ObjectCreated:Put")
    del record["s3"]["object"]["sequencer"]
    assert parse_record(record).sequencer is None
