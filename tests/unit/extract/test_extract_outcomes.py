"""What extract's sync reports for each case (action, key, target, status, passes), the passes a
race costs, and the bounded number of passes."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from extract_samples import BUCKET, FUNCTION_ENVIRONMENT

from extractor import sync as extract_sync
from extractor.attempts import Attempt
from extractor.sync import ABSENT, CURRENT, DELETED, IGNORED, MAX_PASSES, WRITTEN, NotSettled, sync
from pipeline_core.converge import Outcome
from pipeline_core.settings import ExtractSettings

SETTINGS = ExtractSettings.from_environ(FUNCTION_ENVIRONMENT)
KEY, TARGET = "uploads/a/r.txt", "extracted/a/r.txt"


class Log:
    def info(self, message, extra=None):
        pass


def run(s3, key: str = KEY, settings: ExtractSettings = SETTINGS) -> Outcome:
    return sync(s3, BUCKET, key, settings, Log(), Attempt(uuid.uuid4().hex, deadline_ms=2**62))


def outcome(action: str, passes: int, status: str | None = None, key: str = KEY, target: str | None = TARGET):
    return Outcome(action, key, passes, {"target": target, "status": status})


def test_each_case_reports_its_action_target_status_and_passes(bucket):
    assert run(bucket.client) == outcome(ABSENT, 1)
    bucket.upload(KEY, b"words")
    assert run(bucket.client) == outcome(WRITTEN, 1, "ok")
    # the first pass assumes a new upload: its If-None-Match write fails, the second finds the document current
    assert run(bucket.client) == outcome(CURRENT, 2)
    bucket.upload(KEY, b"other words")
    assert run(bucket.client) == outcome(WRITTEN, 2, "ok")
    bucket.delete(KEY)
    assert run(bucket.client) == outcome(DELETED, 1)
    assert run(bucket.client) == outcome(ABSENT, 1)
    assert run(bucket.client, "elsewhere/r.txt") == outcome(IGNORED, 0, key="elsewhere/r.txt", target=None)


def test_an_upload_above_the_size_limit_is_recorded_without_being_read(bucket, monkeypatch):
    bucket.upload(KEY, b"x" * 11)
    monkeypatch.setattr(extract_sync, "spool", lambda *a: pytest.fail("the body was read"))
    small = replace(SETTINGS, max_object_bytes=10)
    assert run(bucket.client, settings=small) == outcome(WRITTEN, 1, "too_large")
    doc, _ = bucket.document(TARGET)
    assert (doc["Status"], doc["Error"]) == ("too_large", "object is 11 bytes, more than MAX_OBJECT_BYTES=10")


def test_an_upload_of_exactly_the_size_limit_is_extracted(bucket):
    bucket.upload(KEY, b"x" * 10)
    assert run(bucket.client, settings=replace(SETTINGS, max_object_bytes=10)) == outcome(WRITTEN, 1, "ok")
    assert bucket.document(TARGET)[0]["Content"] == "x" * 10


def test_a_replaced_upload_during_extraction_is_extracted_again_in_a_second_pass(bucket, monkeypatch):
    bucket.upload(KEY, b"first")
    real, calls = extract_sync.extract_body, []

    def replaced_meanwhile(*args, **kwargs):
        result = real(*args, **kwargs)
        if not calls:
            calls.append(1)
            bucket.upload(KEY, b"second")
        return result

    monkeypatch.setattr(extract_sync, "extract_body", replaced_meanwhile)
    assert run(bucket.client) == outcome(WRITTEN, 2, "ok")
    assert bucket.document(TARGET)[0]["Content"] == "second"


def test_a_key_that_never_settles_is_extracted_max_passes_times_and_named(bucket, monkeypatch):
    bucket.upload(KEY, b"version 0")
    real, extracted = extract_sync.extract_body, []

    def churn(*args, **kwargs):
        result = real(*args, **kwargs)
        extracted.append(result.content)
        bucket.upload(KEY, f"version {len(extracted)}".encode())
        return result

    monkeypatch.setattr(extract_sync, "extract_body", churn)
    with pytest.raises(NotSettled, match=f"^{KEY} kept changing during {MAX_PASSES} passes"):
        run(bucket.client)
    assert extracted == [f"version {n}" for n in range(MAX_PASSES)]


def test_the_uploads_content_type_chooses_the_extractor_of_a_file_without_extension(bucket):
    bucket.upload("uploads/a/notes", b"# Title\n\nSome *emphasis* here", content_type="text/markdown")
    run(bucket.client, "uploads/a/notes")
    doc, _ = bucket.document("extracted/a/notes")
    assert (doc["Extractor"], doc["ContentType"]) == ("markdown", "text/markdown")
    assert "*" not in doc["Content"] and "#" not in doc["Content"]


def test_an_empty_upload_is_an_empty_document_without_reading_it(bucket):
    bucket.upload(KEY, b"")
    assert run(bucket.client) == outcome(WRITTEN, 1, "ok")
    doc, _ = bucket.document(TARGET)
    assert (doc["Status"], doc["Content"], doc["Extractor"], doc["Encoding"]) == ("ok", "", None, None)


def test_a_document_deleted_just_before_the_conditional_write_is_written_in_the_next_pass(bucket):
    bucket.upload(KEY, b"first")
    run(bucket.client)
    bucket.upload(KEY, b"second")
    deleted = []

    def delete_the_document(params, **_):
        if "IfMatch" in params and not deleted:  # If-Match on a document that is gone answers 404, not 412
            deleted.append(1)
            bucket.delete(TARGET)

    bucket.client.meta.events.register("before-parameter-build.s3.PutObject", delete_the_document)
    # pass 1: If-None-Match fails (a document exists); pass 2: If-Match finds it gone; pass 3 creates it
    assert run(bucket.client) == outcome(WRITTEN, 3, "ok")
    assert deleted
    assert bucket.document(TARGET)[0]["Content"] == "second"


def requests(s3) -> list[str]:
    """The client's requests from now on, as ``Operation key``."""
    seen: list[str] = []
    s3.meta.events.register(
        "before-parameter-build.s3.*", lambda params, model, **_: seen.append(f"{model.name} {params.get('Key')}")
    )
    return seen


