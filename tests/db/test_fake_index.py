"""The insert unit tests' FakeIndex answers as the real index does, for the same calls."""

from __future__ import annotations

import functools
import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

from db_documents import BUCKET, document

from indexer import store

_SAMPLES = Path(__file__).resolve().parents[1] / "unit" / "insert" / "insert_samples.py"
_spec = importlib.util.spec_from_file_location("insert_samples_for_db", _SAMPLES)
insert_samples = sys.modules.setdefault("insert_samples_for_db", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(insert_samples)


class RealIndex:
    def __init__(self, conn):
        self.conn = conn

    def exclusively(self, bucket: str, doc_key: str, work):
        return work()

    def upsert(self, row) -> bool:
        return store.upsert(self.conn, row)

    def delete(self, bucket: str, extracted_key: str) -> bool:
        return store.delete(self.conn, bucket, extracted_key)


def _call(index, action: str, args: tuple):
    return getattr(index, action)(*args)


def test_the_fake_index_gives_the_real_answers(conn):
    a = document("same/a.txt", "words", document_etag="d1")
    calls = [
        ("upsert", a),
        ("upsert", a),  # new, then the same document
        ("upsert", replace(a, document_etag="d2")),  # another document object
        ("upsert", replace(a, document_etag="d2", content="changed")),  # same document and version: skipped
        ("upsert", replace(a, document_etag="d2", etag="e9")),  # another upload version
        ("upsert", replace(a, bucket="other-bucket")),  # another bucket: its own row
        ("delete", ("other-bucket", "extracted/same/a.txt")),
        ("delete", (BUCKET, "extracted/same/a.txt")),
        ("delete", (BUCKET, "extracted/same/a.txt")),
        ("upsert", replace(a, extracted_key="extracted/sh~" + "c" * 64)),
        ("delete", (BUCKET, "extracted/same/a.txt")),  # rows go by document key only
        ("delete", (BUCKET, "extracted/sh~" + "c" * 64)),
    ]
    real, fake = RealIndex(conn), insert_samples.FakeIndex()
    for action, argument in calls:
        args = argument if action == "delete" else (argument,)
        key = args[1] if action == "delete" else args[0].extracted_key
        answers = [
            index.exclusively(BUCKET, key, functools.partial(_call, index, action, args)) for index in (fake, real)
        ]
        assert answers[0] == answers[1], (action, argument)
