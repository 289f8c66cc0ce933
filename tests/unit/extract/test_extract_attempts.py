"""Attempt markers: an extraction the function did not survive is recorded by a later attempt."""

import pytest

from bootstrap.iam import ATTEMPT_MARKER_PREFIX
from extractor import attempts
from extractor.outcome import OK, Extraction

BIG = b"lighthouse keeper notes\n" * (attempts.MARKED_BYTES // 24 + 10)


def _marked(bucket, key, etag, extract, size=None):
    return attempts.extract_marked(
        bucket.client, bucket=bucket.name, key=key, etag=etag, size=len(BIG) if size is None else size, extract=extract
    )


def _marker_exists(bucket, key) -> bool:
    return attempts.marker_key(key) in bucket.keys(attempts.MARKER_PREFIX)


def _dies(bucket, key, etag):
    def out_of_memory():
        raise MemoryError

    with pytest.raises(MemoryError):
        _marked(bucket, key, etag, out_of_memory)


def test_a_large_upload_is_marked_while_it_is_extracted_and_unmarked_after(
    bucket, load_handler, lambda_context, record
):
    handler = load_handler()
    bucket.upload("uploads/big.txt", BIG)
    seen = []
    original = attempts.extract_marked

    def spy(s3, **kwargs):
        inner = kwargs["extract"]
        kwargs["extract"] = lambda: seen.append(_marker_exists(bucket, "uploads/big.txt")) or inner()
        return original(s3, **kwargs)

    attempts.extract_marked = spy
    try:
        handler.handler({"Records": [record("created", "uploads/big.txt")]}, lambda_context)
    finally:
        attempts.extract_marked = original
    assert seen == [True]
    assert not _marker_exists(bucket, "uploads/big.txt")
    assert bucket.document("extracted/big.txt")[0]["Status"] == "ok"


def test_a_small_upload_needs_no_marker(bucket):
    calls = []
    result = _marked(bucket, "uploads/s.txt", "e1", lambda: calls.append(1) or Extraction(OK), size=100)
    assert (result.status, calls, bucket.keys(attempts.MARKER_PREFIX)) == ("ok", [1], [])


def test_after_two_attempts_died_the_next_records_the_failure_without_extracting(
    bucket, load_handler, lambda_context, record
):
    etag = bucket.upload("uploads/killer.txt", BIG)
    _dies(bucket, "uploads/killer.txt", etag)
    _dies(bucket, "uploads/killer.txt", etag)

    load_handler().handler({"Records": [record("created", "uploads/killer.txt")]}, lambda_context)

    document, _ = bucket.document("extracted/killer.txt")
    assert (document["Status"], document["Content"]) == ("failed", "")
    assert "did not finish in 2 attempts" in document["Error"] and "memory or time" in document["Error"]
    assert not _marker_exists(bucket, "uploads/killer.txt")


def test_one_death_is_retried(bucket):
    _dies(bucket, "uploads/k.txt", "e1")
    assert _marked(bucket, "uploads/k.txt", "e1", lambda: Extraction(OK, content="fine")).content == "fine"


def test_a_new_version_starts_afresh(bucket):
    _dies(bucket, "uploads/k.txt", "old")
    _dies(bucket, "uploads/k.txt", "old")
    assert _marked(bucket, "uploads/k.txt", "new", lambda: Extraction(OK)).status == "ok"


def test_an_ordinary_error_removes_the_marker_so_retries_start_afresh(bucket):
    def broken():
        raise ConnectionError("S3 read failed")

    with pytest.raises(ConnectionError):
        _marked(bucket, "uploads/k.txt", "e1", broken)
    assert not _marker_exists(bucket, "uploads/k.txt")


def test_marker_keys_are_short_for_the_longest_keys_and_the_policy_allows_them():
    assert len(attempts.marker_key("uploads/" + "k" * 1016).encode()) < 100
    assert ATTEMPT_MARKER_PREFIX == attempts.MARKER_PREFIX
