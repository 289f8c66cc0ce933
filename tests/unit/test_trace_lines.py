"""trace's whole answer, line by line: each stage's line for a settled, a missing, a shortened and a
non-file key; times in UTC whatever the machine's zone; the newest log lines of both functions."""

import json
import time
from dataclasses import replace
from datetime import datetime, timezone

import boto3
import pytest
from moto import mock_aws

from operations import trace as trace_module
from pipeline_core.document import SourceVersion
from settings import config

CFG = replace(config.load(), upload_prefix="uploads/", extracted_prefix="extracted/")
KEY, DOC = "uploads/r.txt", "extracted/r.txt"
LONG = "uploads/" + "ü" * 508  # its document key is shortened
EXTRACTED_MS = 1_767_225_600_250  # 2026-01-01 00:00:00.250 UTC
INDEXED_AT = datetime(2026, 1, 1, 0, 0, 1, 500_000, tzinfo=timezone.utc)


@pytest.fixture
def far_from_utc(monkeypatch):
    """The machine's local time zone 5 hours off UTC: trace must still print UTC."""
    monkeypatch.setenv("TZ", "XYZ-5")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class Logs:
    """CloudWatch Logs' FilterLogEvents paginator over ``groups`` (name -> pages of events)."""

    class exceptions:  # the shape of a botocore client's exceptions attribute
        class ResourceNotFoundException(Exception):
            pass

    def __init__(self, groups):
        self.groups = groups

    def get_paginator(self, operation):
        assert operation == "filter_log_events"
        return self

    def paginate(self, logGroupName):
        if logGroupName not in self.groups:
            raise self.exceptions.ResourceNotFoundException(logGroupName)
        return iter(self.groups[logGroupName])


class Index:
    """The index's one query for trace, from ``rows`` (upload key -> row)."""

    def __init__(self, rows):
        self.rows = rows

    def run(self, sql, b, k):
        assert " ".join(sql.split()) == (
            "SELECT indexed_at, status, etag, size, source_last_modified FROM documents WHERE bucket = :b AND key = :k"
        )
        return [self.rows[k]] if b == CFG.bucket and k in self.rows else []

    def close(self):
        pass


