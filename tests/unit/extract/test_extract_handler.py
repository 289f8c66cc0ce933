"""The extract function end to end against moto's S3: every record converges its key."""

import json

import pytest

from bench.samples import SAMPLES
from pipeline_core.document import JSON_FIELDS, SourceVersion
from pipeline_core.records import RecordsFailed


def _actions(results):
    return [result["action"] for result in results]


def test_every_record_of_an_event_is_processed(bucket, load_handler, lambda_context, record):
    etag = bucket.upload("uploads/notes.txt", SAMPLES["utf8_text"].body)
    bucket.upload("uploads/docs/handbook.pdf", SAMPLES["pdf"].body, "application/pdf")
    bucket.upload("uploads/photo.png", SAMPLES["png"].body, "image/png")
    event = {
        "Records": [
            record("created", "uploads/notes.txt"),
            record("created", "uploads/docs/handbook.pdf"),
            record("created", "uploads/photo.png"),
        ]
    }
    assert _actions(load_handler().handler(event, lambda_context)) == ["written"] * 3

    text, response = bucket.document("extracted/notes.txt")
    assert tuple(text) == JSON_FIELDS
    head = bucket.client.head_object(Bucket=bucket.name, Key="uploads/notes.txt")
    assert response["ContentType"] == "application/json"
    assert response["Metadata"] == SourceVersion.of(head).metadata()
    assert (text["SourceBucket"], text["SourceKey"]) == (bucket.name, "uploads/notes.txt")
    assert text["Size"] == len(SAMPLES["utf8_text"].body)
    assert text["ETag"] == etag and '"' not in etag
    assert text["SourceLastModified"] == SourceVersion.of(head).last_modified_ms
    assert text["ContentType"] == "text/plain"
    assert (text["Status"], text["Error"], text["Extractor"], text["Encoding"]) == ("ok", None, "text", "utf-8")
    assert "Zürich" in text["Content"]
    assert isinstance(text["ExtractedDate"], int) and text["ExtractedDate"] >= text["SourceLastModified"]
    assert text["Truncated"] is False

    pdf, _ = bucket.document("extracted/docs/handbook.pdf")
    assert (pdf["Status"], pdf["Extractor"], pdf["Pages"]) == ("ok", "pdf", 3)
    png, _ = bucket.document("extracted/photo.png")
    assert (png["Status"], png["Content"]) == ("unsupported", "")
    assert "PNG" in png["Error"]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_gets_a_document(bucket, load_handler, lambda_context, record, name):
    sample = SAMPLES[name]
    key = f"uploads/samples/{sample.filename}"
    bucket.upload(key, sample.body, sample.content_type)
    load_handler().handler({"Records": [record("created", key)]}, lambda_context)
    document, _ = bucket.document(f"extracted/samples/{sample.filename}")
    assert document["Status"] == sample.expected_status
    assert all(word in document["Content"] for word in sample.expected_words)
    assert document["Size"] == len(sample.body)


def test_keys_with_spaces_plus_percent_and_unicode(bucket, load_handler, lambda_context, record):
    key = "uploads/2024 Q1/Résumé+final 100% 東京.txt"
    bucket.upload(key, b"quarterly figures")
    load_handler().handler({"Records": [record("created", key)]}, lambda_context)
    document, _ = bucket.document("extracted/2024 Q1/Résumé+final 100% 東京.txt")
    assert (document["SourceKey"], document["Content"]) == (key, "quarterly figures")


def test_a_key_of_1024_bytes_gets_a_shortened_document_key(bucket, load_handler, lambda_context, record):
    key = "uploads/" + "ü" * 508
    assert len(key.encode()) == 1024
    bucket.upload(key, b"longest words")
    assert _actions(load_handler().handler({"Records": [record("created", key)]}, lambda_context)) == ["written"]
    [target] = bucket.keys("extracted/")
    assert len(target.encode()) <= 1024 and target.startswith("extracted/üüü")
    assert bucket.document(target)[0]["SourceKey"] == key


def test_a_duplicate_event_does_not_rewrite_the_document(bucket, load_handler, lambda_context, record):
    module = load_handler()
    bucket.upload("uploads/a.txt", b"first")
    event = {"Records": [record("created", "uploads/a.txt")]}
    module.handler(event, lambda_context)
    first = bucket.client.head_object(Bucket=bucket.name, Key="extracted/a.txt")
    assert _actions(module.handler(event, lambda_context)) == ["current"]
    assert bucket.client.head_object(Bucket=bucket.name, Key="extracted/a.txt")["ETag"] == first["ETag"]


def test_any_event_converges_the_key_to_the_bucket_as_it_is_now(bucket, load_handler, lambda_context, record):
    module = load_handler()
    bucket.upload("uploads/a.txt", b"old words")
    new_etag = bucket.upload("uploads/a.txt", b"new words")
    # a removed event for an upload that exists: the event is only a hint
    assert _actions(module.handler({"Records": [record("removed", "uploads/a.txt")]}, lambda_context)) == ["written"]
    document, _ = bucket.document("extracted/a.txt")
    assert (document["Content"], document["ETag"]) == ("new words", new_etag)


def test_a_document_from_an_older_version_is_replaced(bucket, load_handler, lambda_context, record):
    module = load_handler()
    bucket.upload("uploads/a.txt", b"first")
    module.handler({"Records": [record("created", "uploads/a.txt")]}, lambda_context)
    bucket.upload("uploads/a.txt", b"second")
    assert _actions(module.handler({"Records": [record("created", "uploads/a.txt")]}, lambda_context)) == ["written"]
    assert bucket.document("extracted/a.txt")[0]["Content"] == "second"