def count_extractions(monkeypatch) -> list:
    real, calls = extract_sync.extract_body, []

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(extract_sync, "extract_body", counted)
    return calls


def test_a_new_upload_costs_a_get_a_conditional_put_and_one_check_of_the_upload(bucket):
    bucket.upload(KEY, b"words")
    seen = requests(bucket.client)
    assert run(bucket.client) == outcome(WRITTEN, 1, "ok")
    assert seen == [f"GetObject {KEY}", f"PutObject {TARGET}", f"HeadObject {KEY}"]


def test_a_replaced_upload_is_extracted_once_and_written_over_the_document_it_read(bucket, monkeypatch):
    bucket.upload(KEY, b"first")
    run(bucket.client)
    bucket.upload(KEY, b"second")
    extractions = count_extractions(monkeypatch)
    seen = requests(bucket.client)
    assert run(bucket.client) == outcome(WRITTEN, 2, "ok")
    assert len(extractions) == 1  # the first pass's extraction is written by the second
    assert seen == [
        f"GetObject {KEY}",
        f"PutObject {TARGET}",  # If-None-Match: * fails
        f"HeadObject {TARGET}",
        f"GetObject {KEY}",
        f"PutObject {TARGET}",  # If-Match on the document just read
        f"HeadObject {KEY}",
    ]
    assert bucket.document(TARGET)[0]["Content"] == "second"


def test_a_duplicate_event_leaves_the_document_as_it_was(bucket, monkeypatch):
    bucket.upload(KEY, b"words")
    run(bucket.client)
    before = bucket.client.head_object(Bucket=BUCKET, Key=TARGET)["ETag"]
    extractions = count_extractions(monkeypatch)
    assert run(bucket.client) == outcome(CURRENT, 2)
    assert bucket.client.head_object(Bucket=BUCKET, Key=TARGET)["ETag"] == before
    assert len(extractions) == 1


def test_a_gone_upload_reads_the_document_after_it_and_deletes_it(bucket):
    bucket.upload(KEY, b"words")
    run(bucket.client)
    bucket.delete(KEY)
    seen = requests(bucket.client)
    assert run(bucket.client) == outcome(DELETED, 1)
    assert seen == [f"GetObject {KEY}", f"HeadObject {TARGET}", f"DeleteObject {TARGET}", f"HeadObject {KEY}"]


class GrowingBody:
    """A body that streams more bytes than the object's size said (S3 served a longer object)."""

    def __init__(self, chunks: list[bytes]):
        self.chunks = chunks

    def iter_chunks(self, size):
        yield from self.chunks


def test_a_body_longer_than_the_limit_is_too_large_even_when_its_size_was_not():
    limit = replace(SETTINGS, max_object_bytes=10)
    extraction = extract_sync.extract_body(GrowingBody([b"x" * 6, b"x" * 6]), KEY, "text/plain", 8, limit)
    assert (extraction.status, extraction.error) == (
        "too_large",
        "object is at least 12 bytes, more than MAX_OBJECT_BYTES=10",
    )
