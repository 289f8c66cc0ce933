"""Events, documents and stand-ins shared by the insert function's unit tests."""

from __future__ import annotations

import json
from dataclasses import dataclass

BUCKET = "file-upload-extraction-example"


class FakeIndex:
    """Records what would be written to the search index."""

    def __init__(self):
        self.upserted = []
        self.deleted = []
        self.rows: set[tuple[str, str]] = set()

    def upsert(self, document) -> str:
        self.upserted.append(document)
        self.rows.add((document.bucket, document.key))
        return "inserted"

    def delete(self, bucket: str, key: str) -> bool:
        self.deleted.append((bucket, key))
        if (bucket, key) in self.rows:
            self.rows.remove((bucket, key))
            return True
        return False


def extracted_document(**overrides) -> dict:
    document = {
        "ExtractedDate": 1_767_225_600_000,
        "Content": "The quick brown fox",
        "SourceBucket": BUCKET,
        "SourceKey": "uploads/notes/fox.txt",
        "Size": 19,
        "ETag": "9e107d9d372bb6826bd81d3542a419d6",
        "ContentType": "text/plain",
        "Sequencer": "0055AED6DCD90281E5",
        "Status": "ok",
        "Error": None,
        "Extractor": "text",
        "Encoding": "utf-8",
        "Pages": None,
        "Truncated": False,
    }
    document.update(overrides)
    return document


def put_document(s3, key: str, **overrides) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(extracted_document(**overrides)).encode(), ContentType="application/json")


def record(event_name: str, key: str, bucket: str = BUCKET) -> dict:
    """An S3 notification record; ``key`` is given as S3 sends it (URL-encoded)."""
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "eventName": event_name,
        "s3": {"bucket": {"name": bucket}, "object": {"key": key, "sequencer": "0055AED6DCD90281E5"}},
    }


@dataclass
class LambdaContext:
    function_name: str = "file-extraction-insert"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:file-extraction-insert"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