def test_a_document_without_a_recorded_version_is_replaced(bucket, load_handler, lambda_context, record):
    bucket.upload("uploads/a.txt", b"words")
    bucket.client.put_object(Bucket=bucket.name, Key="extracted/a.txt", Body=b"{}", Metadata={"source-etag": "x"})
    load_handler().handler({"Records": [record("created", "uploads/a.txt")]}, lambda_context)
    assert bucket.document("extracted/a.txt")[0]["Content"] == "words"


def test_created_event_for_an_upload_deleted_since_writes_nothing(bucket, load_handler, lambda_context, record):
    results = load_handler().handler({"Records": [record("created", "uploads/gone.txt")]}, lambda_context)
    assert _actions(results) == ["absent"]
    assert bucket.keys("extracted/") == []


def test_removed_upload_deletes_its_document(bucket, load_handler, lambda_context, record):
    module = load_handler()
    bucket.upload("uploads/a b.txt", b"words")
    module.handler({"Records": [record("created", "uploads/a b.txt")]}, lambda_context)
    bucket.delete("uploads/a b.txt")
    assert _actions(module.handler({"Records": [record("removed", "uploads/a b.txt")]}, lambda_context)) == ["deleted"]
    assert bucket.keys("extracted/") == []
    assert _actions(module.handler({"Records": [record("removed", "uploads/a b.txt")]}, lambda_context)) == ["absent"]


def test_objects_outside_the_upload_prefix_are_ignored(bucket, load_handler, lambda_context, record):
    bucket.upload("elsewhere/a.txt", b"words")
    bucket.upload("uploads/folder/", b"")
    event = {"Records": [record("created", "elsewhere/a.txt"), record("created", "uploads/folder/")]}
    assert _actions(load_handler().handler(event, lambda_context)) == ["ignored", "ignored"]
    assert bucket.keys("extracted/") == []


def test_records_from_other_sources_are_skipped(bucket, load_handler, lambda_context):
    assert load_handler().handler({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}, lambda_context) == []


def test_oversized_upload_is_recorded_without_being_read(bucket, load_handler, lambda_context, record):
    bucket.upload("uploads/big.txt", b"x" * 2000)
    load_handler(MAX_OBJECT_BYTES="1000").handler({"Records": [record("created", "uploads/big.txt")]}, lambda_context)
    document, _ = bucket.document("extracted/big.txt")
    assert (document["Status"], document["Content"], document["Size"]) == ("too_large", "", 2000)
    assert "MAX_OBJECT_BYTES=1000" in document["Error"]


def test_long_content_is_capped_and_flagged(bucket, load_handler, lambda_context, record):
    bucket.upload("uploads/long.txt", b"word " * 100)
    load_handler(MAX_CONTENT_CHARS="50").handler({"Records": [record("created", "uploads/long.txt")]}, lambda_context)
    document, _ = bucket.document("extracted/long.txt")
    assert (len(document["Content"]), document["Truncated"], document["Status"]) == (50, True, "ok")


def test_custom_prefixes(bucket, load_handler, lambda_context, record):
    bucket.upload("incoming/a.txt", b"words")
    module = load_handler(UPLOAD_PREFIX="incoming/", EXTRACTED_PREFIX="text/")
    module.handler({"Records": [record("created", "incoming/a.txt")]}, lambda_context)
    assert bucket.document("text/a.txt")[0]["Content"] == "words"


def test_the_function_refuses_to_start_without_its_settings(load_handler, monkeypatch):
    monkeypatch.delenv("MAX_OBJECT_BYTES", raising=False)
    with pytest.raises(ValueError, match="MAX_OBJECT_BYTES is not set"):
        load_handler(MAX_OBJECT_BYTES="")


def test_infrastructure_errors_are_raised_after_the_other_records(bucket, load_handler, lambda_context, record):
    bucket.upload("uploads/good.txt", b"words")
    event = {
        "Records": [
            record("created", "uploads/lost.txt", bucket="no-such-bucket"),
            record("created", "uploads/good.txt"),
            record("removed", "uploads/other.txt", bucket="no-such-bucket"),
        ]
    }
    with pytest.raises(RecordsFailed) as raised:
        load_handler().handler(event, lambda_context)
    assert raised.value.failed_keys == ["uploads/lost.txt", "uploads/other.txt"]
    assert "2 of 3 records failed" in str(raised.value)
    assert bucket.document("extracted/good.txt")[0]["Content"] == "words"


def test_logs_are_structured_json_with_the_outcome_of_each_record(bucket, load_handler, lambda_context, record, caplog):
    module = load_handler()
    bucket.upload("uploads/a.txt", b"words")
    module.handler({"Records": [record("created", "uploads/a.txt")]}, lambda_context)
    formatter = module.logger.registered_formatter
    lines = [json.loads(formatter.format(entry)) for entry in caplog.records if entry.name == "extract"]
    assert [line["message"] for line in lines] == ["extraction started", "extraction finished", "record processed"]
    started, finished, processed = lines
    assert started["key"] == finished["key"] == "uploads/a.txt" and finished["status"] == "ok"
    assert (processed["action"], processed["key"], processed["target"], processed["status"]) == (
        "written",
        "uploads/a.txt",
        "extracted/a.txt",
        "ok",
    )
    assert processed["service"] == "extract"
    assert processed["function_request_id"] == lambda_context.aws_request_id
