"""The handler end to end against moto's S3."""

import json

import pytest
from extractor.records import RecordsFailed

from tests.fixtures.samples import SAMPLES

CONTRACT_FIELDS = {
    "ExtractedDate", "Content", "SourceBucket", "SourceKey", "Size", "ETag", "ContentType", "Sequencer",
    "Status", "Error", "Extractor", "Encoding", "Pages", "Truncated", "Warnings",
}  # fmt: skip


def _actions(results):
    return [result["action"] for result in results]


def test_every_record_of_an_event_is_processed(bucket, load_handler, lambda_context, record):
    etag = bucket.upload("uploads/notes.txt", SAMPLES["utf8_text"].body)
    bucket.upload("uploads/docs/handbook.pdf", SAMPLES["pdf"].body, "application/pdf")
    bucket.upload("uploads/photo.png", SAMPLES["png"].body, "image/png")
    event = {
        "Records": [
            record("created", "uploads/notes.txt", "0001"),
            record("created", "uploads/docs/handbook.pdf", "0002"),
            record("created", "uploads/photo.png", "0003"),
        ]
    }
    assert _actions(load_handler().handler(event, lambda_context)) == ["written"] * 3

    text, response = bucket.document("extracted/notes.txt")
    assert set(text) == CONTRACT_FIELDS
    assert response["ContentType"] == "application/json"
    assert response["Metadata"] == {"source-etag": etag, "source-sequencer": "0001"}
    assert text["SourceBucket"] == bucket.name
    assert text["SourceKey"] == "uploads/notes.txt"
    assert text["Size"] == len(SAMPLES["utf8_text"].body)
    assert text["ETag"] == etag and '"' not in etag
    assert text["ContentType"] == "text/plain"
    assert text["Sequencer"] == "0001"
    assert (text["Status"], text["Error"], text["Extractor"], text["Encoding"]) == (
        "ok",
        None,
        "text",
        "utf-8",
    )
    assert "Zürich" in text["Content"]
    assert isinstance(text["ExtractedDate"], int) and text["ExtractedDate"] > 1_600_000_000_000
    assert text["Truncated"] is False

    pdf, _ = bucket.document("extracted/docs/handbook.pdf")
    assert (pdf["Status"], pdf["Extractor"], pdf["Pages"]) == ("ok", "pdf", 3)
    assert "reimbursement" in pdf["Content"]

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


def test_a_duplicate_event_does_not_rewrite_the_document(bucket, load_handler, lambda_context, record):
    module = load_handler()
    bucket.upload("uploads/a.txt", b"first")
    event = {"Records": [record("created", "uploads/a.txt", "00A1")]}
    module.handler(event, lambda_context)
    assert _actions(module.handler(event, lambda_context)) == ["duplicate"]
    assert len(bucket.versions("extracted/a.txt")) == 1


def test_an_event_without_sequencer_is_still_deduplicated(bucket, load_handler, lambda_context, record):
    module = load_handler()
    bucket.upload("uploads/a.txt", b"words")
    event = {"Records": [record("created", "uploads/a.txt", sequencer=None)]}
    module.handler(event, lambda_context)
    assert _actions(module.handler(event, lambda_context)) == ["duplicate"]
    document, response = bucket.document("extracted/a.txt")
    assert document["Sequencer"] is None
    assert "source-sequencer" not in response["Metadata"]


def test_a_new_event_for_the_same_content_rewrites_the_document(bucket, load_handler, lambda_context, record):
    module = load_handler()
    bucket.upload("uploads/a.txt", b"first")
    module.handler({"Records": [record("created", "uploads/a.txt", "00A1")]}, lambda_context)
    module.handler({"Records": [record("created", "uploads/a.txt", "00A2")]}, lambda_context)
    assert len(bucket.versions("extracted/a.txt")) == 2
    assert bucket.document("extracted/a.txt")[0]["Sequencer"] == "00A2"


def test_new_content_under_the_same_event_sequencer_rewrites_the_document(
    bucket, load_handler, lambda_context, record
):
    module = load_handler()
    event = {"Records": [record("created", "uploads/a.txt", "00A1")]}
    bucket.upload("uploads/a.txt", b"first")
    module.handler(event, lambda_context)
    bucket.upload("uploads/a.txt", b"second")
    assert _actions(module.handler(event, lambda_context)) == ["written"]
    assert bucket.document("extracted/a.txt")[0]["Content"] == "second"


def test_a_late_event_reads_the_object_as_it_is_now(bucket, load_handler, lambda_context, record):
    bucket.upload("uploads/a.txt", b"old words")
    new_etag = bucket.upload("uploads/a.txt", b"new words")
    load_handler().handler({"Records": [record("created", "uploads/a.txt")]}, lambda_context)
    document, _ = bucket.document("extracted/a.txt")
    assert (document["Content"], document["ETag"]) == ("new words", new_etag)


