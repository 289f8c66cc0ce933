"""Each file's stage on the board, from what the bucket, the index and the DLQ hold."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dashboard.board import Board, FileState, Row, Upload, classify
from pipeline_core.document import SourceVersion

T0 = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def version(etag: str, uploaded: datetime = T0) -> SourceVersion:
    return SourceVersion(etag, 10, int(uploaded.timestamp()) * 1000)


def upload(etag: str, uploaded: datetime = T0) -> Upload:
    return Upload(version(etag, uploaded), uploaded)


def stages(cfg, uploads, extracted=None, rows=None, in_dlq=None) -> dict[str, FileState]:
    return {f.key: f for f in classify(cfg, uploads, extracted or {}, rows or {}, in_dlq or {})}


def test_each_stage(cfg):
    uploads = {
        f"uploads/{name}": upload(name)
        for name in ("new", "extracted", "indexed", "failed", "dlq", "stale-row", "same-bytes-again", "stale-doc")
    }
    uploads["uploads/folder/"] = upload("dir")
    extracted = {f"extracted/{name}": at(1) for name in ("extracted", "indexed", "failed", "stale-row")}
    extracted["extracted/stale-doc"] = at(-5)
    rows = {
        "uploads/indexed": Row(version("indexed"), "ok", None, at(1), at(1.05)),
        "uploads/failed": Row(version("failed"), "unsupported", "no extractor for .xyz", at(1), at(1.2)),
        "uploads/stale-row": Row(version("an-older-etag"), "ok", None, at(-9), at(-8)),
        # The same bytes uploaded again: same ETag, another version.
        "uploads/same-bytes-again": Row(version("same-bytes-again", at(-60)), "ok", None, at(-59), at(-58)),
    }
    found = stages(cfg, uploads, extracted, rows, {"extracted/dlq": "file-extraction-insert: db down"})
    assert {k: f.stage for k, f in found.items()} == {
        "uploads/new": "uploaded",
        "uploads/extracted": "extracted",
        "uploads/indexed": "indexed",
        "uploads/failed": "failed",
        "uploads/dlq": "dlq",
        "uploads/stale-row": "stale",
        "uploads/same-bytes-again": "stale",
        "uploads/stale-doc": "stale",
    }
    assert found["uploads/failed"].error == "no extractor for .xyz"
    assert found["uploads/dlq"].error == "file-extraction-insert: db down"
    assert found["uploads/indexed"].extract_seconds == 1.0
    assert round(found["uploads/indexed"].index_seconds, 3) == 0.05


def test_left_overs_of_deleted_uploads_are_stale(cfg):
    found = stages(
        cfg, {}, {"extracted/gone-doc": at(1)}, {"uploads/gone-row": Row(version("e"), "ok", None, at(1), at(2))}
    )
    assert {k: (f.stage, f.note) for k, f in found.items()} == {
        "uploads/gone-doc": ("stale", "upload deleted; its extracted document is left"),
        "uploads/gone-row": ("stale", "upload deleted; its index row is left"),
    }


def test_an_indexed_file_with_an_old_dlq_event_stays_indexed_with_a_note(cfg):
    found = stages(
        cfg,
        {"uploads/a": upload("e")},
        {"extracted/a": at(1)},
        {"uploads/a": Row(version("e"), "ok", None, at(1), at(2))},
        {"uploads/a": "extract: timeout"},
    )
    assert found["uploads/a"].stage == "indexed"
    assert "DLQ" in found["uploads/a"].note


def test_counts_and_filters_follow_the_prefix(cfg):
    board = Board(
        [FileState("uploads/a/1", "indexed"), FileState("uploads/a/2", "dlq"), FileState("uploads/b/1", "indexed")]
    )
    assert board.counts("uploads/a/") == {
        "uploaded": 0,
        "extracted": 0,
        "indexed": 1,
        "failed": 0,
        "dlq": 1,
        "stale": 0,
    }
    assert [f.key for f in board.filtered("indexed", "")] == ["uploads/a/1", "uploads/b/1"]
    assert [f.key for f in board.filtered("", "uploads/b/")] == ["uploads/b/1"]
