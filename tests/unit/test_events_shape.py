"""A hand-made record has every field of an S3 notification record (event message structure 2.1),
with the values S3 would send: the functions and tools that read it see a real record."""

import re

from operations.events import s3_record


def test_a_record_has_the_shape_and_values_s3_sends():
    record = s3_record("bucket", "uploads/a b/c.txt", "ObjectCreated:Put", region="eu-west-1")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record.pop("eventTime"))
    assert record == {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "eu-west-1",
        "eventName": "ObjectCreated:Put",
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "reconcile",
            "bucket": {"name": "bucket", "arn": "arn:aws:s3:::bucket"},
            "object": {"key": "uploads/a+b/c.txt", "size": 0, "eTag": ""},
        },
    }
