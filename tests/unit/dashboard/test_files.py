"""The file page's data: a document that is not a JSON object is a problem shown, not a broken page."""

from __future__ import annotations

from dataclasses import replace

import boto3
import pytest

from dashboard import files
from settings import config
from tests.fakes import REGION, offline_aws

CFG = replace(config.load(), upload_prefix="uploads/", extracted_prefix="extracted/")


@pytest.fixture
def s3(monkeypatch):
    with offline_aws(monkeypatch):
        clients = {service: boto3.client(service, region_name=REGION) for service in ("s3", "sqs", "logs")}
        clients["s3"].create_bucket(Bucket=CFG.bucket)
        clients["sqs"].create_queue(QueueName=CFG.dlq_name)

        def unavailable(*_args, **_kwargs):
            raise ConnectionRefusedError("no database in this test")

        monkeypatch.setattr("settings.aws.client", lambda cfg, service, **_: clients[service])
        monkeypatch.setattr("settings.db.connect", unavailable)
        yield clients["s3"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"[1, 2]", "the extracted document is not a JSON object: insert refuses it"),
        (b'"text"', "the extracted document is not a JSON object: insert refuses it"),
        (b"not json", "the extracted document cannot be read: Expecting value: line 1 column 1 (char 0)"),
    ],
)
def test_a_document_that_is_not_an_object_is_reported(s3, body, problem):
    s3.put_object(Bucket=CFG.bucket, Key="extracted/a.txt", Body=body)
    found = files.detail(CFG, "uploads/a.txt")
    assert found.document is None
    assert problem in found.problems


def test_a_document_object_is_shown(s3):
    s3.put_object(Bucket=CFG.bucket, Key="extracted/a.txt", Body=b'{"Content": "words"}')
    found = files.detail(CFG, "uploads/a.txt")
    assert found.document == {"Content": "words"}
    assert found.problems == [
        "trace failed: no database in this test",
        "the index cannot be read: no database in this test",
    ]
