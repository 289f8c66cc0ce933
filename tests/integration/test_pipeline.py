"""End to end: upload under uploads/ -> extracted/ JSON -> indexed and searchable -> delete."""

from __future__ import annotations

import json
import time

import pytest

from operations import events, search
from tests.support import get_json, object_exists, poll_until

EXTRACT_DEADLINE = 30
SEARCH_DEADLINE = 30


def wait_for_document(cfg, s3, key: str, *, predicate=lambda doc: True) -> dict:
    target = cfg.extracted_key(key)
    return poll_until(
        lambda: (doc := get_json(s3, cfg.bucket, target)) and predicate(doc) and doc,
        timeout=EXTRACT_DEADLINE,
        what=f"s3://{cfg.bucket}/{target}",
    )


def hits_for(database, query: str) -> list[str]:
    return [hit.key for hit in search.search(database, query, limit=50)]


def test_upload_produces_extracted_document_with_design_fields(cfg, s3, run_id):
    key = f"{cfg.upload_prefix}{run_id}/notes.txt"
    body = b"this is a full test of the extraction pipeline\n"
    put = s3.put_object(Bucket=cfg.bucket, Key=key, Body=body, ContentType="text/plain")
    before_ms = int(time.time() * 1000) - 5000

    doc = wait_for_document(cfg, s3, key)

    assert doc["Content"].strip() == body.decode().strip()
    assert isinstance(doc["ExtractedDate"], int) and doc["ExtractedDate"] >= before_ms
    assert doc["SourceBucket"] == cfg.bucket
    assert doc["SourceKey"] == key
    assert doc["Size"] == len(body)
    assert doc["ETag"] == put["ETag"].strip('"')
    assert doc["ContentType"].startswith("text/plain")
    assert doc["Status"] == "ok" and doc["Error"] is None and doc["Truncated"] is False
    head = s3.head_object(Bucket=cfg.bucket, Key=cfg.extracted_key(key))
    assert head["ContentType"] == "application/json"


@pytest.mark.parametrize(
    "relative",
    [
        "with space/My File.txt",
        "plus+sign/a+b=c.txt",
        "percent/100% sure.txt",
        "unicodé/日本語の文書.txt",
        "deep/a/b/c/d/e/f/nested.txt",
    ],
)
def test_awkward_keys_map_to_the_same_relative_key(cfg, s3, run_id, relative):
    key = f"{cfg.upload_prefix}{run_id}/{relative}"
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=f"content of {relative}".encode())

    doc = wait_for_document(cfg, s3, key)

    assert doc["SourceKey"] == key
    assert doc["Content"] == f"content of {relative}"
    listed = s3.list_objects_v2(Bucket=cfg.bucket, Prefix=f"{cfg.extracted_prefix}{run_id}/")
    assert [o["Key"] for o in listed.get("Contents", [])] == [cfg.extracted_key(key)]


def test_upload_becomes_searchable_and_delete_removes_it_everywhere(cfg, s3, database, run_id):
    word = f"zebrafish{run_id.replace('-', '')}"
    key = f"{cfg.upload_prefix}{run_id}/report.txt"
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=f"quarterly report about {word} migration".encode())

    poll_until(lambda: key in hits_for(database, word), timeout=SEARCH_DEADLINE, what=f"{key} searchable by {word}")

    s3.delete_object(Bucket=cfg.bucket, Key=key)

    poll_until(
        lambda: not object_exists(s3, cfg.bucket, cfg.extracted_key(key)),
        timeout=EXTRACT_DEADLINE,
        what=f"{cfg.extracted_key(key)} deleted",
    )
    poll_until(lambda: key not in hits_for(database, word), timeout=SEARCH_DEADLINE, what=f"{key} unsearchable")


