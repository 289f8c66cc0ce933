"""Stand-ins shared by the unit tests: moto in place of AWS, the context Lambda hands a handler, a document."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pipeline_core.document import Document, SourceVersion

REGION = "us-east-1"


@contextlib.contextmanager
def offline_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto answers every AWS call: no endpoint or profile of a running stack leaks in, credentials are fake."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


@contextlib.contextmanager
def offline_s3(monkeypatch: pytest.MonkeyPatch, bucket: str) -> Iterator[Any]:
    """A moto S3 client with ``bucket`` created (unversioned, like the deployed one)."""
    with offline_aws(monkeypatch):
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=bucket)
        yield client


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that the functions' logger reads."""

    function_name: str
    memory_limit_in_mb: int = 256
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:000000000000:function:{self.function_name}"


def text_document(bucket: str, source_key: str, version: SourceVersion, **changes: Any) -> Document:
    """The document extract writes for a plain-text upload (``changes`` replace any field)."""
    fields: dict[str, Any] = {
        "source_bucket": bucket,
        "source_key": source_key,
        "source": version,
        "content_type": "text/plain",
        "extracted_at_ms": 1_767_225_600_000,
        "status": "ok",
        "content": "The quick brown fox",
        "extractor": "text",
        "encoding": "utf-8",
    }
    return Document(**{**fields, **changes})