@pytest.fixture
def stack(monkeypatch, far_from_utc):
    """moto's S3 and SQS, a fake CloudWatch Logs, and the index rows (``stack["rows"]``)."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        clients = {service: boto3.client(service, region_name="us-east-1") for service in ("s3", "sqs")}
        clients["logs"] = Logs({})
        clients["s3"].create_bucket(Bucket=CFG.bucket)
        clients["sqs"].create_queue(QueueName=CFG.dlq_name)
        rows = {}

        def client(cfg, service, **_):
            assert cfg is CFG, "clients of the configured stack"
            return clients[service]

        def connect(dsn):
            assert dsn == CFG.database_dsn(), "the configured stack's database"
            return Index(rows)

        monkeypatch.setattr("settings.aws.client", client)
        monkeypatch.setattr("settings.db.connect", connect)
        yield {**clients, "rows": rows}


def upload(stack, key: str, body: bytes) -> tuple[SourceVersion, str]:
    stack["s3"].put_object(Bucket=CFG.bucket, Key=key, Body=body)
    head = stack["s3"].head_object(Bucket=CFG.bucket, Key=key)
    uploaded = head["LastModified"].astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.000 UTC")
    return SourceVersion.of(head), uploaded


def document(stack, upload_key: str, version: SourceVersion, **fields) -> str:
    target = CFG.extracted_key(upload_key)
    body = {
        "ExtractedDate": EXTRACTED_MS,
        "SourceBucket": CFG.bucket,
        "SourceKey": upload_key,
        "Size": version.size,
        "ETag": version.etag,
        "SourceLastModified": version.last_modified_ms,
        "Status": "ok",
        "Extractor": "text",
        "Content": "words",
        **fields,
    }
    stored(stack, target, json.dumps(body).encode(), version)
    return target


def stored(stack, target: str, body: bytes, version: SourceVersion) -> None:
    stack["s3"].put_object(Bucket=CFG.bucket, Key=target, Body=body, Metadata=version.metadata())


def row(version: SourceVersion, status="ok"):
    modified = datetime.fromtimestamp(version.last_modified_ms / 1000, tz=timezone.utc)
    return [INDEXED_AT, status, version.etag, version.size, modified]


def test_a_settled_file_reads_stage_by_stage_in_utc(stack):
    version, uploaded = upload(stack, KEY, b"some words")
    document(stack, KEY, version)
    stack["rows"][KEY] = row(version)
    assert trace_module.trace(CFG, "r.txt") == [
        f"trace of s3://{CFG.bucket}/{KEY}",
        f"  uploaded   {uploaded}  10 bytes, ETag {version.etag}",
        "  extracted  2026-01-01 00:00:00.250 UTC  status ok, extractor text, 5 chars",
        "  indexed    2026-01-01 00:00:01.500 UTC  status ok",
    ]


def test_a_file_that_never_was_has_a_dash_at_every_stage(stack):
    assert trace_module.trace(CFG, KEY) == [
        f"trace of s3://{CFG.bucket}/{KEY}",
        "  uploaded   -  (no such upload now)",
        f"  extracted  -  (no {DOC})",
        "  indexed    -  (not in the search index)",
    ]


def test_a_folder_placeholder_is_not_a_file(stack):
    assert trace_module.trace(CFG, "uploads/folder/")[2] == "  extracted  -  (no document: not a file under uploads/)"


def test_a_failed_extraction_shows_its_error(stack):
    version, _ = upload(stack, KEY, b"%PDF-1.7 encrypted")
    document(stack, KEY, version, Status="failed", Error="the PDF is encrypted", Extractor="pdf", Content="")
    assert trace_module.trace(CFG, KEY)[2] == (
        "  extracted  2026-01-01 00:00:00.250 UTC  status failed (the PDF is encrypted), extractor pdf, 0 chars"
    )


def test_an_unsupported_file_names_no_extractor(stack):
    version, _ = upload(stack, KEY, b"{\\rtf1 words}")
    document(stack, KEY, version, Status="unsupported", Error="RTF document is not a supported format", Extractor=None)
    assert trace_module.trace(CFG, KEY)[2] == (
        "  extracted  2026-01-01 00:00:00.250 UTC  status unsupported (RTF document is not a supported format), 5 chars"
    )


def test_a_truncated_text_says_so(stack):
    version, _ = upload(stack, KEY, b"many words")
    document(stack, KEY, version, Truncated=True)
    assert trace_module.trace(CFG, KEY)[2] == (
        "  extracted  2026-01-01 00:00:00.250 UTC  status ok, extractor text, 5 chars (truncated: MAX_CONTENT_CHARS)"
    )


def test_a_documents_warnings_are_shown(stack):
    version, _ = upload(stack, KEY, b"caf\xe9")
    document(stack, KEY, version, Warnings=["1 byte(s) were not cp1252 text and were replaced", "read as plain text"])
    assert trace_module.trace(CFG, KEY)[2] == (
        "  extracted  2026-01-01 00:00:00.250 UTC  status ok, extractor text, 5 chars; "
        "warnings: 1 byte(s) were not cp1252 text and were replaced; read as plain text"
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON: Expecting value: line 1 column 1 (char 0)"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({"SourceKey": KEY, "ExtractedDate": "yesterday"}).encode(), "SourceBucket is missing"),
    ],
)
def test_what_is_not_a_document_is_named_not_a_crash(stack, body, reason):
    version, _ = upload(stack, KEY, b"text")
    stored(stack, DOC, body, version)
    written = stack["s3"].head_object(Bucket=CFG.bucket, Key=DOC)["LastModified"]
    at = written.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.000 UTC")
    assert trace_module.trace(CFG, KEY)[2] == f"  extracted  {at}  NOT A DOCUMENT ({reason}): insert refuses it"


def test_a_shortened_document_key_is_followed_to_its_upload_and_named(stack):
    version, _ = upload(stack, LONG, b"long name")
    target = document(stack, LONG, version)
    stack["rows"][LONG] = row(version)
    out = trace_module.trace(CFG, target)  # asked by the document's key: only its SourceKey names the upload
    assert out[0] == f"trace of s3://{CFG.bucket}/{LONG}"
    assert out[2] == (
        "  extracted  2026-01-01 00:00:00.250 UTC  status ok, extractor text, 5 chars, "
        f"document {target} (key shortened)"
    )
    assert out[3] == "  indexed    2026-01-01 00:00:01.500 UTC  status ok"


def test_orphaned_stages_are_marked_once_each(stack):
    version = SourceVersion("e1", 3, 1_767_225_600_000)
    document(stack, KEY, version)
    stack["rows"][KEY] = row(version)
    out = trace_module.trace(CFG, KEY)
    assert out[1:] == [
        "  uploaded   -  (no such upload now)",
        "  extracted  2026-01-01 00:00:00.250 UTC  status ok, extractor text, 5 chars  ORPHAN: its upload is gone",
        "  indexed    2026-01-01 00:00:01.500 UTC  status ok  ORPHAN: its upload is gone",
    ]


def event(at_ms: int, message: str) -> dict:
    return {"timestamp": at_ms, "message": message}


def test_log_lines_are_the_newest_twenty_of_both_functions_in_time_order(stack):
    base = EXTRACTED_MS
    # extract's group is missing (no invocation yet): insert's lines are still shown.
    stack["logs"].groups = {
        f"/aws/lambda/{CFG.insert_function}": [
            {"events": [event(base + 10 * i, f"  indexed {DOC} #{i}\n") for i in range(15)]},
            {},  # a page without events
            {"events": [event(base + 10 * i + 5, f"indexed {DOC} #{i}b") for i in range(15)]},
            {"events": [event(base + 1, "indexed extracted/other.txt")]},
        ]
    }
    lines = trace_module.log_lines(CFG, [KEY, DOC])
    assert len(lines) == 20
    assert lines[0] == f"2026-01-01 00:00:00.300 UTC [{CFG.insert_function}]   indexed {DOC} #5"
    assert lines[-1] == f"2026-01-01 00:00:00.395 UTC [{CFG.insert_function}] indexed {DOC} #14b"

    stack["logs"].groups[f"/aws/lambda/{CFG.extract_function}"] = [{"events": [event(base + 400, f"started {KEY}")]}]
    assert trace_module.log_lines(CFG, [KEY, DOC])[-1] == (
        f"2026-01-01 00:00:00.650 UTC [{CFG.extract_function}] started {KEY}"
    )


def test_a_trace_ends_with_its_log_lines(stack):
    stack["logs"].groups = {f"/aws/lambda/{CFG.extract_function}": [{"events": [event(EXTRACTED_MS, f"x {KEY}")]}]}
    out = trace_module.trace(CFG, KEY)
    assert out[-2:] == ["  log lines:", f"    2026-01-01 00:00:00.250 UTC [{CFG.extract_function}] x {KEY}"]
