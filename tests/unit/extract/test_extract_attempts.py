"""Attempt markers: an extraction the function did not survive is recorded by a later attempt, and
attempts running side by side (duplicate events, identical re-uploads) never fail a healthy file."""

import dataclasses
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bootstrap.iam import ATTEMPT_MARKER_PREFIX
from extractor import attempts
from extractor import sync as extract_sync
from extractor.attempts import Attempt, Marker
from extractor.outcome import OK, Extraction

BIG = b"lighthouse keeper notes\n" * (attempts.MARKED_BYTES // 24 + 10)
KEY = "uploads/k.txt"
BIG_SIZE = len(BIG)
RUNNING = 2**62  # a deadline that has not passed: the run may still be going


def _attempt(request: str = "event-1", deadline_ms: int = RUNNING) -> Attempt:
    return Attempt(request, deadline_ms)


def _extract(bucket, attempt, extract, *, key=KEY, etag="e1", size=BIG_SIZE):
    """One run of the function extracting ``key`` at version ``etag``."""
    with Marker(bucket.client, bucket=bucket.name, key=key, attempt=attempt) as marker:
        return marker.extract(etag=etag, size=size, extract=extract)


def _fine():
    return Extraction(OK, content="fine")


def _dies(bucket, attempt, *, key=KEY, etag="e1"):
    """A run stopped while extracting: out of memory (a timeout kill leaves the marker the same way)."""

    def out_of_memory():
        raise MemoryError

    with pytest.raises(MemoryError):
        _extract(bucket, attempt, out_of_memory, key=key, etag=etag)


def _entries(bucket, key=KEY) -> list[dict]:
    if attempts.marker_key(key) not in bucket.keys(attempts.MARKER_PREFIX):
        return []
    body = bucket.client.get_object(Bucket=bucket.name, Key=attempts.marker_key(key))["Body"].read()
    return json.loads(body)["attempts"]


@pytest.fixture
def context(lambda_context):
    """Lambda's context of an invocation with the given request id (and time left)."""
    return lambda request, remaining_ms=60_000: dataclasses.replace(
        lambda_context, aws_request_id=request, remaining_ms=remaining_ms
    )


def _past_deadline() -> int:
    return attempts._now_ms() - attempts.DEADLINE_GRACE_MS - 1


# --- through the handler ------------------------------------------------------------------------------


def test_a_large_upload_is_marked_while_it_is_extracted_and_unmarked_after(
    bucket, load_handler, record, context, monkeypatch
):
    handler = load_handler()
    bucket.upload("uploads/big.txt", BIG)
    seen = []
    real = extract_sync.extract_body
    monkeypatch.setattr(
        extract_sync, "extract_body", lambda *args: seen.append(_entries(bucket, "uploads/big.txt")) or real(*args)
    )

    handler.handler({"Records": [record("created", "uploads/big.txt")]}, context("event-1"))

    assert [[entry["request"] for entry in entries] for entries in seen] == [["event-1"]]
    assert _entries(bucket, "uploads/big.txt") == []
    assert bucket.document("extracted/big.txt")[0]["Status"] == "ok"


def test_a_duplicate_event_of_a_large_upload_leaves_no_marker_and_the_document_as_it_was(
    bucket, load_handler, record, context
):
    """The duplicate's first pass extracts under the marker before its write finds the document there."""
    handler, events = load_handler(), {"Records": [record("created", "uploads/big.txt")]}
    bucket.upload("uploads/big.txt", BIG)
    handler.handler(events, context("event-1"))
    before = bucket.client.head_object(Bucket=bucket.name, Key="extracted/big.txt")["ETag"]

    handler.handler(events, context("event-1-again"))

    assert bucket.client.head_object(Bucket=bucket.name, Key="extracted/big.txt")["ETag"] == before
    assert _entries(bucket, "uploads/big.txt") == []
    assert not bucket.keys(attempts.MARKER_PREFIX)


def test_retries_of_an_event_killed_twice_record_the_failure_without_extracting(bucket, load_handler, record, context):
    """Lambda retries an event under its request id, sooner than the killed run's deadline."""
    etag = bucket.upload("uploads/killer.txt", BIG)
    _dies(bucket, _attempt("event-1"), key="uploads/killer.txt", etag=etag)
    _dies(bucket, _attempt("event-1"), key="uploads/killer.txt", etag=etag)

    load_handler().handler({"Records": [record("created", "uploads/killer.txt")]}, context("event-1"))

    document, _ = bucket.document("extracted/killer.txt")
    assert (document["Status"], document["Content"]) == ("failed", "")
    assert "did not finish in 2 attempts" in document["Error"] and "memory or time" in document["Error"]
    assert _entries(bucket, "uploads/killer.txt") == []


def test_duplicate_events_and_identical_re_uploads_running_side_by_side_all_end_ok(
    bucket, load_handler, record, context, monkeypatch
):
    """A slow, healthy file: two runs (the event and its duplicate) are still extracting when the same bytes
    are uploaded again and a third run handles that upload's event."""
    handler = load_handler()
    key, events = "uploads/slow.txt", {"Records": [record("created", "uploads/slow.txt")]}
    bucket.upload(key, BIG)
    inside, release = threading.Semaphore(0), threading.Event()
    held = []
    real = extract_sync.extract_body

    def slow(*args):
        if len(held) < 2:  # the first two extractions wait until the third run is done
            held.append(1)
            inside.release()
            assert release.wait(30), "the third run did not finish"
        return real(*args)

    monkeypatch.setattr(extract_sync, "extract_body", slow)
    with ThreadPoolExecutor(2) as pool:
        running = [pool.submit(handler.handler, events, context(request)) for request in ("event-1", "event-2")]
        assert inside.acquire(timeout=30) and inside.acquire(timeout=30), "two runs extracting at once"
        bucket.upload(key, BIG)  # the same bytes again: same ETag, a new version
        handler.handler(events, context("event-3"))
        release.set()
        for run in running:
            run.result(timeout=30)

    document, _ = bucket.document("extracted/slow.txt")
    assert (document["Status"], document["Error"]) == ("ok", None)
    assert "lighthouse keeper notes" in document["Content"]
    assert _entries(bucket, key) == []


# --- the rule ----------------------------------------------------------------------------------------


def test_a_small_upload_needs_no_marker(bucket):
    calls = []
    result = _extract(bucket, _attempt(), lambda: calls.append(1) or Extraction(OK), size=100)
    assert (result.status, calls, bucket.keys(attempts.MARKER_PREFIX)) == ("ok", [1], [])


def test_one_death_is_retried(bucket):
    _dies(bucket, _attempt("event-1"))
    assert _extract(bucket, _attempt("event-1"), _fine).content == "fine"


def test_runs_of_other_events_within_their_deadline_may_be_running_and_do_not_count(bucket):
    for request in ("event-1", "event-2", "event-3"):
        _dies(bucket, _attempt(request))  # stands for a run still going when the next one starts
    assert _extract(bucket, _attempt("event-4"), _fine).content == "fine"


def test_runs_of_other_events_past_their_deadline_count_so_a_re_drive_records_the_failure(bucket):
    _dies(bucket, _attempt("event-1", _past_deadline()))
    _dies(bucket, _attempt("event-1", _past_deadline()))
    result = _extract(bucket, _attempt("redrive-1"), lambda: pytest.fail("extracted again"))
    assert (result.status, result.error) == ("failed", result.error)
    assert "did not finish in 2 attempts" in result.error
    assert [entry["request"] for entry in _entries(bucket)] == ["event-1", "event-1"]  # the re-drive adds none


def test_a_run_that_records_the_failure_leaves_the_marker_without_reading_it_again(bucket, monkeypatch):
    _dies(bucket, _attempt("event-1", _past_deadline()))
    _dies(bucket, _attempt("event-1", _past_deadline()))
    with Marker(bucket.client, bucket=bucket.name, key=KEY, attempt=_attempt("redrive-1")) as marker:
        assert marker.extract(etag="e1", size=BIG_SIZE, extract=_fine).status == "failed"
        monkeypatch.setattr(bucket.client, "get_object", lambda **kwargs: pytest.fail("marker read on leaving"))


def test_a_second_delivery_of_an_event_alongside_its_first_run_still_extracts(bucket):
    _dies(bucket, _attempt("event-1"))  # stands for the first run, still going
    assert _extract(bucket, _attempt("event-1"), _fine).content == "fine"


def test_a_run_does_not_count_its_own_earlier_passes(bucket):
    """An identical re-upload during extraction makes the same run extract the same ETag again."""
    attempt = _attempt("event-1")
    with Marker(bucket.client, bucket=bucket.name, key=KEY, attempt=attempt) as marker:
        results = [marker.extract(etag="e1", size=len(BIG), extract=_fine).status for _ in range(3)]
        assert [entry["run"] for entry in _entries(bucket)] == [attempt.run]
    assert (results, _entries(bucket)) == (["ok"] * 3, [])


def test_a_retry_after_a_death_does_not_count_its_own_earlier_passes_either(bucket):
    """One dead run plus the retry's own entry from its first pass must not make two deaths."""
    _dies(bucket, _attempt("event-1"))
    retry = _attempt("event-1")
    with Marker(bucket.client, bucket=bucket.name, key=KEY, attempt=retry) as marker:
        results = [marker.extract(etag="e1", size=BIG_SIZE, extract=_fine).status for _ in range(2)]
    assert results == ["ok", "ok"]


def test_which_entries_name_a_run_that_died():
    attempt, now = _attempt("event-1", deadline_ms=1_000), 1_000 + attempts.DEADLINE_GRACE_MS + 1
    assert not attempt.counts_as_dead(attempt.entry(), now)  # this run itself, even past its deadline
    assert attempt.counts_as_dead({"request": "event-1", "run": "earlier", "deadline": RUNNING}, now)
    assert not attempt.counts_as_dead({"request": "event-2", "run": "other", "deadline": RUNNING}, now)
    assert attempt.counts_as_dead({"request": "event-2", "run": "other", "deadline": 1_000}, now)
    assert not attempt.counts_as_dead({"request": "event-2", "run": "other", "deadline": 1_000}, now - 1)
    assert not attempt.counts_as_dead({"request": "event-2", "run": "other", "deadline": "1000"}, now)


def test_an_ordinary_error_takes_out_only_the_runs_own_entry(bucket):
    _dies(bucket, _attempt("event-1"))

    def broken():
        raise ConnectionError("S3 read failed")

    with pytest.raises(ConnectionError):
        _extract(bucket, _attempt("event-2"), broken)
    assert [entry["request"] for entry in _entries(bucket)] == ["event-1"]


def test_a_run_that_ends_without_a_document_takes_out_its_entry(bucket):
    _extract(bucket, _attempt("event-1"), _fine)  # e.g. the upload was deleted meanwhile
    assert bucket.keys(attempts.MARKER_PREFIX) == []


def test_a_new_version_starts_afresh(bucket):
    _dies(bucket, _attempt("event-1"), etag="old")
    _dies(bucket, _attempt("event-1"), etag="old")
    assert _extract(bucket, _attempt("event-1"), _fine, etag="new").status == "ok"


def test_leaving_after_the_upload_changed_keeps_the_new_versions_marker(bucket):
    first = _attempt("event-1")
    with Marker(bucket.client, bucket=bucket.name, key=KEY, attempt=first) as marker:
        marker.extract(etag="old", size=BIG_SIZE, extract=_fine)
        _dies(bucket, _attempt("event-2"), etag="new")  # a run of the new version replaced the marker
    assert [entry["request"] for entry in _entries(bucket)] == ["event-2"]


def test_the_marker_is_created_only_if_absent_and_is_json(bucket, monkeypatch):
    puts = []
    real_put = bucket.client.put_object
    monkeypatch.setattr(bucket.client, "put_object", lambda **kwargs: puts.append(kwargs) or real_put(**kwargs))
    _dies(bucket, _attempt("event-1"))
    created = bucket.client.head_object(Bucket=bucket.name, Key=attempts.marker_key(KEY))
    _dies(bucket, _attempt("event-2"))
    # Each run first tries to create it; the second finds it there and updates it conditionally.
    assert [put.get("IfNoneMatch") for put in puts] == ["*", "*", None]
    assert puts[2]["IfMatch"] == created["ETag"]
    assert created["ContentType"] == "application/json"
    assert bucket.client.head_object(Bucket=bucket.name, Key=attempts.marker_key(KEY))["ContentType"] == (
        "application/json"
    )


def test_runs_entering_the_marker_at_once_keep_both_entries(bucket, monkeypatch):
    """Another run adds its entry between this run's read of the marker and its write."""
    _dies(bucket, _attempt("event-1"))
    real_put = bucket.client.put_object
    raced = []

    def put_after_another_run(**kwargs):
        if not raced:
            raced.append(1)
            _dies(bucket, _attempt("event-2"))
        return real_put(**kwargs)

    monkeypatch.setattr(bucket.client, "put_object", put_after_another_run)
    _dies(bucket, _attempt("event-3"))
    assert sorted(entry["request"] for entry in _entries(bucket)) == ["event-1", "event-2", "event-3"]


def test_a_marker_that_is_not_ours_is_replaced(bucket):
    bucket.client.put_object(Bucket=bucket.name, Key=attempts.marker_key(KEY), Body=b"not json")
    _dies(bucket, _attempt("event-1"))
    assert [entry["request"] for entry in _entries(bucket)] == ["event-1"]


def test_the_attempt_of_a_lambda_context_is_its_request_and_deadline(context):
    before = time.time_ns() // 1_000_000
    attempt = Attempt.of(context("event-9", 5_000))
    assert attempt.request_id == "event-9"
    assert before + 5_000 <= attempt.deadline_ms <= time.time_ns() // 1_000_000 + 5_000
    assert Attempt.of(context("event-9")).run != Attempt.of(context("event-9")).run


def test_marker_keys_are_short_for_the_longest_keys_and_the_policy_allows_them():
    assert len(attempts.marker_key("uploads/" + "k" * 1016).encode()) < 100
    assert ATTEMPT_MARKER_PREFIX == attempts.MARKER_PREFIX


def _refused(code: str):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": code}}, "PutObject")


def test_entries_that_are_not_a_list_are_none(bucket):
    body = json.dumps({"key": KEY, "etag": "e1", "attempts": 5}).encode()
    bucket.client.put_object(Bucket=bucket.name, Key=attempts.marker_key(KEY), Body=body)
    _dies(bucket, _attempt("event-1"))
    assert [entry["request"] for entry in _entries(bucket)] == ["event-1"]


def test_a_marker_deleted_between_read_and_write_is_read_again(bucket, monkeypatch):
    _dies(bucket, _attempt("event-1"))
    real_put, refusals = bucket.client.put_object, []

    def put(**kwargs):
        if "IfMatch" in kwargs and not refusals:
            refusals.append(1)
            raise _refused("NoSuchKey")  # If-Match on a marker deleted meanwhile answers 404
        return real_put(**kwargs)

    monkeypatch.setattr(bucket.client, "put_object", put)
    _dies(bucket, _attempt("event-2"))
    assert [entry["request"] for entry in _entries(bucket)] == ["event-1", "event-2"]


def test_a_marker_other_runs_keep_changing_is_given_up_and_not_touched_on_leaving(bucket, monkeypatch):
    puts = []

    def always_beaten(**kwargs):
        puts.append(kwargs)
        raise _refused("PreconditionFailed")

    monkeypatch.setattr(bucket.client, "put_object", always_beaten)
    real_get, gets = bucket.client.get_object, []
    monkeypatch.setattr(bucket.client, "get_object", lambda **kwargs: gets.append(1) or real_get(**kwargs))
    assert _extract(bucket, _attempt("event-1"), _fine).status == "ok"  # the extraction goes on
    # one attempt to create it, then as many conditional updates as reads; leaving reads nothing
    assert (len(puts), len(gets)) == (attempts.MARKER_WRITE_TRIES + 1, attempts.MARKER_WRITE_TRIES)


def test_an_upload_of_exactly_the_marked_size_is_marked_and_unmarked(bucket, monkeypatch):
    with Marker(bucket.client, bucket=bucket.name, key=KEY, attempt=_attempt()) as marker:
        seen = []
        marker.extract(etag="e1", size=attempts.MARKED_BYTES, extract=lambda: seen.append(_entries(bucket)) or _fine())
        assert len(seen[0]) == 1
        marker.document_written(attempts.MARKED_BYTES)
        assert bucket.keys(attempts.MARKER_PREFIX) == []
        monkeypatch.setattr(bucket.client, "get_object", lambda **kwargs: pytest.fail("marker read on leaving"))


def test_a_new_marker_costs_one_conditional_put_and_no_read(bucket, monkeypatch):
    puts, gets = [], []
    real_put, real_get = bucket.client.put_object, bucket.client.get_object
    monkeypatch.setattr(bucket.client, "put_object", lambda **kwargs: puts.append(kwargs) or real_put(**kwargs))
    monkeypatch.setattr(bucket.client, "get_object", lambda **kwargs: gets.append(kwargs) or real_get(**kwargs))
    _dies(bucket, _attempt("event-1"))
    assert ([put.get("IfNoneMatch") for put in puts], gets) == (["*"], [])
    assert [entry["request"] for entry in _entries(bucket)] == ["event-1"]


def test_a_marker_deleted_between_create_and_update_is_created_again_only_if_absent(bucket, monkeypatch):
    """The create finds a marker, which is gone when the update reads it: the update creates it."""
    _dies(bucket, _attempt("event-1"))
    real_put, puts = bucket.client.put_object, []

    def put(**kwargs):
        puts.append(kwargs)
        if len(puts) == 1:
            bucket.client.delete_object(Bucket=bucket.name, Key=attempts.marker_key(KEY))
            raise _refused("PreconditionFailed")
        return real_put(**kwargs)

    monkeypatch.setattr(bucket.client, "put_object", put)
    _dies(bucket, _attempt("event-2"))
    assert [(p.get("IfNoneMatch"), p.get("IfMatch")) for p in puts] == [("*", None), ("*", None)]
    assert [entry["request"] for entry in _entries(bucket)] == ["event-2"]
