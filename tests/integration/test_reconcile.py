"""`make reconcile` repairs every kind of drift it reports, and a second run finds nothing.

The drift is made on purpose, one file per kind, by writing to the bucket and the index
behind the functions' backs.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime

from operations import reconcile, trace
from pipeline_core.document import Document, SourceVersion
from settings.config import PROJECT_ROOT
from tests.integration.races import key_of_bytes
from tests.support import object_exists, poll_until


def indexed(cfg, s3, database, key: str, body: bytes) -> None:
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=body, ContentType="text/plain")
    etag = s3.head_object(Bucket=cfg.bucket, Key=key)["ETag"].strip('"')
    poll_until(
        lambda: database.run("SELECT 1 FROM documents WHERE key = :k AND etag = :e", k=key, e=etag),
        timeout=60,
        what=f"{key} indexed",
    )


def put_document(cfg, s3, key: str, version: SourceVersion, content: str) -> str:
    """A document under extracted/ written by hand, as if by an extraction of ``version``."""
    target = cfg.extracted_key(key)
    document = Document(
        source_bucket=cfg.bucket,
        source_key=key,
        source=version,
        content_type="text/plain",
        extracted_at_ms=1_767_225_600_000,
        status="ok",
        content=content,
    )
    s3.put_object(Bucket=cfg.bucket, Key=target, Body=document.encode(), Metadata=version.metadata())
    return target


def ours(findings, run_id: str) -> dict[str, str]:
    return {f.upload_key: f.stage for f in findings if f"/{run_id}/" in f.upload_key or f"{run_id}-" in f.upload_key}


def test_every_kind_of_drift_is_reported_repaired_and_gone_on_the_second_run(cfg, s3, database, run_id):
    folder = f"{cfg.upload_prefix}{run_id}"
    drifts = {
        "not-extracted": f"{folder}/not-extracted.txt",
        "stale-extraction": f"{folder}/stale-extraction.txt",
        "not-indexed": f"{folder}/not-indexed.txt",
        "stale-index": f"{folder}/stale-index.txt",
        "orphan-extraction": f"{folder}/orphan-extraction.txt",
        "orphan-index": f"{folder}/orphan-index.txt",
    }
    long_orphan = key_of_bytes(cfg, f"{run_id}-long", 1024)
    for stage, key in drifts.items():
        if not stage.startswith("orphan"):
            indexed(cfg, s3, database, key, f"current words of {stage}".encode())

    # uploaded, but its document is gone (its removal also removed the row)
    s3.delete_object(Bucket=cfg.bucket, Key=cfg.extracted_key(drifts["not-extracted"]))
    # a document of another version (insert then drops the row: the document is not current)
    old = SourceVersion("0123456789abcdef0123456789abcdef", 9, 1_700_000_000_000)
    put_document(cfg, s3, drifts["stale-extraction"], old, "old words")
    # the row lost, or of another version
    database.run("DELETE FROM documents WHERE key = :k", k=drifts["not-indexed"])
    database.run(
        "UPDATE documents SET etag = 'stale', source_last_modified = :t, content = 'old' WHERE key = :k",
        k=drifts["stale-index"],
        t=datetime(2024, 1, 1, tzinfo=UTC),
    )
    # left over from deleted uploads: a document (one under a shortened key) and a row
    put_document(cfg, s3, drifts["orphan-extraction"], old, "orphaned words")
    long_target = put_document(cfg, s3, long_orphan, old, "orphaned words")
    database.run(
        "INSERT INTO documents (bucket, key, extracted_key, content, status, extracted_at) "
        "VALUES (:b, :k, :x, 'orphan row', 'ok', now())",
        b=cfg.bucket,
        k=drifts["orphan-index"],
        x=cfg.extracted_key(drifts["orphan-index"]),
    )
    poll_until(
        lambda: not database.run("SELECT 1 FROM documents WHERE key = :k", k=drifts["stale-extraction"]),
        timeout=60,
        what="the row of the stale document dropped by insert",
    )

    expected = {key: stage for stage, key in drifts.items()} | {long_orphan: "orphan-extraction"}
    assert ours(reconcile.find(cfg), run_id) == expected
    stale_trace = "\n".join(trace.trace(cfg, drifts["stale-extraction"]))
    assert "STALE: extracted from ETag 0123456789abcdef0123456789abcdef" in stale_trace
    assert "the upload is now ETag" in stale_trace
    assert "STALE: indexed from" in "\n".join(trace.trace(cfg, drifts["stale-index"]))

    assert reconcile.run(cfg, dry_run=True, log=lambda line: None) == 0
    assert ours(reconcile.find(cfg), run_id) == expected  # a dry run changes nothing

    repair = subprocess.run(
        ["make", "--no-print-directory", "reconcile"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600
    )
    assert repair.returncode == 0, repair.stdout + repair.stderr
    for stage, key in drifts.items():
        assert f"{stage:<18} {key}" in repair.stdout
    assert ours(reconcile.find(cfg), run_id) == {}, "the first run left drift behind"

    for stage in ("not-extracted", "stale-extraction", "not-indexed", "stale-index"):
        key = drifts[stage]
        etag = s3.head_object(Bucket=cfg.bucket, Key=key)["ETag"].strip('"')
        document = json.loads(s3.get_object(Bucket=cfg.bucket, Key=cfg.extracted_key(key))["Body"].read())
        [[row_etag, content]] = database.run("SELECT etag, content FROM documents WHERE key = :k", k=key)
        assert document["ETag"] == row_etag == etag and content == f"current words of {stage}", stage
    for key in (drifts["orphan-extraction"], drifts["orphan-index"], long_orphan):
        assert not database.run("SELECT 1 FROM documents WHERE key = :k", k=key)
    assert not object_exists(s3, cfg.bucket, cfg.extracted_key(drifts["orphan-extraction"]))
    assert not object_exists(s3, cfg.bucket, long_target)

    lines: list[str] = []
    poll_until(
        lambda: reconcile.run(cfg, dry_run=True, log=lines.append) == 0 and reconcile.find(cfg) == [],
        timeout=60,
        what=f"a clean second run over the whole stack; last output {lines[-5:]}",
    )
