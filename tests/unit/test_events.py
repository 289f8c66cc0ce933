"""Records made by hand (reconcile, tests) look like S3's: the functions read them back to the same key."""

from operations.events import s3_record
from pipeline_core.events import CREATED, REMOVED, parse_record


def test_a_record_round_trips_every_key_s3_accepts():
    for key in ("uploads/a b/Résumé+final 100%.txt", "uploads/東京/~x?&=#.txt", "uploads/plain.txt"):
        record = s3_record("bucket", key, "ObjectCreated:Put", region="eu-west-1", size=7, etag='"abc"')
        change = parse_record(record)
        assert (change.kind, change.bucket, change.key, change.event_name) == (
            CREATED,
            "bucket",
            key,
            "ObjectCreated:Put",
        )
    assert record["s3"]["object"]["key"] == "uploads/plain.txt"  # slashes kept, as S3 sends them
    assert (record["awsRegion"], record["s3"]["object"]["size"], record["s3"]["object"]["eTag"]) == (
        "eu-west-1",
        7,
        "abc",
    )
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::bucket"
    assert record["eventTime"].endswith("Z") and "sequencer" not in record["s3"]["object"]


def test_spaces_are_encoded_as_plus_like_s3():
    record = s3_record("b", "uploads/a b+c.txt", "ObjectRemoved:Delete", region="us-east-1")
    assert record["s3"]["object"]["key"] == "uploads/a+b%2Bc.txt"
    assert parse_record(record).kind == REMOVED
