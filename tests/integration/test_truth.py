"""Search tells the truth: after any interleaving of uploads, re-uploads and deletes, once events
settle (no reconcile), extracted/ and the index hold exactly the latest upload of each key, or nothing.

Each seed plays, on several keys at once, a random script that starts with a slow upload (a PDF that
takes seconds to extract) followed, once its extraction is under way (extract's attempt marker has
appeared), by fast re-uploads, deletes and re-uploads of identical bytes at random gaps. The test also
proves from the extract function's log timestamps that the interleaving happened: the slow version's
extraction started before the next change to its key and ended after it.
Seeds are new on every run; replay one with TRUTH_SEEDS=123,456.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from operations import events, search, trace
from pipeline_core.document import SourceVersion
from settings import aws
from tests.integration.races import attempt_marker, key_of_bytes, slow_pdf, small_text, wait_until_extracting
from tests.support import get_json, object_exists, poll_until

SEEDS = (
    [int(seed) for seed in os.environ["TRUTH_SEEDS"].split(",")]
    if os.environ.get("TRUTH_SEEDS")
    else [random.SystemRandom().randrange(1_000_000) for _ in range(3)]
)
KEYS_PER_SEED = 3
CONVERGE_DEADLINE = 120


@dataclass
class Script:
    """What happened to one key: its operations with the time each was sent, and the body it ends with."""

    key: str
    steps: list[tuple[str, float]] = field(default_factory=list)
    final: bytes | None = None
    events: int = 0  # S3 notifications the operations cause (a delete of nothing causes none)


def play(cfg, s3, key: str, rng: random.Random) -> Script:
    script = Script(key)
    last: bytes | None = None

    def put(kind: str, body: bytes, content_type: str) -> None:
        nonlocal last
        script.steps.append((kind, time.time()))
        s3.put_object(Bucket=cfg.bucket, Key=key, Body=body, ContentType=content_type)
        last = script.final = body
        script.events += 1

    put("slow", slow_pdf(), "application/pdf")
    # The first change comes once the slow version's extraction is under way, the others at random gaps.
    wait_until_extracting(cfg, s3, key, timeout=CONVERGE_DEADLINE)
    for step in range(rng.randint(2, 3)):
        if step:
            time.sleep(rng.uniform(0.2, 1.2))
        kind = rng.choice(["fast", "delete", "same"])
        if kind == "delete":
            script.steps.append((kind, time.time()))
            s3.delete_object(Bucket=cfg.bucket, Key=key)
            script.events += script.final is not None
            script.final = None
        elif kind == "same" and last is not None:
            put("same", last, "application/pdf" if last.startswith(b"%PDF") else "text/plain")
        else:
            put("fast", small_text(f"fastword{uuid.uuid4().hex[:8]}"), "text/plain")
    return script


def state(cfg, s3, conn, key: str) -> dict:
    """The key as the bucket and the index hold it now."""
    try:
        upload = SourceVersion.of(s3.head_object(Bucket=cfg.bucket, Key=key))
    except s3.exceptions.ClientError:
        upload = None
    target = cfg.extracted_key(key)
    try:
        head = s3.head_object(Bucket=cfg.bucket, Key=target)
        document = SourceVersion.from_metadata(head["Metadata"])
        content = json.loads(s3.get_object(Bucket=cfg.bucket, Key=target)["Body"].read())["Content"]
    except s3.exceptions.ClientError:
        document, content = None, None
    rows = conn.run(
        "SELECT etag, size, source_last_modified FROM documents WHERE bucket = :b AND key = :k", b=cfg.bucket, k=key
    )
    row = SourceVersion(rows[0][0], rows[0][1], int(rows[0][2].timestamp()) * 1000) if rows else None
    return {"upload": upload, "document": document, "row": row, "content": content}


def converged(seen: dict, final: bytes | None) -> bool:
    if final is None:
        return seen["upload"] is None and seen["document"] is None and seen["row"] is None
    words = final.decode(errors="ignore").split() if not final.startswith(b"%PDF") else ["slowword"]
    return (
        seen["upload"] is not None
        and seen["document"] == seen["upload"] == seen["row"]
        and all(word in (seen["content"] or "") for word in words)
    )


@dataclass
class ExtractLog:
    """The extract function's own log lines about some keys."""

    spans: dict[tuple[str, str], list[tuple[float, float]]]  # (key, upload ETag) -> (started, finished)
    records: dict[str, int]  # key -> records processed (one per event, retries included)


