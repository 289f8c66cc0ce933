"""S3 event records as S3 sends them, for re-driving a stage by hand (reconcile, tests)."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote_plus


def s3_record(bucket: str, key: str, event_name: str, *, region: str, size: int = 0, etag: str = "") -> dict:
    """One record; the key is URL-encoded with '+' for spaces, exactly like S3 does.

    The functions treat a record only as the hint to converge its key, so no sequencer is sent.
    """
    obj = {"key": quote_plus(key, safe="/"), "size": size, "eTag": etag.strip('"')}
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventName": event_name,
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "reconcile",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": obj,
        },
    }
