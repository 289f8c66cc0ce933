"""`make trace` tells where a file is, stage by stage."""

from __future__ import annotations

from operations import trace
from tests.support import poll_until


def test_trace_of_an_indexed_file_shows_every_stage_and_its_log_lines(cfg, s3, database, run_id):
    key = f"{cfg.upload_prefix}{run_id}/traced.txt"
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=b"follow me through the pipeline")
    poll_until(lambda: database.run("SELECT 1 FROM documents WHERE key = :k", k=key), timeout=30, what=f"{key} indexed")

    # Each function's log lines arrive on their own: insert's invocation may end, and its lines be
    # shipped, before extract's, which still checks the upload after its write.
    lines = poll_until(
        lambda: (
            (t := trace.trace(cfg, key))
            and any("[file-extraction-insert]" in x for x in t)
            and any("[file-extraction-extract]" in x and key in x for x in t)
            and t
        ),
        timeout=30,
        what="trace with both functions' log lines",
    )

    text = "\n".join(lines)
    assert "uploaded   20" in text and "30 bytes" in text
    assert "status ok, extractor text" in text
    assert "indexed    20" in text and "STALE" not in text
    assert any("[file-extraction-extract]" in line and key in line for line in lines)


def test_trace_accepts_relative_and_extracted_keys_and_reports_absence(cfg, run_id):
    relative = f"{run_id}/never-uploaded.txt"

    for spelling in (relative, cfg.upload_prefix + relative, cfg.extracted_prefix + relative):
        text = "\n".join(trace.trace(cfg, spelling))
        assert f"s3://{cfg.bucket}/{cfg.upload_prefix}{relative}" in text
        assert "no such upload now" in text
        assert "not in the search index" in text
