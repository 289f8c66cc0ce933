"""What insert's sync reports for each case (action, key, upload key, passes), the races that take
more than one pass, and the row built from a document, field by field."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from insert_samples import BUCKET, FUNCTION_ENVIRONMENT, extracted, upload

from indexer.store import Row
from indexer.sync import ABSENT, CURRENT, IGNORED, INDEXED, REMOVED, NotSettled, sync
from pipeline_core.converge import MAX_PASSES, Outcome
from pipeline_core.document import Document, SourceVersion
from pipeline_core.settings import InsertSettings

KEYS = InsertSettings.from_environ(FUNCTION_ENVIRONMENT).keys
UPLOAD, DOC = "uploads/a/b.txt", "extracted/a/b.txt"


def run(s3, index, doc_key: str = DOC) -> Outcome:
    return sync(s3, BUCKET, doc_key, KEYS, index)


def outcome(action: str, passes: int, upload_key: str | None = UPLOAD, key: str = DOC) -> Outcome:
    return Outcome(action, key, passes, {"upload_key": upload_key})


def test_each_case_reports_its_action_keys_and_passes(s3, index):
    assert run(s3, index) == outcome(ABSENT, 1)  # no document, no row
    extracted(s3, UPLOAD)
    assert run(s3, index) == outcome(INDEXED, 1)
    assert run(s3, index) == outcome(CURRENT, 1)
    s3.delete_object(Bucket=BUCKET, Key=DOC)
    assert run(s3, index) == outcome(REMOVED, 2)  # deleted the row, then found nothing left to do
    assert run(s3, index, "uploads/a/b.txt") == outcome(IGNORED, 0, None, "uploads/a/b.txt")


def test_a_row_written_when_a_concurrent_insert_already_wrote_the_newer_one_is_still_indexed(s3, index, monkeypatch):
    """Pass 1 writes the old row; meanwhile a newer document is indexed; pass 2 finds the row holds it."""
    extracted(s3, UPLOAD, b"old words")
    real_upsert = index.upsert
    raced = []

    def upsert_then_the_world_moves_on(row):
        written = real_upsert(row)
        if not raced:
            raced.append(1)
            extracted(s3, UPLOAD, b"new words")
            assert run(s3, index) == outcome(INDEXED, 1)  # the concurrent insert
        return written

    monkeypatch.setattr(index, "upsert", upsert_then_the_world_moves_on)
    assert run(s3, index) == outcome(INDEXED, 2)
    assert index.row(UPLOAD).content == "new words"


def test_an_upload_replaced_after_the_row_was_written_is_left_to_the_next_documents_insert(s3, index, monkeypatch):
    """The upload is checked before the upsert, not after: a change after it is extract's to act on,
    and the insert of the document extract writes (or removes) then replaces (or removes) the row."""
    extracted(s3, UPLOAD, b"first words")
    real_upsert = index.upsert
    replaced = []

    def upsert_then_replace_the_upload(row):
        written = real_upsert(row)
        if not replaced:
            replaced.append(1)
            upload(s3, UPLOAD, b"second words, not extracted yet")
        return written

    monkeypatch.setattr(index, "upsert", upsert_then_replace_the_upload)
    assert run(s3, index) == outcome(INDEXED, 1)
    extracted(s3, UPLOAD, b"second words")  # extract catches up: a new document, a new event
    assert run(s3, index) == outcome(INDEXED, 1)
    assert index.row(UPLOAD).content == "second words"
    s3.delete_object(Bucket=BUCKET, Key=UPLOAD)
    s3.delete_object(Bucket=BUCKET, Key=DOC)  # the upload is deleted: extract removes its document
    assert run(s3, index) == outcome(REMOVED, 2)
    assert index.rows == {}


def test_a_document_deleted_right_after_its_row_was_written_takes_the_row_away(s3, index, monkeypatch):
    extracted(s3, UPLOAD)
    real_upsert = index.upsert

    def upsert_then_delete_the_document(row):
        written = real_upsert(row)
        s3.delete_object(Bucket=BUCKET, Key=DOC)
        return written

    monkeypatch.setattr(index, "upsert", upsert_then_delete_the_document)
    assert run(s3, index) == outcome(REMOVED, 3)
    assert index.rows == {}


def test_a_key_that_never_settles_is_tried_max_passes_times_and_named(s3, index, monkeypatch):
    extracted(s3, UPLOAD, b"version 0")
    real_upsert = index.upsert
    written = []

    def churn(row):
        written.append(row.content)
        changed = real_upsert(row)
        extracted(s3, UPLOAD, f"version {len(written)}".encode())
        return changed

    monkeypatch.setattr(index, "upsert", churn)
    with pytest.raises(NotSettled, match=f"^{DOC} kept changing during {MAX_PASSES} passes"):
        run(s3, index)
    assert written == [f"version {n}" for n in range(MAX_PASSES)]


def test_a_row_holds_every_field_of_its_document_with_times_in_utc(monkeypatch):
    document = Document(
        source_bucket="bucket",
        source_key=UPLOAD,
        source=SourceVersion("etag1", 1234, 1_767_225_600_000),
        content_type="application/pdf",
        extracted_at_ms=1_767_225_601_500,
        status="ok",
        content="text",
        error="a warning-free error",
        extractor="pdf",
        encoding="utf-8",
        pages=3,
        truncated=True,
        warnings=("not in the row",),
    )
    assert Row.of(document, DOC, "docetag") == Row(
        bucket="bucket",
        key=UPLOAD,
        extracted_key=DOC,
        document_etag="docetag",
        size=1234,
        content_type="application/pdf",
        etag="etag1",
        source_last_modified=datetime(2026, 1, 1, tzinfo=timezone.utc),
        extracted_at=datetime(2026, 1, 1, 0, 0, 1, 500_000, tzinfo=timezone.utc),
        status="ok",
        content="text",
        error="a warning-free error",
        extractor="pdf",
        encoding="utf-8",
        pages=3,
        truncated=True,
    )