def test_reupload_replaces_the_indexed_content(cfg, s3, database, run_id):
    tag = run_id.replace("-", "")
    old, new = f"oldword{tag}", f"newword{tag}"
    key = f"{cfg.upload_prefix}{run_id}/doc.txt"
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=f"first version {old}".encode())
    poll_until(lambda: key in hits_for(database, old), timeout=SEARCH_DEADLINE, what="first version indexed")

    s3.put_object(Bucket=cfg.bucket, Key=key, Body=f"second version {new}".encode())

    poll_until(lambda: key in hits_for(database, new), timeout=SEARCH_DEADLINE, what="second version indexed")
    assert key not in hits_for(database, old)
    rows = database.run("SELECT count(*) FROM documents WHERE bucket = :b AND key = :k", b=cfg.bucket, k=key)
    assert rows[0][0] == 1


def test_duplicate_event_delivery_is_harmless(cfg, s3, lambda_client, database, run_id):
    key = f"{cfg.upload_prefix}{run_id}/dup.txt"
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=b"delivered more than once")
    target = cfg.extracted_key(key)
    wait_for_document(cfg, s3, key)
    poll_until(lambda: key in hits_for(database, "delivered"), timeout=SEARCH_DEADLINE, what="indexed")
    first = s3.head_object(Bucket=cfg.bucket, Key=target)

    head = s3.head_object(Bucket=cfg.bucket, Key=key)
    event = {"Records": [_record(cfg, "ObjectCreated:Put", key, head)]}
    for _ in range(2):
        response = lambda_client.invoke(FunctionName=cfg.extract_function, Payload=json.dumps(event).encode())
        assert "FunctionError" not in response, response["Payload"].read()

    again = s3.head_object(Bucket=cfg.bucket, Key=target)
    assert again["ETag"] == first["ETag"], "a duplicate event rewrote the extracted document"
    rows = database.run("SELECT count(*) FROM documents WHERE bucket = :b AND key = :k", b=cfg.bucket, k=key)
    assert rows[0][0] == 1


def test_many_records_in_one_event_are_all_processed(cfg, s3, lambda_client, run_id):
    keys = [f"{cfg.upload_prefix}{run_id}/batch {i}.txt" for i in range(5)]
    for i, key in enumerate(keys):
        s3.put_object(Bucket=cfg.bucket, Key=key, Body=f"batch file {i}".encode())
    for key in keys:
        wait_for_document(cfg, s3, key)
        s3.delete_object(Bucket=cfg.bucket, Key=cfg.extracted_key(key))

    records = [_record(cfg, "ObjectCreated:Put", k, s3.head_object(Bucket=cfg.bucket, Key=k)) for k in keys]
    response = lambda_client.invoke(
        FunctionName=cfg.extract_function, Payload=json.dumps({"Records": records}).encode()
    )

    assert "FunctionError" not in response, response["Payload"].read()
    for i, key in enumerate(keys):
        assert get_json(s3, cfg.bucket, cfg.extracted_key(key))["Content"] == f"batch file {i}"


def _record(cfg, event_name: str, key: str, head: dict) -> dict:
    return events.s3_record(
        cfg.bucket, key, event_name, region=cfg.region, size=head["ContentLength"], etag=head["ETag"]
    )


def test_phrase_or_and_exclusion_search_through_the_pipeline(cfg, s3, database, run_id):
    tag = run_id.split("-")[1]
    files = {
        "a.txt": "the red kettle boils water quickly",
        "b.txt": "water the red roses, never the kettle",
        "c.txt": "a blue teapot beside the red kettle",
    }
    keys = {name: f"{cfg.upload_prefix}{run_id}/{name}" for name in files}
    for name, text in files.items():
        s3.put_object(Bucket=cfg.bucket, Key=keys[name], Body=text.encode())
    for key in keys.values():
        poll_until(lambda key=key: key in hits_for(database, tag), timeout=SEARCH_DEADLINE, what=f"{key} indexed")

    assert set(hits_for(database, f'{tag} "red kettle"')) == {keys["a.txt"], keys["c.txt"]}
    assert set(hits_for(database, f"{tag} kettle -teapot")) == {keys["a.txt"], keys["b.txt"]}
    assert set(hits_for(database, f"{tag} roses or {tag} teapot")) == {keys["b.txt"], keys["c.txt"]}
