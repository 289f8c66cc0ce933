"""trace without a stack: which upload a key names, how a stale stage reads, and whole traces
against moto (S3, SQS, CloudWatch Logs) with a stand-in for the index's one query."""

import io
import json
from dataclasses import replace
from datetime import datetime, timezone

import boto3
import pytest

from operations import trace as trace_module
from operations.trace import _stale, normalise_key
from pipeline_core.document import SourceVersion
from settings import config
from tests.fakes import offline_aws

CFG = replace(config.load(), upload_prefix="uploads/", extracted_prefix="extracted/")
NOW = SourceVersion("e2", 12, 1_767_225_601_000)


def test_a_key_can_be_given_as_upload_document_or_relative_key():
    for spelling in ("a/b.txt", "uploads/a/b.txt", "extracted/a/b.txt"):
        assert normalise_key(CFG, spelling) == "uploads/a/b.txt"


class DocumentReads:
    """An S3 client with the one call normalise_key may make: GetObject of a document."""

    exceptions = boto3.client("s3", region_name="us-east-1").exceptions

    def __init__(self, documents: dict[str, dict]):
        self.documents = documents
        self.reads: list[str] = []

    def get_object(self, Bucket, Key):
        self.reads.append(Key)
        if Key not in self.documents:
            raise self.exceptions.ClientError({"Error": {"Code": "NoSuchKey", "Message": "gone"}}, "GetObject")
        return {"Body": io.BytesIO(json.dumps(self.documents[Key]).encode())}


SHORTENED = "extracted/a/long-name~" + "0" * 64


def test_a_plain_document_key_is_mapped_without_reading_the_document():
    s3 = DocumentReads({"extracted/a/b.txt": {"SourceKey": "uploads/somewhere/else.txt"}})
    assert normalise_key(CFG, "extracted/a/b.txt", s3) == "uploads/a/b.txt"
    assert s3.reads == []


def test_a_shortened_document_key_is_looked_up_in_its_document():
    s3 = DocumentReads({SHORTENED: {"SourceKey": "uploads/a/the-long-name.txt"}})
    assert normalise_key(CFG, SHORTENED, s3) == "uploads/a/the-long-name.txt"
    assert s3.reads == [SHORTENED]


@pytest.mark.parametrize(
    "s3",
    [
        None,
        DocumentReads({}),
        DocumentReads({SHORTENED: ["not", "an", "object"]}),
        DocumentReads({SHORTENED: {}}),
        DocumentReads({SHORTENED: {"SourceKey": 5}}),
    ],
    ids=["no-client", "no-document", "not-an-object", "no-source-key", "source-key-not-text"],
)
def test_a_shortened_key_whose_document_is_not_found_names_the_same_relative_upload(s3):
    assert normalise_key(CFG, SHORTENED, s3) == "uploads/a/long-name~" + "0" * 64


def test_a_stage_of_the_current_version_is_not_marked():
    assert _stale("indexed", NOW, NOW) == ""


def test_a_stage_of_another_version_names_both_versions():
    mark = _stale("extracted", SourceVersion("e1", 10, 1_767_225_600_000), NOW)
    assert "STALE: extracted from ETag e1, 10 bytes, uploaded 2026-01-01 00:00:00 UTC" in mark
    assert "the upload is now ETag e2, 12 bytes, uploaded 2026-01-01 00:00:01 UTC" in mark
    assert "a version that was not recorded" in _stale("indexed", None, NOW)


# --- a whole trace against moto (S3, SQS, CloudWatch Logs) and a stand-in for the index -----------

KEY, DOC = "uploads/r.txt", "extracted/r.txt"


class Index:
    """The one query trace runs, answered from ``rows`` (upload key -> row)."""

    def __init__(self, rows):
        self.rows = rows

    def run(self, sql, b, k):
        assert "FROM documents WHERE bucket = :b AND key = :k" in sql
        return [self.rows[k]] if b == CFG.bucket and k in self.rows else []

    def close(self):
        pass


@pytest.fixture
def aws(monkeypatch):
    with offline_aws(monkeypatch):
        clients = {service: boto3.client(service, region_name="us-east-1") for service in ("s3", "sqs", "logs")}
        clients["s3"].create_bucket(Bucket=CFG.bucket)
        clients["sqs"].create_queue(QueueName=CFG.dlq_name)
        monkeypatch.setattr("settings.aws.client", lambda _cfg, service, **_: clients[service])
        yield clients


def index_row(version: SourceVersion | None, status="ok"):
    modified = datetime.fromtimestamp(version.last_modified_ms / 1000, tz=timezone.utc) if version else None
    return [
        datetime(2026, 1, 1, tzinfo=timezone.utc),
        status,
        version and version.etag,
        version and version.size,
        modified,
    ]


def put(aws, key, body: bytes, **extra) -> SourceVersion:
    aws["s3"].put_object(Bucket=CFG.bucket, Key=key, Body=body, **extra)
    return SourceVersion.of(aws["s3"].head_object(Bucket=CFG.bucket, Key=key))


