import io
import json

import pytest
from botocore.response import StreamingBody
from extractor import document
from extractor.formats import markdown_text
from extractor.outcome import Extraction
from extractor.records import process_event
from extractor.s3_step import extract_body
from extractor.settings import Settings
from extractor.spool import IN_MEMORY_BYTES, BodyTooLarge, spool

SOURCE = document.Source("bucket", "uploads/a.txt", 3, "abc", "text/plain", "00FF")


def _body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def test_document_follows_the_contract():
    built = document.build(SOURCE, Extraction("ok", "hi", extractor="text", encoding="ascii"), 1700000000000)
    assert built == {
        "ExtractedDate": 1700000000000,
        "Content": "hi",
        "SourceBucket": "bucket",
        "SourceKey": "uploads/a.txt",
        "Size": 3,
        "ETag": "abc",
        "ContentType": "text/plain",
        "Sequencer": "00FF",
        "Status": "ok",
        "Error": None,
        "Extractor": "text",
        "Encoding": "ascii",
        "Pages": None,
        "Truncated": False,
        "Warnings": [],
    }
    assert json.loads(document.encode(built).decode("utf-8")) == built


def test_content_is_cleaned_of_characters_a_database_rejects():
    assert document.storable_text("a\x00b\ud800c") == "ab?c"


def test_metadata_leaves_out_a_missing_sequencer():
    assert document.metadata(SOURCE) == {"source-etag": "abc", "source-sequencer": "00FF"}
    without = document.Source("bucket", "k", 1, "abc", None, None)
    assert document.metadata(without) == {"source-etag": "abc"}


def test_spool_copies_the_body_and_rewinds():
    with spool(_body(b"hello"), max_bytes=5) as file:
        assert file.read() == b"hello"


def test_spool_moves_large_bodies_to_disk():
    data = b"x" * (IN_MEMORY_BYTES + 1)
    with spool(_body(data), max_bytes=len(data)) as file:
        assert file._rolled
        assert file.read() == data


def test_spool_refuses_bodies_over_the_limit():
    with pytest.raises(BodyTooLarge):
        spool(_body(b"x" * 11), max_bytes=10)


def test_a_malformed_record_is_named_by_position_and_does_not_stop_the_others():
    class NoS3:
        """Any S3 call is an error; the records below never reach S3."""

    event = {
        "Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put"}, {"eventSource": "other"}]
    }
    with pytest.raises(Exception, match="1 of 2 records failed: record #0"):
        process_event(event, s3=NoS3(), settings=Settings.from_environ({}))


class _UnreadableStream(io.RawIOBase):
    """A body that must not be read."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def test_an_oversized_body_is_not_read():
    settings = Settings.from_environ({"MAX_OBJECT_BYTES": "10"})
    big = document.Source("bucket", "uploads/big.txt", 11, "abc", "text/plain", None)
    result = extract_body(StreamingBody(_UnreadableStream(), 11), big, settings)
    assert (result.status, result.error) == ("too_large", "object is 11 bytes, more than MAX_OBJECT_BYTES=10")


def test_extractors_stop_reading_once_the_budget_is_spent():
    class Lines:
        def __init__(self):
            self.lines = iter(["0123456789\n", "\n"] * 20_000)

        def readline(self, size=-1):
            line = next(self.lines, None)
            if line is None:
                raise AssertionError("read past the budget")
            return line

    assert markdown_text.extract(Lines(), 25).truncated is True
