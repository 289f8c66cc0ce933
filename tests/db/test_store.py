"""Writing the index: one statement per upsert that skips a document already held, and deletes by document key."""

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from db_documents import BUCKET, EPOCH, document

from indexer import store
from indexer.database import Statements
from operations.search import search
from settings import db


@pytest.fixture(params=["unprepared", "prepared"])
def conn(conn, request):
    """Every test runs on the connection itself and through the insert function's prepared statements."""
    return conn if request.param == "unprepared" else Statements(conn)


def _row(conn, relative_key):
    rows = conn.run(
        "SELECT content, document_etag, etag, source_last_modified, indexed_at FROM documents "
        "WHERE bucket = :b AND key = :k",
        b=BUCKET,
        k=f"uploads/{relative_key}",
    )
    return rows[0] if rows else None


def _count(conn) -> int:
    return conn.run("SELECT count(*) FROM documents")[0][0]


def test_a_new_document_is_inserted_with_its_version(conn):
    assert store.upsert(conn, document("a/b.txt", "hello", document_etag="d1", etag="e1", uploaded_second=7)) is True
    [[bucket, key, extracted_key, size, status, document_etag, etag, modified]] = conn.run(
        "SELECT bucket, key, extracted_key, size, status, document_etag, etag, source_last_modified FROM documents"
    )
    assert (bucket, key, extracted_key) == (BUCKET, "uploads/a/b.txt", "extracted/a/b.txt")
    assert (size, status, document_etag, etag) == (5, "ok", "d1", "e1")
    assert (modified - EPOCH).total_seconds() == 7


def test_the_same_document_again_writes_nothing(conn):
    store.upsert(conn, document("dup.txt", "same"))
    indexed_at = _row(conn, "dup.txt")[4]

    assert store.upsert(conn, document("dup.txt", "same")) is False
    assert _count(conn) == 1
    assert _row(conn, "dup.txt")[4] == indexed_at


def test_another_document_replaces_the_row_whatever_its_times(conn):
    # Which document is current is decided against the bucket, not by the index: any other document replaces.
    store.upsert(conn, document("v.txt", "version two", document_etag="d2", uploaded_second=9))
    assert store.upsert(conn, document("v.txt", "version one", document_etag="d1", uploaded_second=1)) is True
    assert _row(conn, "v.txt")[:2] == ["version one", "d1"]
    assert _count(conn) == 1


def test_re_upload_with_new_content_replaces_what_is_searchable(conn):
    store.upsert(conn, document("note.txt", "apples", document_etag="d1"))
    store.upsert(conn, document("note.txt", "oranges", document_etag="d2"))

    assert search(conn, "apples") == []
    assert [hit.key for hit in search(conn, "oranges")] == ["uploads/note.txt"]


def test_delete_removes_the_row_of_a_document_key_once(conn):
    store.upsert(conn, document("gone.txt", "bye"))
    store.upsert(conn, document("kept.txt", "bye"))

    assert store.delete(conn, BUCKET, "extracted/gone.txt") is True
    assert store.delete(conn, BUCKET, "extracted/gone.txt") is False
    assert store.delete(conn, "other-bucket", "extracted/kept.txt") is False
    assert [hit.key for hit in search(conn, "bye")] == ["uploads/kept.txt"]


def test_a_shortened_document_key_is_deleted_by_that_key(conn):
    store.upsert(conn, document("long.txt", "far", extracted_key="extracted/lo~" + "a" * 64))
    assert store.delete(conn, BUCKET, "extracted/long.txt") is False
    assert store.delete(conn, BUCKET, "extracted/lo~" + "a" * 64) is True


def test_content_with_too_many_distinct_words_is_still_indexed(conn):
    words = [f"{random.getrandbits(64):016x}" for _ in range(60_000)]  # about 1 MB, far over what a tsvector holds
    early, late = words[10], words[-10]

    assert store.upsert(conn, document("dump/hex.txt", " ".join(words))) is True
    assert [hit.key for hit in search(conn, early)] == ["uploads/dump/hex.txt"]
    assert [hit.key for hit in search(conn, "hex")] == ["uploads/dump/hex.txt"]
    assert search(conn, late) == []  # past the part that could be indexed


def test_a_row_of_the_same_document_but_another_version_is_rewritten(conn):
    # e.g. a row edited by hand: the version columns, not only the document's ETag, decide "same"
    store.upsert(conn, document("edited.txt", "words", etag="e1"))
    conn.run("UPDATE documents SET etag = 'stale' WHERE key = 'uploads/edited.txt'")
    assert store.upsert(conn, document("edited.txt", "words", etag="e1")) is True
    assert store.upsert(conn, document("edited.txt", "words", etag="e1")) is False


def _full_row(conn, relative_key):
    [row] = conn.run(
        "SELECT extracted_key, document_etag, content, size, content_type, etag, source_last_modified, status, "
        "error, extractor, encoding, pages, truncated, extracted_at, indexed_at FROM documents "
        "WHERE bucket = :b AND key = :k",
        b=BUCKET,
        k=f"uploads/{relative_key}",
    )
    return row


