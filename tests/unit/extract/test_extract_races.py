"""Interleavings forced deterministically: what happens while one sync is extracting or writing.

Each test runs a second sync (or an upload, or a delete) at a chosen point inside the
first one, through a hook on the extraction step or on the S3 client's requests, and
then checks the bucket: the document is of the current upload version, or absent.
moto answers conditional writes (If-Match / If-None-Match) as S3 and LocalStack 4.14.0 do.
"""

from __future__ import annotations

import uuid

import pytest
from extract_samples import BUCKET, FUNCTION_ENVIRONMENT

from extractor import sync as extract_sync
from extractor.attempts import Attempt
from extractor.sync import ABSENT, CURRENT, DELETED, WRITTEN, NotSettled, sync
from pipeline_core.document import SourceVersion
from pipeline_core.settings import ExtractSettings

SETTINGS = ExtractSettings.from_environ(FUNCTION_ENVIRONMENT)
KEY, TARGET = "uploads/r.txt", "extracted/r.txt"


class Log:
    def __init__(self):
        self.messages = []

    def info(self, message, extra=None):
        self.messages.append(message)


def run(s3, key: str = KEY):
    return sync(s3, BUCKET, key, SETTINGS, Log(), Attempt(uuid.uuid4().hex, deadline_ms=2**62))


def document(bucket) -> dict | None:
    return bucket.document(TARGET)[0] if TARGET in bucket.keys("extracted/") else None


def assert_current(bucket):
    doc, response = bucket.document(TARGET)
    head = bucket.client.head_object(Bucket=BUCKET, Key=KEY)
    assert SourceVersion.from_metadata(response["Metadata"]) == SourceVersion.of(head)
    assert doc["ETag"] == head["ETag"].strip('"')
    return doc


def during_extraction(monkeypatch, action):
    """Run ``action`` once, in the middle of the next extraction."""
    real = extract_sync.extract_body
    calls = []

    def slow(*args, **kwargs):
        if not calls:
            calls.append(1)
            action()
        return real(*args, **kwargs)

    monkeypatch.setattr(extract_sync, "extract_body", slow)


def before_request(s3, operation: str, action):
    """Run ``action`` once, just before the client's next ``operation`` request is sent."""
    calls = []

    def hook(**_):
        if not calls:
            calls.append(1)
            action()

    s3.meta.events.register(f"before-call.s3.{operation}", hook)


def count_requests(s3, operation: str, key: str) -> list:
    seen = []
    s3.meta.events.register(
        f"before-parameter-build.s3.{operation}",
        lambda params, **_: seen.append(1) if params.get("Key") == key else None,
    )
    return seen


def test_a_slow_old_version_finishing_after_a_fast_new_one_does_not_win(bucket, monkeypatch):
    bucket.upload(KEY, b"old version, slow to extract")

    def new_version_lands_and_is_extracted():
        bucket.upload(KEY, b"new version")
        assert run(bucket.client).action == WRITTEN

    during_extraction(monkeypatch, new_version_lands_and_is_extracted)
    result = run(bucket.client)

    assert result.action == CURRENT  # the old extraction was dropped: the new document was already there
    assert assert_current(bucket)["Content"] == "new version"


def test_a_newer_document_written_just_before_the_write_makes_it_fail_and_recheck(bucket):
    bucket.upload(KEY, b"old version")

    def newer_document_lands():
        bucket.upload(KEY, b"new version")
        assert run(bucket.client).action == WRITTEN

    before_request(bucket.client, "PutObject", newer_document_lands)
    result = run(bucket.client)

    assert result.action == CURRENT and result.passes == 2  # If-None-Match: * failed, then found current
    assert assert_current(bucket)["Content"] == "new version"


def test_a_delete_during_a_slow_extraction_leaves_no_document(bucket, monkeypatch):
    bucket.upload(KEY, b"deleted while extracting")
    puts = count_requests(bucket.client, "PutObject", TARGET)
    deletes = count_requests(bucket.client, "DeleteObject", TARGET)

    def deleted():
        bucket.delete(KEY)
        assert run(bucket.client).action == ABSENT

    during_extraction(monkeypatch, deleted)
    result = run(bucket.client)
    # The upload is checked once, after the write: the document written meanwhile is removed in the next pass.
    assert (result.action, result.passes) == (DELETED, 2)
    assert (puts, deletes) == ([1], [1]) and document(bucket) is None


def test_a_delete_between_check_and_write_removes_the_written_document(bucket):
    bucket.upload(KEY, b"deleted just before the write")

    def deleted():
        bucket.delete(KEY)
        assert run(bucket.client).action == ABSENT

    before_request(bucket.client, "PutObject", deleted)
    assert run(bucket.client).action == DELETED
    assert document(bucket) is None


def test_delete_then_reupload_of_identical_bytes_ends_extracted(bucket):
    body = b"the same bytes twice"
    bucket.upload(KEY, body)
    assert run(bucket.client).action == WRITTEN
    bucket.delete(KEY)

    def reuploaded_and_synced():
        # the removed event's sync decided to delete; meanwhile the same bytes come back
        bucket.upload(KEY, body)
        assert run(bucket.client).action in (CURRENT, WRITTEN)

    before_request(bucket.client, "DeleteObject", reuploaded_and_synced)
    result = run(bucket.client)

    assert result.action == WRITTEN and result.passes == 2  # the delete's check found the upload back
    assert assert_current(bucket)["Content"] == body.decode()


def test_duplicated_and_out_of_order_events_change_nothing(bucket):
    bucket.upload(KEY, b"words")
    assert run(bucket.client).action == WRITTEN
    first = bucket.client.head_object(Bucket=BUCKET, Key=TARGET)["ETag"]
    assert [run(bucket.client).action for _ in range(3)] == [CURRENT] * 3  # created or removed: same answer
    assert bucket.client.head_object(Bucket=BUCKET, Key=TARGET)["ETag"] == first
    assert run(bucket.client, "uploads/never-there.txt").action == ABSENT


def test_a_key_that_never_settles_fails_the_record_so_that_the_retry_takes_over(bucket, monkeypatch):
    bucket.upload(KEY, b"version 0")
    versions = iter(range(1, 100))
    real = extract_sync.extract_body

    def churn(*args, **kwargs):
        result = real(*args, **kwargs)
        bucket.upload(KEY, f"version {next(versions)}".encode())
        return result

    monkeypatch.setattr(extract_sync, "extract_body", churn)
    with pytest.raises(NotSettled, match="kept changing"):
        run(bucket.client)


def test_a_document_written_then_removed_by_a_delete_still_reports_what_was_written(bucket):
    bucket.upload(KEY, b"written, then deleted")

    def deleted_and_synced():  # just before the check of the upload that follows the write
        bucket.delete(KEY)
        assert run(bucket.client).action == DELETED

    before_request(bucket.client, "HeadObject", deleted_and_synced)
    result = run(bucket.client)

    assert (result.action, result.passes, result.fields()["status"]) == (WRITTEN, 2, "ok")
    assert document(bucket) is None


def test_a_document_written_then_replaced_by_a_newer_one_still_reports_what_was_written(bucket):
    bucket.upload(KEY, b"written, then replaced")

    def replaced_and_synced():  # just before the check of the upload that follows the write
        bucket.upload(KEY, b"the newer version")
        assert run(bucket.client).action == WRITTEN

    before_request(bucket.client, "HeadObject", replaced_and_synced)
    result = run(bucket.client)

    assert (result.action, result.passes, result.fields()["status"]) == (WRITTEN, 2, "ok")
    assert assert_current(bucket)["Content"] == "the newer version"