def put_document(aws, version: SourceVersion | None, status="ok", error=None):
    body = {
        "ExtractedDate": 1_767_225_600_000,
        "Status": status,
        "Error": error,
        "Extractor": "text",
        "Content": "words",
        "SourceBucket": CFG.bucket,
        "SourceKey": KEY,
        "Size": version.size if version else 0,
        "ETag": version.etag if version else "e0",
        "SourceLastModified": version.last_modified_ms if version else 0,
    }
    put(aws, DOC, json.dumps(body).encode(), Metadata=version.metadata() if version else {})


def run_trace(aws, monkeypatch, rows):
    monkeypatch.setattr("settings.db.connect", lambda dsn: Index(rows))
    return "\n".join(trace_module.trace(CFG, KEY))


def test_a_settled_file_has_no_marks(aws, monkeypatch):
    current = put(aws, KEY, b"new words")
    put_document(aws, current)
    out = run_trace(aws, monkeypatch, {KEY: index_row(current)})
    assert f"ETag {current.etag}" in out and "status ok, extractor text, 5 chars" in out
    assert "STALE" not in out and "ORPHAN" not in out and "FAILED" not in out and "-  (not in" not in out


def test_stages_of_an_older_version_are_marked_stale(aws, monkeypatch):
    old = put(aws, KEY, b"old")
    put_document(aws, old)
    current = put(aws, KEY, b"new words, longer")
    out = run_trace(aws, monkeypatch, {KEY: index_row(old)})
    extracted = next(line for line in out.splitlines() if line.startswith("  extracted"))
    assert "status ok" in extracted
    stale = [line.strip() for line in out.splitlines() if "STALE" in line]
    assert stale == [
        f"STALE: {stage} from {old.describe()}; the upload is now {current.describe()}"
        for stage in ("extracted", "indexed")
    ]


def test_a_row_without_a_recorded_version_is_stale(aws, monkeypatch):
    current = put(aws, KEY, b"words")
    put_document(aws, current)
    out = run_trace(aws, monkeypatch, {KEY: index_row(None)})
    assert "STALE: indexed from a version that was not recorded" in out


def test_stages_of_a_deleted_upload_are_orphans(aws, monkeypatch):
    put_document(aws, SourceVersion("e1", 3, 1_767_225_600_000))
    out = run_trace(aws, monkeypatch, {KEY: index_row(SourceVersion("e1", 3, 1_767_225_600_000))})
    assert "no such upload now" in out
    assert [line.split()[0] for line in out.splitlines() if "ORPHAN: its upload is gone" in line] == [
        "extracted",
        "indexed",
    ]


def test_failures_in_the_dead_letter_queue_are_reported(aws, monkeypatch):
    current = put(aws, KEY, b"words")
    put_document(aws, current, status="failed", error="the PDF is encrypted")
    url = aws["sqs"].get_queue_url(QueueName=CFG.dlq_name)["QueueUrl"]
    for key in (DOC, "extracted/other.txt"):
        aws["sqs"].send_message(
            QueueUrl=url,
            MessageBody=json.dumps(
                {
                    "timestamp": 1_767_225_600_000,
                    "requestContext": {
                        "functionArn": f"arn:aws:lambda:us-east-1:0:function:{CFG.insert_function}",
                        "condition": "RetriesExhausted",
                        "approximateInvokeCount": 3,
                    },
                    "requestPayload": {"Records": [{"s3": {"object": {"key": key}}}]},
                    "responsePayload": {"errorType": "RecordsFailed", "errorMessage": f"database down for {key}"},
                }
            ),
        )
    out = run_trace(aws, monkeypatch, {})
    assert "status failed (the PDF is encrypted)" in out and "not in the search index" in out
    failed = [line.strip() for line in out.splitlines() if "FAILED" in line]
    assert failed == [
        f"FAILED     2026-01-01T00:00:00.000+00:00  {CFG.insert_function}: RecordsFailed: database down for {DOC}"
    ]


def test_log_lines_of_the_file_are_shown_in_time_order(aws, monkeypatch):
    current = put(aws, KEY, b"words")
    put_document(aws, current)
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)  # CloudWatch refuses events older than 14 days
    for function, at, message in [
        (CFG.insert_function, 3000, f"indexed {DOC}"),
        (CFG.extract_function, 1000, f"extraction started {KEY}"),
        (CFG.extract_function, 2000, "extraction started uploads/other.txt"),
    ]:
        group = f"/aws/lambda/{function}"
        if not aws["logs"].describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
            aws["logs"].create_log_group(logGroupName=group)
            aws["logs"].create_log_stream(logGroupName=group, logStreamName="s")
        aws["logs"].put_log_events(
            logGroupName=group, logStreamName="s", logEvents=[{"timestamp": now_ms - 10_000 + at, "message": message}]
        )
    out = run_trace(aws, monkeypatch, {KEY: index_row(current)}).splitlines()
    logged = out[out.index("  log lines:") + 1 :]
    assert [line.split("] ")[1] for line in logged] == [f"extraction started {KEY}", f"indexed {DOC}"]


@pytest.mark.parametrize("key", ["", "  "])
def test_the_command_asks_for_a_file_when_given_none(key, capsys):
    from cli import app

    assert app.main(["trace", key]) == 1
    assert capsys.readouterr().err == "error: say which file: make trace key=uploads/report.pdf\n"
