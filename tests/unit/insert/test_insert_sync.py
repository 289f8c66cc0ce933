"""The insert function converges one document key's row: indexed exactly when the document is current."""

from __future__ import annotations

import threading

import pytest
from insert_samples import BUCKET, FUNCTION_ENVIRONMENT, extracted, put_document, upload

from indexer.sync import ABSENT, CURRENT, INDEXED, REMOVED, sync
from pipeline_core.document import InvalidDocument
from pipeline_core.keys import KeyMap
from pipeline_core.settings import InsertSettings
from tests.support import poll_until

KEYS = InsertSettings.from_environ(FUNCTION_ENVIRONMENT).keys
UPLOAD, DOC = "uploads/notes/My File.txt", "extracted/notes/My File.txt"


def run(s3, index, doc_key: str = DOC):
    return sync(s3, BUCKET, doc_key, KEYS, index)


def test_a_current_document_is_indexed_under_its_upload_key(s3, index):
    extracted(s3, UPLOAD, b"hello world")
    result = run(s3, index)
    assert (result.action, result.details["upload_key"]) == (INDEXED, UPLOAD)
    row = index.row(UPLOAD)
    assert (row.extracted_key, row.content, row.status) == (DOC, "hello world", "ok")
    head = s3.head_object(Bucket=BUCKET, Key=UPLOAD)
    assert (row.etag, row.size) == (head["ETag"].strip('"'), 11)
    assert row.document_etag == s3.head_object(Bucket=BUCKET, Key=DOC)["ETag"].strip('"')


def test_indexing_the_same_document_again_writes_nothing(s3, index):
    extracted(s3, UPLOAD)
    run(s3, index)
    assert [run(s3, index).action for _ in range(3)] == [CURRENT] * 3
    assert index.writes == 1


def test_a_document_whose_upload_is_gone_is_not_indexed_and_its_row_goes(s3, index):
    extracted(s3, UPLOAD)
    run(s3, index)
    s3.delete_object(Bucket=BUCKET, Key=UPLOAD)  # the document is still there: extract has not caught up
    assert run(s3, index).action == REMOVED
    assert index.rows == {}
    assert run(s3, index).action == ABSENT


def test_a_document_of_a_superseded_upload_is_not_indexed(s3, index):
    extracted(s3, UPLOAD, b"old words")
    upload(s3, UPLOAD, b"newer words, not extracted yet")
    assert run(s3, index).action == ABSENT
    assert index.rows == {}


def test_a_removed_document_removes_its_row_by_document_key(s3, index):
    doc_key = extracted(s3, UPLOAD)
    run(s3, index)
    s3.delete_object(Bucket=BUCKET, Key=doc_key)
    assert run(s3, index).action == REMOVED
    assert index.rows == {}


def test_a_shortened_document_key_is_indexed_under_the_documents_source_key(s3, index):
    long_key = "uploads/" + "ü" * 508
    doc_key = KEYS.document_key(long_key)
    put_document(s3, doc_key, long_key, upload(s3, long_key))
    assert run(s3, index, doc_key).details["upload_key"] == long_key
    assert index.row(long_key).extracted_key == doc_key
    s3.delete_object(Bucket=BUCKET, Key=doc_key)
    assert run(s3, index, doc_key).action == REMOVED and index.rows == {}


def test_a_document_that_names_another_upload_is_refused(s3, index):
    put_document(s3, DOC, "uploads/somewhere else.txt", upload(s3, "uploads/somewhere else.txt"))
    with pytest.raises(InvalidDocument, match="does not map to"):
        run(s3, index)
    assert index.rows == {}


def test_keys_outside_the_extracted_prefix_are_ignored(s3, index):
    assert run(s3, index, "uploads/a.txt").action == "ignored"
    assert run(s3, index, "extracted/folder/").action == "ignored"


