import socket

import pytest
from indexer.database import Database, PostgresIndex
from indexer.process import RecordsFailed, process_event
from indexer.settings import Settings
from insert_samples import BUCKET, FakeIndex, put_document, record

SETTINGS = Settings(database_dsn="postgresql://search:search@127.0.0.1:1/search")


class ListLog:
    def __init__(self):
        self.lines = []

    def info(self, message, extra=None):
        self.lines.append((message, extra))

    def exception(self, message, extra=None):
        self.lines.append((message, extra))


def run(event, s3, index):
    return process_event(event, s3=s3, index=index, settings=SETTINGS, log=ListLog())


def test_created_document_is_indexed_under_its_upload_key(s3, index):
    put_document(s3, "extracted/notes/My File.txt", Content="hello world", Sequencer="00A1")

    summary = run({"Records": [record("ObjectCreated:Put", "extracted/notes/My+File.txt")]}, s3, index)

    assert summary == {"records": 1, "inserted": 1}
    [document] = index.upserted
    assert (document.bucket, document.key) == (BUCKET, "uploads/notes/My File.txt")
    assert document.extracted_key == "extracted/notes/My File.txt"
    assert (document.content, document.sequencer) == ("hello world", "00A1")


def test_the_current_document_is_read_not_the_one_the_event_announced(s3, index):
    put_document(s3, "extracted/a.txt", Content="first")
    put_document(s3, "extracted/a.txt", Content="second")

    run({"Records": [record("ObjectCreated:Put", "extracted/a.txt")] * 2}, s3, index)

    assert [d.content for d in index.upserted] == ["second", "second"]


def test_every_record_is_processed(s3, index):
    for name in ("one", "two", "three"):
        put_document(s3, f"extracted/{name}.txt", Content=name)
    index.rows.add((BUCKET, "uploads/gone.txt"))
    event = {
        "Records": [
            record("ObjectCreated:Put", "extracted/one.txt"),
            record("ObjectCreated:Put", "extracted/two.txt"),
            record("ObjectRemoved:Delete", "extracted/gone.txt"),
            record("ObjectCreated:Copy", "extracted/three.txt"),
        ]
    }

    summary = run(event, s3, index)

    assert summary == {"records": 4, "inserted": 3, "deleted": 1}
    assert sorted(d.content for d in index.upserted) == ["one", "three", "two"]
    assert index.deleted == [(BUCKET, "uploads/gone.txt")]


def test_removed_document_deletes_the_row_only_when_really_gone(s3, index):
    put_document(s3, "extracted/back.txt")  # re-created after the delete event was sent
    index.rows.add((BUCKET, "uploads/gone.txt"))
    event = {
        "Records": [
            record("ObjectRemoved:Delete", "extracted/back.txt"),
            record("ObjectRemoved:Delete", "extracted/gone.txt"),
            record("ObjectRemoved:Delete", "extracted/gone.txt"),
        ]
    }

    summary = run(event, s3, index)

    assert summary == {"records": 3, "kept": 1, "deleted": 1, "absent": 1}
    assert index.deleted == [(BUCKET, "uploads/gone.txt")] * 2


def test_created_event_for_a_document_already_gone_changes_nothing(s3, index):
    summary = run({"Records": [record("ObjectCreated:Put", "extracted/vanished.txt")]}, s3, index)

    assert summary == {"records": 1, "missing": 1}
    assert index.upserted == [] and index.deleted == []


def test_keys_outside_the_extracted_prefix_and_other_events_are_ignored(s3, index):
    put_document(s3, "uploads/a.txt")
    put_document(s3, "extracted/b.txt")
    event = {
        "Records": [
            record("ObjectCreated:Put", "uploads/a.txt"),
            record("ObjectRestore:Completed", "extracted/b.txt"),
        ]
    }

    assert run(event, s3, index) == {"records": 2, "ignored": 2}
    assert index.upserted == []


def test_an_event_without_records_does_nothing(s3, index):
    assert run({"Event": "s3:TestEvent"}, s3, index) == {"records": 0}


def test_a_bad_record_fails_the_invocation_after_the_others_are_done(s3, index):
    s3.put_object(Bucket=BUCKET, Key="extracted/broken.txt", Body=b"{not json")
    put_document(s3, "extracted/fine.txt", Content="fine")
    event = {
        "Records": [
            record("ObjectCreated:Put", "extracted/broken.txt"),
            {"eventName": "ObjectCreated:Put"},
            record("ObjectCreated:Put", "extracted/fine.txt"),
        ]
    }

    with pytest.raises(RecordsFailed, match=r"2 of 3 records failed: extracted/broken.txt: InvalidDocument"):
        run(event, s3, index)
    assert [d.content for d in index.upserted] == ["fine"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CountingDatabase(Database):
    def __init__(self, dsn):
        super().__init__(dsn)
        self.attempts = 0

    def connection(self):
        self.attempts += 1
        return super().connection()


def test_an_unreachable_database_fails_every_record_with_one_connection_attempt(s3):
    for name in ("a", "b", "c"):
        put_document(s3, f"extracted/{name}.txt")
    database = CountingDatabase(f"postgresql://search:search@127.0.0.1:{_closed_port()}/search")
    event = {"Records": [record("ObjectCreated:Put", f"extracted/{name}.txt") for name in ("a", "b", "c")]}
    log = ListLog()

    with pytest.raises(RecordsFailed, match="3 of 3 records failed"):
        process_event(event, s3=s3, index=PostgresIndex(database), settings=SETTINGS, log=log)
    assert database.attempts == 1
    assert [message for message, _ in log.lines] == ["record failed"] * 3


class DeletedWhileWriting(FakeIndex):
    """An index during whose write the extracted document is deleted, as by a concurrent delete."""

    def __init__(self, s3):
        super().__init__()
        self.s3 = s3

    def upsert(self, document):
        outcome = super().upsert(document)
        self.s3.delete_object(Bucket=BUCKET, Key=document.extracted_key)
        return outcome


def test_a_document_deleted_while_it_was_indexed_leaves_no_row(s3):
    put_document(s3, "extracted/brief.txt")
    index = DeletedWhileWriting(s3)

    summary = run({"Records": [record("ObjectCreated:Put", "extracted/brief.txt")]}, s3, index)

    assert summary == {"records": 1, "missing": 1}
    assert index.rows == set()