def test_a_new_document_of_the_same_upload_version_replaces_every_column(conn):
    # e.g. the upload re-extracted after an extractor fix: same upload version, another document object
    store.upsert(conn, document("redo.txt", "", status="failed", error="decoder crashed", document_etag="d1"))
    before = _full_row(conn, "redo.txt")
    again = replace(
        document("redo.txt", "", status="ok", document_etag="d2"),
        content="recovered words",
        pages=2,
        truncated=True,
        extractor="pdf",
        encoding=None,
        content_type="application/pdf",
    )

    assert store.upsert(conn, again) is True
    after = _full_row(conn, "redo.txt")
    assert after[:14] == [
        "extracted/redo.txt",
        "d2",
        "recovered words",
        0,
        "application/pdf",
        again.etag,
        again.source_last_modified,
        "ok",
        None,
        "pdf",
        None,
        2,
        True,
        again.extracted_at,
    ]
    assert after[14] > before[14], "indexed_at says when the row last changed"
    assert [hit.key for hit in search(conn, "recovered")] == ["uploads/redo.txt"]


def test_each_column_of_the_version_alone_makes_a_document_new(conn):
    base = document("v.txt", "words", document_etag="d1", etag="e1", uploaded_second=1)
    changes = {
        "document_etag": "d2",
        "extracted_key": "extracted/v.txt~" + "b" * 64,
        "etag": "e2",
        "size": 99,
        "source_last_modified": base.source_last_modified + timedelta(seconds=1),
    }
    for column, value in changes.items():
        conn.run("TRUNCATE documents")
        store.upsert(conn, base)
        changed = replace(base, **{column: value})
        assert store.upsert(conn, changed) is True, f"a new {column} alone must rewrite the row"
        assert store.upsert(conn, changed) is False, f"the same {column} again must not"


def test_a_row_from_before_upload_versions_is_rewritten(conn):
    # Rows indexed before migration 0002 have no document ETag and no upload time.
    store.upsert(conn, document("legacy.txt", "old words"))
    conn.run("UPDATE documents SET document_etag = NULL, source_last_modified = NULL")
    assert store.upsert(conn, document("legacy.txt", "old words")) is True
    assert _row(conn, "legacy.txt")[3] is not None


def test_rows_are_per_bucket(conn):
    here = document("same.txt", "marmalade")
    there = replace(here, bucket="other-bucket", content="porridge")
    assert store.upsert(conn, here) is True and store.upsert(conn, there) is True
    assert _count(conn) == 2
    assert store.delete(conn, "other-bucket", "extracted/same.txt") is True
    assert [hit.key for hit in search(conn, "marmalade")] == ["uploads/same.txt"]
    assert _count(conn) == 1


COUNT_VECTORS = [
    "CREATE SEQUENCE vectors_computed",
    "ALTER FUNCTION document_search_vector(text, text) RENAME TO counted_document_search_vector",
    """CREATE FUNCTION document_search_vector(key text, content text) RETURNS tsvector
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('vectors_computed');
    RETURN counted_document_search_vector(key, content);
END
$$""",
]


def _vectors_computed(conn) -> int:
    [[last, called]] = conn.run("SELECT last_value, is_called FROM vectors_computed")
    return last if called else 0


def test_the_search_vector_is_computed_once_per_text(index_dsn):
    """Not for a duplicate, not for a new upload version of the same text, once for new text."""
    conn = db.connect(index_dsn)  # its own session: no cached plan of the trigger
    conn.run("BEGIN")
    try:
        for statement in COUNT_VECTORS:
            conn.run(statement)
        first = document("once.txt", "lighthouse keeper", document_etag="d1", etag="e1")
        computed = []
        for row in (
            first,
            first,  # the same document again
            # re-uploaded, same text
            replace(first, document_etag="d2", source_last_modified=first.source_last_modified + timedelta(seconds=9)),
            replace(first, document_etag="d3", etag="e3", content="harbour master"),  # new text
        ):
            store.upsert(conn, row)
            computed.append(_vectors_computed(conn))
            assert [hit.key for hit in search(conn, row.content.split()[0])] == ["uploads/once.txt"]
        assert computed == [1, 1, 1, 2]
        assert search(conn, "lighthouse") == []
    finally:
        conn.run("ROLLBACK")
        conn.close()


def test_any_other_write_of_the_text_gets_its_vector_computed(conn):
    store.upsert(conn, document("direct.txt", "apples"))
    conn.run("UPDATE documents SET content = 'oranges' WHERE key = 'uploads/direct.txt'")
    assert [hit.key for hit in search(conn, "oranges")] == ["uploads/direct.txt"]
    assert search(conn, "apples") == []
    conn.run(
        "INSERT INTO documents (bucket, key, extracted_key, content, status, extracted_at) "
        "VALUES (:b, 'uploads/plain.txt', 'extracted/plain.txt', 'pears', 'ok', now())",
        b=BUCKET,
    )
    assert [hit.key for hit in search(conn, "pears")] == ["uploads/plain.txt"]


def test_a_large_text_is_stored_compressed_with_lz4(conn):
    prose = " ".join(f"word{random.randrange(5000)}" for _ in range(20_000))  # about 200 KB, compressible
    store.upsert(conn, document("big.txt", prose))
    [[method, content]] = conn.run(
        "SELECT pg_column_compression(content), content FROM documents WHERE key = 'uploads/big.txt'"
    )
    assert (method, content) == ("lz4", prose)