def extract_log(cfg, since_ms: int, keys: set[str]) -> ExtractLog:
    logs = aws.client(cfg, "logs")
    started: dict[tuple[str, str], float] = {}
    log = ExtractLog({}, {})
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=f"/aws/lambda/{cfg.extract_function}", startTime=since_ms
    )
    lines = [json.loads(e["message"]) for page in pages for e in page.get("events", []) if e["message"].startswith("{")]
    for line in sorted(lines, key=lambda line: line["timestamp"]):
        if line.get("key") not in keys:
            continue
        moment = datetime.strptime(line["timestamp"], "%Y-%m-%d %H:%M:%S,%f%z").timestamp()
        if line["message"] == "extraction started":
            started[(line["function_request_id"], line["key"])] = moment
        elif line["message"] == "extraction finished" and (line["function_request_id"], line["key"]) in started:
            begin = started.pop((line["function_request_id"], line["key"]))
            log.spans.setdefault((line["key"], line["etag"]), []).append((begin, moment))
        elif line["message"] == "record processed":
            log.records[line["key"]] = log.records.get(line["key"], 0) + 1
    return log


def interleaved(script: Script, spans: list[tuple[float, float]]) -> bool:
    """Whether an extraction of the slow first version ran across the next change to the key."""
    slow_sent, next_change = script.steps[0][1], script.steps[1][1]
    return any(slow_sent <= start < next_change < end for start, end in spans)


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed={seed}" for seed in SEEDS])
def test_random_interleavings_converge_without_reconcile(cfg, s3, database, seed):
    rng = random.Random(seed)
    run = f"truth-{seed}-{uuid.uuid4().hex[:6]}"
    keys = [f"{cfg.upload_prefix}{run}/file-{i}.pdf" for i in range(KEYS_PER_SEED)]
    rngs = [random.Random(rng.random()) for _ in keys]
    slow_pdf()
    since_ms = int(time.time() * 1000) - 1000
    client = aws.client(cfg, "s3", max_pool_connections=KEYS_PER_SEED * 2)

    with ThreadPoolExecutor(len(keys)) as pool:
        scripts = list(pool.map(lambda pair: play(cfg, client, *pair), zip(keys, rngs, strict=True)))

    story = "; ".join(f"{s.key.rsplit('/', 1)[1]}: {' '.join(kind for kind, _ in s.steps)}" for s in scripts)
    seen: dict[str, dict] = {}

    def settle(what: str, timeout: float) -> None:
        def settled() -> bool:
            seen.update({s.key: state(cfg, s3, database, s.key) for s in scripts})
            return all(converged(seen[s.key], s.final) for s in scripts)

        try:
            poll_until(settled, timeout=timeout, what=what)
        except AssertionError:
            raise AssertionError(f"seed {seed}: no {what} ({story}); last seen: {seen}") from None

    settle("convergence", CONVERGE_DEADLINE)
    # Every event was handled, so no invocation still running can change the outcome ...
    log = poll_until(
        lambda: (
            (found := extract_log(cfg, since_ms, set(keys)))
            and all(found.records.get(s.key, 0) >= s.events for s in scripts)
            and found
        ),
        timeout=CONVERGE_DEADLINE,
        what=f"extract to log every event of seed {seed} ({story})",
    )
    # ... and the outcome still holds.
    settle("convergence once every event was handled", 30)

    slow = hashlib.md5(slow_pdf()).hexdigest()
    overlapping = [s.key for s in scripts if interleaved(s, log.spans.get((s.key, slow), []))]
    assert overlapping, (
        f"seed {seed}: no slow extraction ran across the next change to its key, so nothing interleaved "
        f"({story}; extractions {log.spans})"
    )


