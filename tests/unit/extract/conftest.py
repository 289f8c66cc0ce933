"""S3 test doubles and a fresh handler for the extract function's tests (its folder is on the
``pythonpath`` in pyproject.toml, so ``extractor`` imports as the function imports it).

``lambdas/insert`` also has a ``handler.py``, so the handler is loaded from its
file under the unique module name ``extract_handler`` instead of ``handler``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from extract_samples import BUCKET, FUNCTION_ENVIRONMENT  # this folder is on sys.path, like insert_samples

from operations import events
from tests.fakes import LambdaContext, offline_s3

FUNCTION_DIR = Path(__file__).resolve().parents[3] / "lambdas" / "extract"


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext("file-extraction-extract")


@pytest.fixture
def s3(monkeypatch):
    """A moto S3 with the project bucket (unversioned, like the deployed one)."""
    with offline_s3(monkeypatch, BUCKET) as client:
        yield client


class BucketUnderTest:
    """The test bucket with the few operations the handler tests need."""

    def __init__(self, client, name: str) -> None:
        self.client = client
        self.name = name

    def upload(self, key: str, body: bytes, content_type: str = "text/plain") -> str:
        """Put an object; return its ETag without quotes."""
        self.client.put_object(Bucket=self.name, Key=key, Body=body, ContentType=content_type)
        return self.client.head_object(Bucket=self.name, Key=key)["ETag"].strip('"')

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=key)

    def document(self, key: str) -> tuple[dict, dict]:
        """An extracted document, parsed, and the GetObject response it came with."""
        response = self.client.get_object(Bucket=self.name, Key=key)
        return json.loads(response["Body"].read()), response

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return [item["Key"] for item in listing.get("Contents", [])]


@pytest.fixture
def bucket(s3) -> BucketUnderTest:
    return BucketUnderTest(s3, BUCKET)


@pytest.fixture
def load_handler(monkeypatch, s3):
    """Load a fresh handler module (a cold start) with the given environment variables."""

    def load(**environment: str):
        for name, value in {**FUNCTION_ENVIRONMENT, **environment}.items():
            monkeypatch.setenv(name, value)
        spec = importlib.util.spec_from_file_location("extract_handler", FUNCTION_DIR / "handler.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


def s3_record(kind: str, key: str, bucket: str = BUCKET) -> dict:
    """An S3 notification record as S3 sends it (key form-encoded)."""
    event_name = "ObjectCreated:Put" if kind == "created" else "ObjectRemoved:Delete"
    return events.s3_record(bucket, key, event_name, region="us-east-1")


@pytest.fixture
def record():
    return s3_record
