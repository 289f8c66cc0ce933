"""The notification merge against configurations as AWS answers them: rules and entries in any order,
other people's queues and topics kept and counted, each outcome reported with its bucket."""

from __future__ import annotations

import pytest

from bootstrap import storage
from bootstrap.report import Report

BUCKET = "bucket"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"


def ours() -> list[dict]:
    return [
        storage.lambda_notification("extract-uploads", ARN.format("extract"), "uploads/"),
        storage.lambda_notification("insert-extracted", ARN.format("insert"), "extracted/"),
    ]


def foreign(rules: list[dict]) -> dict:
    return {
        "Id": "someone-else",
        "LambdaFunctionArn": ARN.format("other"),
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": rules}},
    }


class S3:
    """get/put of a bucket's notification configuration; counts the puts."""

    def __init__(self, configuration: dict):
        self.configuration, self.puts = configuration, []

    def get_bucket_notification_configuration(self, Bucket):
        assert Bucket == BUCKET
        return self.configuration

    def put_bucket_notification_configuration(self, Bucket, NotificationConfiguration):
        assert Bucket == BUCKET
        self.puts.append(NotificationConfiguration)


def merge(configuration: dict) -> tuple[S3, list[str]]:
    s3, lines = S3(configuration), []
    storage.ensure_notifications(s3, BUCKET, ours(), Report(log=lines.append))
    return s3, lines


def test_entries_and_filter_rules_in_another_order_are_left_alone():
    prefix_then_suffix = [{"Name": "prefix", "Value": "other/"}, {"Name": "suffix", "Value": ".csv"}]
    answered = [
        foreign([{"Name": "Suffix", "Value": ".csv"}, {"Name": "Prefix", "Value": "other/"}]),
        *reversed(ours()),
    ]
    s3, lines = merge({"ResponseMetadata": {}, "LambdaFunctionConfigurations": answered})
    assert s3.puts == [] and lines == [f"  unchanged  notifications on {BUCKET}"]
    # ... and the same foreign entry with its rules as we would write them compares equal too
    s3, _ = merge({"LambdaFunctionConfigurations": [foreign(prefix_then_suffix), *ours()]})
    assert s3.puts == []


def test_a_missing_entry_of_ours_is_added_and_foreign_ones_kept_as_answered():
    answered = [foreign([{"Name": "Prefix", "Value": "other/"}]), *ours()[:1]]  # insert's entry missing
    s3, lines = merge({"LambdaFunctionConfigurations": answered})
    [written] = s3.puts
    assert written["LambdaFunctionConfigurations"][0] == answered[0]
    assert lines == [f"  updated    notifications on {BUCKET} (kept 1 others)"]


def test_queues_and_topics_of_others_are_kept_and_counted():
    queue = {"Id": "q", "QueueArn": "arn:aws:sqs:us-east-1:1:q", "Events": ["s3:ObjectCreated:*"]}
    topics = [
        {"Id": f"t{i}", "TopicArn": f"arn:aws:sns:us-east-1:1:t{i}", "Events": ["s3:ObjectRemoved:*"]} for i in (1, 2)
    ]
    s3, lines = merge({"QueueConfigurations": [queue], "TopicConfigurations": topics})
    [written] = s3.puts
    assert written["QueueConfigurations"] == [queue] and written["TopicConfigurations"] == topics
    assert lines == [f"  created    notifications on {BUCKET} (kept 3 others)"]


def test_refused_prefixes_are_named_in_the_message():
    with pytest.raises(
        storage.RecursionLoopError, match=r"^UPLOAD_PREFIX and EXTRACTED_PREFIX must both be non-empty$"
    ):
        storage.check_prefixes("", "extracted/")
    with pytest.raises(
        storage.RecursionLoopError,
        match=(
            r"^EXTRACTED_PREFIX 'data/out/' and UPLOAD_PREFIX 'data/' overlap: "
            r"every extracted document would trigger extract again \(recursion loop\)$"
        ),
    ):
        storage.check_prefixes("data/", "data/out/")
