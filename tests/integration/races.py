"""The pipeline's known races, played against the running stack, and how each one ended.

Used by the truth tests (which require every outcome to be "ok") and as a probe:

    make races [tries=5]        (.venv/bin/python -m tests.integration.races --tries 5)

prints, per race, how many of the tried keys ended stale (an older version won), left
(something of a deleted upload remained) or lost (a current upload missing from
extracted/ or the index). The truth is read from the bucket and the index, never from
the functions' own reports.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

from bootstrap.iam import ATTEMPT_MARKER_PREFIX
from settings import aws, config, db
from tests.support import get_json, object_exists, poll_until

SETTLE_SECONDS = 90
STAGGER_SECONDS = 1.5  # between the keys of one race, so that they do not all queue for the same workers
OK, STALE, LEFT, LOST = "ok", "stale", "left", "lost"


@cache
def slow_pdf(pages: int = 50) -> bytes:
    """A PDF that takes seconds to extract: ``pages`` copies of a page drawn with thousands of lines.

    Parsing the drawing dominates (about 60 ms a page on a 2-core machine), while the text
    stays short, so the character cap does not end the extraction early. Its metadata pads it
    past 16 KiB, so extract leaves an attempt marker while it works: tests wait for that marker
    to know the extraction is under way.
    """
    import pypdf
    from fpdf import FPDF

    drawing = FPDF()
    drawing.set_font("Helvetica", size=12)
    drawing.add_page()
    drawing.cell(0, 10, "slowword page")
    for i in range(4000):
        drawing.line(10 + i % 150, 10 + i % 250, 20 + i % 150, 20 + i % 250)
    page = pypdf.PdfReader(io.BytesIO(bytes(drawing.output()))).pages[0]
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_page(page)
    writer.add_metadata({"/Subject": "padding " * 512})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def attempt_marker(key: str) -> str:
    """The marker extract keeps while it extracts an upload of 16 KiB or more (``extractor.attempts``)."""
    return ATTEMPT_MARKER_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()


def wait_until_extracting(cfg, s3, key: str, timeout: float = SETTLE_SECONDS) -> bool:
    """Wait until extract works on ``key`` (a slow PDF): its attempt marker appears, however slow dispatch is.

    False when the document was written before the marker was seen (the extraction is over).
    """
    return (
        poll_until(
            lambda: (
                "marker"
                if object_exists(s3, cfg.bucket, attempt_marker(key))
                else "document"
                if object_exists(s3, cfg.bucket, cfg.extracted_key(key))
                else None
            ),
            timeout=timeout,
            what=f"extract to start on {key}",
            interval=0.05,
        )
        == "marker"
    )


def small_text(word: str) -> bytes:
    return f"a short note about {word}\n".encode()


@dataclass(frozen=True)
class Observed:
    """One key as the bucket and the index hold it now."""

    upload_etag: str | None
    document: dict | None
    row_etag: str | None

    @property
    def document_etag(self) -> str | None:
        return self.document.get("ETag") if self.document else None


def observe(cfg, s3, conn, key: str) -> Observed:
    try:
        upload_etag = s3.head_object(Bucket=cfg.bucket, Key=key)["ETag"].strip('"')
    except s3.exceptions.ClientError:
        upload_etag = None
    try:
        document = get_json(s3, cfg.bucket, cfg.extracted_key(key))
    except s3.exceptions.ClientError:  # e.g. a document key longer than S3 accepts
        document = None
    rows = conn.run("SELECT etag FROM documents WHERE bucket = :b AND key = :k", b=cfg.bucket, k=key)
    return Observed(upload_etag, document, rows[0][0] if rows else None)


def outcome(seen: Observed, expected_etag: str | None) -> str:
    """ok, or what went wrong, given the ETag of the last upload (None: deleted)."""
    if expected_etag is None:
        return LEFT if seen.document or seen.row_etag else OK
    versions = {seen.document_etag, seen.row_etag}
    if versions == {expected_etag}:
        return OK
    if None in versions:
        return LOST
    return STALE


def settle(cfg, s3, conn, expected: dict[str, str | None], *, timeout: float = SETTLE_SECONDS) -> dict[str, str]:
    """Poll until every key shows its expected state or the deadline passes; key -> outcome."""
    deadline = time.monotonic() + timeout
    while True:
        results = {key: outcome(observe(cfg, s3, conn, key), etag) for key, etag in expected.items()}
        if all(result == OK for result in results.values()) or time.monotonic() > deadline:
            return results
        time.sleep(0.5)


def put(cfg, s3, key: str, body: bytes, content_type: str) -> str:
    return s3.put_object(Bucket=cfg.bucket, Key=key, Body=body, ContentType=content_type)["ETag"].strip('"')


def wait_indexed(cfg, s3, conn, key: str, etag: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while outcome(observe(cfg, s3, conn, key), etag) != OK:
        if time.monotonic() > deadline:
            raise AssertionError(f"{key} was not indexed within {timeout}s")
        time.sleep(0.2)


# Each race plays on one key and returns the ETag the key should end with (None: deleted).


def slow_old_then_fast_new(cfg, s3, conn, key: str) -> str | None:
    put(cfg, s3, key, slow_pdf(), "application/pdf")
    wait_until_extracting(cfg, s3, key)
    return put(cfg, s3, key, small_text(f"fastword{uuid.uuid4().hex[:8]}"), "text/plain")


def delete_during_slow_extraction(cfg, s3, conn, key: str) -> str | None:
    put(cfg, s3, key, slow_pdf(), "application/pdf")
    wait_until_extracting(cfg, s3, key)
    s3.delete_object(Bucket=cfg.bucket, Key=key)
    return None


def delete_then_reupload_identical(cfg, s3, conn, key: str) -> str | None:
    body = small_text(f"sameword{uuid.uuid4().hex[:8]}")
    etag = put(cfg, s3, key, body, "text/plain")
    wait_indexed(cfg, s3, conn, key, etag)
    s3.delete_object(Bucket=cfg.bucket, Key=key)
    return put(cfg, s3, key, body, "text/plain")


def long_key(cfg, s3, conn, key: str) -> str | None:
    return put(cfg, s3, key, small_text("longkeyword"), "text/plain")


def key_of_bytes(cfg, folder: str, total_bytes: int) -> str:
    """An upload key of exactly ``total_bytes`` UTF-8 bytes (with multi-byte characters)."""
    head = f"{cfg.upload_prefix}{folder}/é-"
    filler = total_bytes - len(head.encode()) - len(".txt")
    return head + "ü" * (filler // 2) + "x" * (filler % 2) + ".txt"


def warm_up(cfg) -> None:
    """One file through the pipeline, so that no race starts with a cold start."""
    s3 = aws.client(cfg, "s3")
    conn = db.connect(cfg.database_dsn())
    try:
        key = f"{cfg.upload_prefix}race-warm-up-{uuid.uuid4().hex[:8]}.txt"
        wait_indexed(cfg, s3, conn, key, put(cfg, s3, key, small_text("warm"), "text/plain"))
        s3.delete_object(Bucket=cfg.bucket, Key=key)
    finally:
        conn.close()


RACES = {
    "slow old version finishes after a fast new one": (slow_old_then_fast_new, None),
    "delete during a slow extraction": (delete_during_slow_extraction, None),
    "delete then re-upload of identical bytes": (delete_then_reupload_identical, None),
    "keys of 1,000 / 1,023 / 1,024 bytes": (long_key, (1000, 1023, 1024)),
}


def play(cfg, race, keys: list[str]) -> dict[str, str]:
    s3 = aws.client(cfg, "s3", max_pool_connections=32)

    def one(position_and_key: tuple[int, str]) -> tuple[str, str | None]:
        position, key = position_and_key
        time.sleep(position * STAGGER_SECONDS)
        conn = db.connect(cfg.database_dsn())
        try:
            return key, race(cfg, s3, conn, key)
        finally:
            conn.close()

    with ThreadPoolExecutor(len(keys)) as pool:
        expected = dict(pool.map(one, enumerate(keys)))
    conn = db.connect(cfg.database_dsn())
    try:
        return settle(cfg, s3, conn, expected)
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=5)
    args = parser.parse_args()
    cfg = config.load()
    slow_pdf()
    warm_up(cfg)
    report = {}
    for name, (race, lengths) in RACES.items():
        run = f"race-{uuid.uuid4().hex[:8]}"
        if lengths:
            keys = [key_of_bytes(cfg, f"{run}-{n}", n) for n in lengths]
        else:
            keys = [f"{cfg.upload_prefix}{run}/file-{i}.pdf" for i in range(args.tries)]
        results = play(cfg, race, keys)
        counts = Counter(results.values())
        report[name] = {"tried": len(keys), **{k: counts.get(k, 0) for k in (STALE, LEFT, LOST)}}
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in report[name].items()), flush=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
