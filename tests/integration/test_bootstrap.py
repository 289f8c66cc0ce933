"""Bootstrap is idempotent, keeps foreign notifications and refuses recursion loops."""

from __future__ import annotations

import dataclasses

import pytest

from bootstrap.deploy import deploy
from bootstrap.storage import RecursionLoopError
from settings import aws


def test_second_run_changes_nothing(cfg):
    deploy(cfg, log=lambda *_: None)  # whatever the state, converge first
    lines: list[str] = []

    report = deploy(cfg, log=lines.append)

    assert not report.changed, "\n".join(lines)
    assert "nothing to change" in report.summary()


def test_foreign_notifications_are_kept(cfg):
    s3, sqs = aws.client(cfg, "s3"), aws.client(cfg, "sqs")
    queue_url = sqs.create_queue(QueueName="bootstrap-foreign-listener")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    current = s3.get_bucket_notification_configuration(Bucket=cfg.bucket)
    current.pop("ResponseMetadata", None)
    foreign = {
        "Id": "someone-else",
        "QueueArn": queue_arn,
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "other/"}]}},
    }
    s3.put_bucket_notification_configuration(
        Bucket=cfg.bucket, NotificationConfiguration={**current, "QueueConfigurations": [foreign]}
    )
    try:
        report = deploy(cfg, log=lambda *_: None)

        after = s3.get_bucket_notification_configuration(Bucket=cfg.bucket)
        assert [q["Id"] for q in after.get("QueueConfigurations", [])] == ["someone-else"]
        assert {c["Id"] for c in after["LambdaFunctionConfigurations"]} >= {
            f"{cfg.extract_function}-uploads",
            f"{cfg.insert_function}-extracted",
        }
        assert not report.changed
    finally:
        s3.put_bucket_notification_configuration(Bucket=cfg.bucket, NotificationConfiguration=current)
        sqs.delete_queue(QueueUrl=queue_url)


@pytest.mark.parametrize("upload, extracted", [("uploads/", "uploads/extracted/"), ("data/", "data/"), ("", "x/")])
def test_recursive_prefixes_are_refused(cfg, upload, extracted):
    bad = dataclasses.replace(cfg, upload_prefix=upload, extracted_prefix=extracted)
    with pytest.raises(RecursionLoopError):
        deploy(bad, log=lambda *_: None)
