"""The bucket, its event notifications and the dead-letter queue."""

from __future__ import annotations

from bootstrap.report import CREATED, UNCHANGED, UPDATED, Report
from settings.errors import UserError

DLQ_RETENTION_SECONDS = 14 * 24 * 3600


class RecursionLoopError(UserError, ValueError):
    pass


def check_prefixes(upload_prefix: str, extracted_prefix: str) -> None:
    """Refuse prefixes under which the extract output would trigger extract again."""
    if not upload_prefix or not extracted_prefix:
        raise RecursionLoopError("UPLOAD_PREFIX and EXTRACTED_PREFIX must both be non-empty")
    if upload_prefix.startswith(extracted_prefix) or extracted_prefix.startswith(upload_prefix):
        raise RecursionLoopError(
            f"EXTRACTED_PREFIX {extracted_prefix!r} and UPLOAD_PREFIX {upload_prefix!r} overlap: "
            "every extracted document would trigger extract again (recursion loop)"
        )


# pragma: no mutate start  (make mutation: resource creation, see pyproject.toml)
def bucket_exists(s3, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
        return True
    except s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
    return False


def ensure_bucket(s3, bucket: str, region: str, report: Report) -> bool:
    """True when the bucket was created here (it holds nothing yet)."""
    if bucket_exists(s3, bucket):
        report.record(UNCHANGED, f"bucket {bucket}")
        return False
    kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **kwargs)
    report.record(CREATED, f"bucket {bucket}")
    return True


def ensure_dlq(sqs, name: str, report: Report) -> str:
    """Create the dead-letter queue; returns its ARN."""
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        report.record(UNCHANGED, f"queue {name}")
    except sqs.exceptions.QueueDoesNotExist:
        url = sqs.create_queue(QueueName=name, Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)})[
            "QueueUrl"
        ]
        report.record(CREATED, f"queue {name}")
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


# pragma: no mutate end


def lambda_notification(config_id: str, function_arn: str, prefix: str) -> dict:
    return {
        "Id": config_id,
        "LambdaFunctionArn": function_arn,
        "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}},
    }


def _normalise(configuration: dict) -> dict:
    """Comparable form: no response metadata, lists sorted, filter rule names lower-cased."""
    result = {}
    for key, entries in configuration.items():
        if key == "ResponseMetadata" or not entries:
            continue
        if isinstance(entries, list):
            normalised = []
            for entry in entries:
                entry = dict(entry)
                entry["Events"] = sorted(entry.get("Events", []))
                rules = entry.get("Filter", {}).get("Key", {}).get("FilterRules", [])
                if rules:
                    entry["Filter"] = {
                        "Key": {
                            "FilterRules": sorted(
                                ({"Name": r["Name"].lower(), "Value": r["Value"]} for r in rules),
                                key=lambda r: r["Name"],
                            )
                        }
                    }
                normalised.append(entry)
            entries = sorted(normalised, key=lambda e: e.get("Id", ""))
        result[key] = entries
    return result


def ensure_notifications(s3, bucket: str, ours: list[dict], report: Report) -> None:
    """Put our Lambda notifications, keeping every notification someone else configured."""
    current = s3.get_bucket_notification_configuration(Bucket=bucket)
    our_ids = {n["Id"] for n in ours}
    desired = {k: v for k, v in current.items() if k != "ResponseMetadata"}
    others = [n for n in desired.get("LambdaFunctionConfigurations", []) if n.get("Id") not in our_ids]
    desired["LambdaFunctionConfigurations"] = others + ours
    if _normalise(current) == _normalise(desired):
        report.record(UNCHANGED, f"notifications on {bucket}")
        return
    had_ours = any(n.get("Id") in our_ids for n in current.get("LambdaFunctionConfigurations", []))
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=desired)
    kept = len(others) + len(desired.get("QueueConfigurations", [])) + len(desired.get("TopicConfigurations", []))
    report.record(UPDATED if had_ours else CREATED, f"notifications on {bucket} (kept {kept} others)")
