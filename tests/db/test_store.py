"""Writing the index: upserts that never go back in time, and deletes."""

import random

import pytest
from db_documents import BUCKET, document
from indexer import store

from fue.search import search


def _row(conn, relative_key):
    rows = conn.run(
        "SELECT content, sequencer, status, indexed_at FROM documents WHERE bucket = :b AND key = :k",
        b=BUCKET, k=f"uploads/{relative_key}",
    )
    return rows[0] if rows else None


def _count(conn) -> int:
    return conn.run("SELECT count(*) FROM documents")[0][0]


def test_a_new_document_is_inserted_with_its_fields(conn):
    assert store.upsert(conn, document("a/b.txt", "hello", sequencer="00A1")) == store.INSERTED
    [[bucket, key, extracted_key, size, status, sequencer]] = conn.run(
        "SELECT bucket, key, extracted_key, size, status, sequencer FROM documents"
    )
    assert (bucket, key, extracted_key) == (BUCKET, "uploads/a/b.txt", "extracted/a/b.txt")
    assert (size, status, sequencer) == (5, "ok", "00A1")


def test_a_duplicate_leaves_one_untouched_row(conn):
    store.upsert(conn, document("dup.txt", "same"))
    indexed_at = _row(conn, "dup.txt")[3]

    assert store.upsert(conn, document("dup.txt", "same")) == store.STALE
    assert _count(conn) == 1
    assert _row(conn, "dup.txt")[3] == indexed_at


def test_a_newer_sequencer_replaces_and_an_older_one_does_not(conn):
    store.upsert(conn, document("v.txt", "version one", sequencer="0055AED6DCD90281E5", extracted_second=5))

    assert store.upsert(conn, document("v.txt", "version two", sequencer="0055AED6DCD90281E6", extracted_second=1)) == store.UPDATED
    # A late delivery of the first version, even extracted later, does not win.
    assert store.upsert(conn, document("v.txt", "version one", sequencer="0055AED6DCD90281E5", extracted_second=9)) == store.STALE
    assert _row(conn, "v.txt")[0] == "version two"
    assert _count(conn) == 1


@pytest.mark.parametrize(
    ("stored", "incoming", "newer"),
    [
        # Different lengths: the shorter is padded on the right, as AWS documents.
        ("0A", "00B", False),  # 0A0 > 00B (left padding would say the opposite)
        ("00B", "0A", True),
        ("0055AED6DCD90281E5", "0055AED6DCD90281E50", False),  # equal once padded: extraction time decides
        ("0055AED6DCD90281E5", "0055AED6DCD90281E501", True),
        # Hexadecimal digits compare above decimal ones, whatever their case.
        ("009F", "00a0", True),
        ("00A0", "009f", False),
        ("00ab", "00AC", True),
    ],
)
def test_sequencers_compare_as_aws_documents(conn, stored, incoming, newer):
    # The incoming document is extracted earlier, so only its sequencer can make it win.
    store.upsert(conn, document("s.txt", "stored", sequencer=stored, extracted_second=10))
    store.upsert(conn, document("s.txt", "incoming", sequencer=incoming, extracted_second=5))
    assert _row(conn, "s.txt")[0] == ("incoming" if newer else "stored")


@pytest.mark.parametrize(
    ("stored", "incoming"),
    [("0055AED6DCD90281E5", "0055AED6DCD90281E5"), (None, "00A1"), ("00A1", None), (None, None)],
)
def test_without_comparable_sequencers_the_later_extraction_wins(conn, stored, incoming):
    store.upsert(conn, document("t.txt", "first", sequencer=stored, extracted_second=1))
    assert store.upsert(conn, document("t.txt", "second", sequencer=incoming, extracted_second=2)) == store.UPDATED
    assert store.upsert(conn, document("t.txt", "first", sequencer=stored, extracted_second=1)) == store.STALE
    assert _row(conn, "t.txt")[0] == "second"


def test_re_upload_with_new_content_replaces_what_is_searchable(conn):
    store.upsert(conn, document("note.txt", "apples", sequencer="00A1"))
    store.upsert(conn, document("note.txt", "oranges", sequencer="00A2"))

    assert search(conn, "apples") == []
    assert [hit.key for hit in search(conn, "oranges")] == ["uploads/note.txt"]


def test_delete_removes_the_row_once(conn):
    store.upsert(conn, document("gone.txt", "bye"))

    assert store.delete(conn, BUCKET, "uploads/gone.txt") is True
    assert store.delete(conn, BUCKET, "uploads/gone.txt") is False
    assert _count(conn) == 0
    assert search(conn, "bye") == []


def test_content_with_too_many_distinct_words_is_still_indexed(conn):
    words = [f"{random.getrandbits(64):016x}" for _ in range(60_000)]  # about 1 MB, far over what a tsvector holds
    early, late = words[10], words[-10]

    assert store.upsert(conn, document("dump/hex.txt", " ".join(words))) == store.INSERTED
    assert [hit.key for hit in search(conn, early)] == ["uploads/dump/hex.txt"]
    assert [hit.key for hit in search(conn, "hex")] == ["uploads/dump/hex.txt"]
    assert search(conn, late) == []  # past the part that could be indexed
