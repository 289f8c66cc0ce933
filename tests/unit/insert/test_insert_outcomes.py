"""What insert's sync reports for each case (action, key, upload key, passes), changes that come
after a sync's read (the next event's sync acts on them), and the row built from a document, field by field."""

from __future__ import annotations

from datetime import datetime, timezone

from insert_samples import BUCKET, FUNCTION_ENVIRONMENT, extracted, upload

from indexer.store import Row
from indexer.sync import ABSENT, CURRENT, IGNORED, INDEXED, REMOVED, sync
from pipeline_core.converge import Outcome
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
    assert run(s3, index) == outcome(REMOVED, 1)
    assert run(s3, index, "uploads/a/b.txt") == outcome(IGNORED, 0, None, "uploads/a/b.txt")


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
    assert run(s3, index) == outcome(REMOVED, 1)
    assert index.rows == {}


def test_a_document_deleted_right_after_its_row_was_written_is_left_to_the_deletes_own_insert(s3, index, monkeypatch):
    """The delete is an event of its own, whose sync takes its turn after this one and removes the row."""
    extracted(s3, UPLOAD)
    real_upsert = index.upsert

    def upsert_then_delete_the_document(row):
        written = real_upsert(row)
        s3.delete_object(Bucket=BUCKET, Key=DOC)
        return written

    monkeypatch.setattr(index, "upsert", upsert_then_delete_the_document)
    assert run(s3, index) == outcome(INDEXED, 1)
    monkeypatch.setattr(index, "upsert", real_upsert)
    assert run(s3, index) == outcome(REMOVED, 1)
    assert index.rows == {}


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