class Racer:
    """A second sync of the same document key, started in a thread while the first one holds its turn."""

    def __init__(self, s3, index, doc_key: str = DOC):
        self.index, self.name, self.result = index, f"{BUCKET}/{doc_key}", None
        self.thread = threading.Thread(target=lambda: setattr(self, "result", run(s3, index, doc_key)))

    def start_and_wait_for_its_turn(self) -> None:
        """Start it; return once it waits for the key's turn (or, were there no turns, once it is done)."""
        self.thread.start()
        poll_until(
            lambda: self.index.waiting[self.name] == 1 or not self.thread.is_alive(),
            timeout=5,
            interval=0.01,
            what="the second sync waiting for the key's turn",
        )

    def finish(self):
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "the second sync never got its turn"
        return self.result


def test_a_slow_insert_of_an_old_document_cannot_leave_its_row_last(s3, index, monkeypatch):
    old_doc = extracted(s3, UPLOAD, b"old words")
    real_upsert = index.upsert
    racers = []

    def upsert_after_the_world_moved_on(row):
        if not racers:  # the slow insert of the old document is about to write ...
            extracted(s3, UPLOAD, b"new words")  # ... when a new version is uploaded and extracted
            racers.append(Racer(s3, index))  # and the new document's insert starts
            racers[0].start_and_wait_for_its_turn()
        return real_upsert(row)

    monkeypatch.setattr(index, "upsert", upsert_after_the_world_moved_on)
    slow = run(s3, index, old_doc)
    fast = racers[0].finish()

    assert (slow.action, slow.passes) == (INDEXED, 1)  # it wrote the old row in its turn ...
    assert fast.action == INDEXED  # ... and the next turn read the new document and replaced it
    assert index.row(UPLOAD).content == "new words"


def test_a_removed_event_racing_a_new_document_keeps_the_new_row(s3, index, monkeypatch):
    extracted(s3, UPLOAD, b"first")
    run(s3, index)
    s3.delete_object(Bucket=BUCKET, Key=DOC)
    real_delete = index.delete
    racers = []

    def delete_after_the_document_came_back(bucket, extracted_key):
        if not racers:
            extracted(s3, UPLOAD, b"second")
            racers.append(Racer(s3, index))
            racers[0].start_and_wait_for_its_turn()
        return real_delete(bucket, extracted_key)

    monkeypatch.setattr(index, "delete", delete_after_the_document_came_back)
    assert run(s3, index).action == REMOVED
    assert racers[0].finish().action == INDEXED  # the document's own insert took its turn after the delete
    assert index.row(UPLOAD).content == "second"


def test_the_document_is_read_and_its_row_written_in_the_keys_turn(s3, index, monkeypatch):
    extracted(s3, UPLOAD)
    turns = []
    real_get = s3.get_object
    monkeypatch.setattr(s3, "get_object", lambda **kw: turns.append(set(index.held)) or real_get(**kw))
    real_upsert = index.upsert
    monkeypatch.setattr(index, "upsert", lambda row: turns.append(set(index.held)) or real_upsert(row))

    assert run(s3, index).action == INDEXED
    assert turns == [{f"{BUCKET}/{DOC}"}] * 2
    assert index.held == set()


def test_a_sync_that_fails_ends_its_turn(s3, index):
    put_document(s3, DOC, "uploads/somewhere else.txt", upload(s3, "uploads/somewhere else.txt"))
    with pytest.raises(InvalidDocument):
        run(s3, index)
    extracted(s3, UPLOAD)
    assert run(s3, index).action == INDEXED  # the key's next sync gets its turn


def test_custom_prefixes(s3, index):
    keys = KeyMap("incoming/", "text/")
    put_document(s3, "text/a.txt", "incoming/a.txt", upload(s3, "incoming/a.txt"))
    assert sync(s3, BUCKET, "text/a.txt", keys, index).action == INDEXED
    assert index.row("incoming/a.txt").extracted_key == "text/a.txt"