def test_created_event_for_an_upload_deleted_since_writes_nothing(
    bucket, load_handler, lambda_context, record
):
    results = load_handler().handler({"Records": [record("created", "uploads/gone.txt")]}, lambda_context)
    assert _actions(results) == ["source-gone"]
    assert bucket.keys("extracted/") == []


def test_removed_upload_deletes_its_document(bucket, load_handler, lambda_context, record):
    module = load_handler()
    bucket.upload("uploads/a b.txt", b"words")
    module.handler({"Records": [record("created", "uploads/a b.txt")]}, lambda_context)
    bucket.delete("uploads/a b.txt")

    results = module.handler({"Records": [record("removed", "uploads/a b.txt")]}, lambda_context)
    assert _actions(results) == ["deleted"]
    assert bucket.keys("extracted/") == []

    again = module.handler({"Records": [record("removed", "uploads/a b.txt")]}, lambda_context)
    assert _actions(again) == ["already-absent"]


def test_removed_event_keeps_the_document_of_an_upload_that_exists_again(
    bucket, load_handler, lambda_context, record
):
    module = load_handler()
    bucket.upload("uploads/a.txt", b"words")
    module.handler({"Records": [record("created", "uploads/a.txt")]}, lambda_context)
    results = module.handler({"Records": [record("removed", "uploads/a.txt")]}, lambda_context)
    assert _actions(results) == ["source-exists"]
    assert bucket.keys("extracted/") == ["extracted/a.txt"]


def test_objects_outside_the_upload_prefix_are_ignored(bucket, load_handler, lambda_context, record):
    bucket.upload("elsewhere/a.txt", b"words")
    bucket.upload("uploads/folder/", b"")
    event = {"Records": [record("created", "elsewhere/a.txt"), record("created", "uploads/folder/")]}
    assert _actions(load_handler().handler(event, lambda_context)) == ["ignored", "ignored"]
    assert bucket.keys("extracted/") == []


def test_records_from_other_sources_are_skipped(bucket, load_handler, lambda_context):
    event = {"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}
    assert load_handler().handler(event, lambda_context) == []


def test_oversized_upload_is_recorded_without_being_read(bucket, load_handler, lambda_context, record):
    bucket.upload("uploads/big.txt", b"x" * 2000)
    module = load_handler(MAX_OBJECT_BYTES="1000")
    module.handler({"Records": [record("created", "uploads/big.txt")]}, lambda_context)
    document, _ = bucket.document("extracted/big.txt")
    assert (document["Status"], document["Content"], document["Size"]) == ("too_large", "", 2000)
    assert "MAX_OBJECT_BYTES=1000" in document["Error"]


def test_long_content_is_capped_and_flagged(bucket, load_handler, lambda_context, record):
    bucket.upload("uploads/long.txt", b"word " * 100)
    module = load_handler(MAX_CONTENT_CHARS="50")
    module.handler({"Records": [record("created", "uploads/long.txt")]}, lambda_context)
    document, _ = bucket.document("extracted/long.txt")
    assert (len(document["Content"]), document["Truncated"], document["Status"]) == (50, True, "ok")


def test_custom_prefixes(bucket, load_handler, lambda_context, record):
    bucket.upload("incoming/a.txt", b"words")
    module = load_handler(UPLOAD_PREFIX="incoming/", EXTRACTED_PREFIX="text/")
    module.handler({"Records": [record("created", "incoming/a.txt")]}, lambda_context)
    assert bucket.document("text/a.txt")[0]["Content"] == "words"


def test_infrastructure_errors_are_raised_after_the_other_records(
    bucket, load_handler, lambda_context, record
):
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


def test_logs_are_structured_json_with_the_outcome_of_each_record(
    bucket, load_handler, lambda_context, record, caplog
):
    module = load_handler()
    bucket.upload("uploads/a.txt", b"words")
    module.handler({"Records": [record("created", "uploads/a.txt")]}, lambda_context)
    formatter = module.logger.registered_formatter
    lines = [json.loads(formatter.format(entry)) for entry in caplog.records if entry.name == "extract"]
    written = [line for line in lines if line["message"] == "document written"]
    assert len(written) == 1
    assert written[0]["key"] == "uploads/a.txt"
    assert written[0]["target"] == "extracted/a.txt"
    assert written[0]["status"] == "ok"
    assert written[0]["service"] == "extract"
    assert written[0]["function_request_id"] == lambda_context.aws_request_id
