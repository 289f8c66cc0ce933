"""Awkward and hostile input: each case has one expected, asserted outcome."""

from __future__ import annotations

from operations import search, trace
from tests.support import get_json, object_exists, poll_until

DEADLINE = 60


def document(cfg, s3, key: str, predicate=lambda doc: True) -> dict:
    target = cfg.extracted_key(key)
    return poll_until(
        lambda: (d := get_json(s3, cfg.bucket, target)) and predicate(d) and d, timeout=DEADLINE, what=target
    )


def indexed_content(database, cfg, key: str) -> str | None:
    rows = database.run("SELECT content FROM documents WHERE bucket = :b AND key = :k", b=cfg.bucket, k=key)
    return rows[0][0] if rows else None


def test_very_long_name_is_extracted_under_the_same_name(cfg, s3, run_id):
    name = "n" * (1000 - len(f"{cfg.upload_prefix}{run_id}/") - len(".txt")) + ".txt"
    key = f"{cfg.upload_prefix}{run_id}/{name}"
    assert len(cfg.extracted_key(key).encode()) <= 1024
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=b"long name")

    assert document(cfg, s3, key)["SourceKey"] == key


def test_invalid_utf8_is_decoded_with_the_bad_bytes_replaced_and_said(cfg, s3, database, run_id):
    key = f"{cfg.upload_prefix}{run_id}/mangled.txt"
    s3.put_object(
        Bucket=cfg.bucket,
        Key=key,
        Body=b"valid start \xff\xfe\xfa broken \x80\x81 end of text",
        ContentType="text/plain",
    )

    doc = document(cfg, s3, key)

    # Not UTF-8, so legacy Western text (the decoding policy); the one byte cp1252 lacks (0x81) is replaced.
    assert (doc["Status"], doc["Error"], doc["Encoding"]) == ("ok", None, "cp1252")
    assert doc["Content"] == "valid start ÿþú broken €\ufffd end of text"
    assert doc["Warnings"] == ["1 byte(s) could not be decoded as cp1252 and were replaced with U+FFFD"]
    content = poll_until(lambda: indexed_content(database, cfg, key), timeout=DEADLINE, what=f"{key} indexed")
    assert content == doc["Content"]


def test_large_file_is_streamed_and_truncated(cfg, s3, database, run_id):
    key = f"{cfg.upload_prefix}{run_id}/large.txt"
    line = b"large file line with searchable words about lighthouses and harbours\n"
    body = line * (30 * 1024 * 1024 // len(line))  # ~30 MB
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=body, ContentType="text/plain")

    doc = document(cfg, s3, key)

    assert doc["Status"] == "ok" and doc["Size"] == len(body)
    assert doc["Truncated"] is True
    assert len(doc["Content"]) == cfg.max_content_chars
    poll_until(
        lambda: key in [h.key for h in search.search(database, f"{run_id.split('-')[1]} lighthouses")],
        timeout=DEADLINE,
        what=f"{key} searchable",
    )


def test_same_key_uploaded_twice_quickly_ends_with_the_second_version(cfg, s3, database, run_id):
    key = f"{cfg.upload_prefix}{run_id}/twice.txt"
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=b"first version alpha")
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=b"second version omega")

    document(cfg, s3, key, lambda d: d["Content"] == "second version omega")
    poll_until(
        lambda: indexed_content(database, cfg, key) == "second version omega",
        timeout=DEADLINE,
        what=f"{key} indexed with the second version",
    )
    rows = database.run("SELECT count(*) FROM documents WHERE bucket = :b AND key = :k", b=cfg.bucket, k=key)
    assert rows[0][0] == 1


def test_upload_then_immediate_delete_leaves_nothing_behind(cfg, s3, database, run_id):
    key = f"{cfg.upload_prefix}{run_id}/ephemeral.txt"
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=b"here and gone")
    s3.delete_object(Bucket=cfg.bucket, Key=key)

    # Settled once extract has handled both events (its log names the key for each).
    poll_until(
        lambda: sum(cfg.extract_function in line for line in trace.log_lines(cfg, [key])) >= 2,
        timeout=DEADLINE,
        what=f"extract to handle both events of {key}",
    )
    poll_until(
        lambda: not object_exists(s3, cfg.bucket, cfg.extracted_key(key)),
        timeout=DEADLINE,
        what=f"no {cfg.extracted_key(key)}",
    )
    poll_until(lambda: indexed_content(database, cfg, key) is None, timeout=DEADLINE, what=f"{key} not indexed")