def side_by_side(spans: list[tuple[float, float]]) -> int:
    """The most extractions that were running at the same moment."""
    moments = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = most = 0
    for _, change in moments:
        running += change
        most = max(most, running)
    return most


def test_the_same_event_delivered_twice_more_while_a_slow_file_extracts_ends_ok(cfg, s3, lambda_client, run_id):
    """Duplicate events of one upload run side by side; none of them may count the others as killed."""
    key = f"{cfg.upload_prefix}{run_id}/slow.pdf"
    since_ms = int(time.time() * 1000) - 1000
    etag = s3.put_object(Bucket=cfg.bucket, Key=key, Body=slow_pdf(), ContentType="application/pdf")["ETag"]
    assert wait_until_extracting(cfg, s3, key, timeout=CONVERGE_DEADLINE), "the first extraction ended unseen"
    event = json.dumps({"Records": [events.s3_record(cfg.bucket, key, "ObjectCreated:Put", region=cfg.region)]})
    with ThreadPoolExecutor(2) as pool:
        list(
            pool.map(
                lambda _: lambda_client.invoke(
                    FunctionName=cfg.extract_function, InvocationType="Event", Payload=event
                ),
                range(2),
            )
        )

    log = poll_until(
        lambda: (found := extract_log(cfg, since_ms, {key})) and found.records.get(key, 0) >= 3 and found,
        timeout=CONVERGE_DEADLINE,
        what=f"extract to log the three events of {key}",
    )
    document = get_json(s3, cfg.bucket, cfg.extracted_key(key))
    assert document is not None and (document["Status"], document["Error"]) == ("ok", None), document
    assert "slowword" in document["Content"]
    spans = log.spans.get((key, etag.strip('"')), [])
    assert side_by_side(spans) >= 3, f"the duplicate events did not extract alongside the first: {spans}"
    assert not object_exists(s3, cfg.bucket, attempt_marker(key))


@pytest.mark.parametrize("total_bytes", [1000, 1023, 1024])
def test_keys_of_any_length_are_extracted_searchable_and_traceable(cfg, s3, database, run_id, total_bytes):
    key = key_of_bytes(cfg, run_id, total_bytes)
    assert len(key.encode()) == total_bytes
    word = f"longkey{run_id.replace('-', '')}"
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=f"the longest names hold {word}".encode())
    target = cfg.extracted_key(key)
    assert len(target.encode()) <= 1024

    poll_until(
        lambda: key in [hit.key for hit in search.search(database, word)],
        timeout=60,
        what=f"a {total_bytes}-byte key searchable",
    )
    document = json.loads(s3.get_object(Bucket=cfg.bucket, Key=target)["Body"].read())
    assert document["SourceKey"] == key
    [[extracted_key]] = database.run("SELECT extracted_key FROM documents WHERE key = :k", k=key)
    assert extracted_key == target

    for spelling in (key, target):
        text = "\n".join(trace.trace(cfg, spelling))
        assert f"s3://{cfg.bucket}/{key}" in text
        assert "status ok" in text and "indexed    20" in text and "STALE" not in text

    s3.delete_object(Bucket=cfg.bucket, Key=key)
    poll_until(
        lambda: not database.run("SELECT 1 FROM documents WHERE key = :k", k=key),
        timeout=60,
        what=f"the row of the deleted {total_bytes}-byte key removed",
    )
    poll_until(lambda: not object_exists(s3, cfg.bucket, target), timeout=60, what=f"{target} removed")
