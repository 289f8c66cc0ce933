"""Bucket notifications are merged, not clobbered, and recursion loops are refused (moto S3)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from bootstrap import storage
from bootstrap.lost_rows import lost_buckets
from bootstrap.report import Report

BUCKET = "bucket"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"


@pytest.fixture()
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def ours() -> list[dict]:
    return [
        storage.lambda_notification("extract-uploads", ARN.format("extract"), "uploads/"),
        storage.lambda_notification("insert-extracted", ARN.format("insert"), "extracted/"),
    ]


def quiet() -> Report:
    return Report(log=lambda *_: None)


def test_first_run_creates_then_second_run_is_unchanged(s3):
    first, second = quiet(), quiet()
    storage.ensure_notifications(s3, BUCKET, ours(), first)
    storage.ensure_notifications(s3, BUCKET, ours(), second)

    assert first.outcomes["created"] == 1
    assert not second.changed
    ids = {c["Id"] for c in s3.get_bucket_notification_configuration(Bucket=BUCKET)["LambdaFunctionConfigurations"]}
    assert ids == {"extract-uploads", "insert-extracted"}


def test_other_notifications_survive(s3):
    foreign = storage.lambda_notification("someone-else", ARN.format("other"), "other/")
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET, NotificationConfiguration={"LambdaFunctionConfigurations": [foreign]}
    )

    storage.ensure_notifications(s3, BUCKET, ours(), quiet())

    ids = {c["Id"] for c in s3.get_bucket_notification_configuration(Bucket=BUCKET)["LambdaFunctionConfigurations"]}
    assert ids == {"someone-else", "extract-uploads", "insert-extracted"}


def test_changed_prefix_updates_our_entry_only(s3):
    storage.ensure_notifications(s3, BUCKET, ours(), quiet())
    moved = [storage.lambda_notification("extract-uploads", ARN.format("extract"), "incoming/"), ours()[1]]
    report = quiet()

    storage.ensure_notifications(s3, BUCKET, moved, report)

    assert report.outcomes["updated"] == 1
    configs = s3.get_bucket_notification_configuration(Bucket=BUCKET)["LambdaFunctionConfigurations"]
    prefixes = {c["Id"]: c["Filter"]["Key"]["FilterRules"][0]["Value"] for c in configs}
    assert prefixes == {"extract-uploads": "incoming/", "insert-extracted": "extracted/"}


@pytest.mark.parametrize(
    "upload, extracted",
    [("uploads/", "uploads/out/"), ("data/", "data/"), ("out/in/", "out/")],
)
def test_overlapping_prefixes_are_refused(upload, extracted):
    with pytest.raises(
        storage.RecursionLoopError,
        match=f"EXTRACTED_PREFIX '{extracted}' and UPLOAD_PREFIX '{upload}' overlap.*recursion loop",
    ):
        storage.check_prefixes(upload, extracted)


@pytest.mark.parametrize("upload, extracted", [("", "extracted/"), ("uploads/", ""), ("", "")])
def test_empty_prefixes_are_refused(upload, extracted):
    with pytest.raises(storage.RecursionLoopError, match="must both be non-empty"):
        storage.check_prefixes(upload, extracted)


def test_distinct_prefixes_are_accepted():
    storage.check_prefixes("uploads/", "extracted/")


def test_notifications_are_compared_as_aws_answers_them():
    # AWS answers filter rule names capitalised ("Prefix") and may list events in another order.
    ours = storage.lambda_notification("extract-uploads", ARN.format("extract"), "uploads/")
    answered = {
        **ours,
        "Events": list(reversed(ours["Events"])),
        "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "uploads/"}]}},
    }
    current = {
        "ResponseMetadata": {"RequestId": "r"},
        "LambdaFunctionConfigurations": [answered],
        "QueueConfigurations": [],
    }
    assert storage._normalise(current) == storage._normalise({"LambdaFunctionConfigurations": [ours]})

    other_events = {**ours, "Events": ["s3:ObjectCreated:*"]}
    other_prefix = storage.lambda_notification("extract-uploads", ARN.format("extract"), "incoming/")
    no_filter = {key: value for key, value in ours.items() if key != "Filter"}
    for changed in (other_events, other_prefix, no_filter):
        assert storage._normalise({"LambdaFunctionConfigurations": [changed]}) != storage._normalise(
            {"LambdaFunctionConfigurations": [ours]}
        ), changed
    assert storage._normalise({"LambdaFunctionConfigurations": [{"Id": "bare"}]}) == {
        "LambdaFunctionConfigurations": [{"Id": "bare", "Events": []}]
    }


class AwsShapedS3:
    """get/put of the notification configuration, answering in AWS's shape; counts the puts."""

    def __init__(self, configuration):
        self.configuration, self.puts = configuration, 0

    def get_bucket_notification_configuration(self, Bucket):
        return self.configuration

    def put_bucket_notification_configuration(self, Bucket, NotificationConfiguration):
        self.puts += 1


def test_a_configuration_that_only_reads_differently_is_left_alone():
    answered = [
        {
            **n,
            "Events": list(reversed(n["Events"])),
            "Filter": {
                "Key": {
                    "FilterRules": [{"Name": "Prefix", "Value": r["Value"]} for r in n["Filter"]["Key"]["FilterRules"]]
                }
            },
        }
        for n in ours()
    ]
    s3 = AwsShapedS3({"ResponseMetadata": {}, "LambdaFunctionConfigurations": answered})
    report = quiet()
    storage.ensure_notifications(s3, BUCKET, ours(), report)
    assert s3.puts == 0 and not report.changed


def test_ensure_bucket_says_whether_it_created_the_bucket(s3):
    # A new bucket holds nothing: bootstrap then forgets the index rows of files it held before.
    assert storage.ensure_bucket(s3, "fresh-bucket", "us-east-1", quiet()) is True
    assert storage.ensure_bucket(s3, "fresh-bucket", "us-east-1", quiet()) is False
    assert storage.ensure_bucket(s3, BUCKET, "us-east-1", quiet()) is False


def test_lost_buckets_are_the_new_configured_one_and_those_that_do_not_exist():
    exists = {"configured", "other"}.__contains__
    indexed = ["configured", "gone", "other"]
    assert lost_buckets(indexed, "configured", False, exists) == ["gone"]
    assert lost_buckets(indexed, "configured", True, exists) == ["configured", "gone"]
    assert lost_buckets([], "configured", True, exists) == []
