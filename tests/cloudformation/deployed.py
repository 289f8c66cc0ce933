"""What is deployed on LocalStack for one pipeline, read back resource by resource and with its own
names replaced by placeholders, so that the bootstrap-deployed and the template-deployed pipelines
can be compared for drift."""

from __future__ import annotations

import json

from settings import aws
from settings.config import Config

FUNCTION_FIELDS = ("Runtime", "Handler", "MemorySize", "Timeout", "Architectures", "PackageType")
QUEUE_ATTRIBUTES = (
    "MessageRetentionPeriod",
    "VisibilityTimeout",
    "DelaySeconds",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
)


def _placeholders(cfg: Config) -> list[tuple[str, str]]:
    # Longest first, so a name that contains another is replaced whole.
    names = {
        cfg.extract_function: "<extract>",
        cfg.insert_function: "<insert>",
        cfg.dlq_name: "<dlq>",
        cfg.bucket: "<bucket>",
    }
    return sorted(names.items(), key=lambda item: -len(item[0]))


def _neutral(cfg: Config, value):
    text = json.dumps(value, sort_keys=True, default=str)
    for name, placeholder in _placeholders(cfg):
        text = text.replace(name, placeholder)
    return json.loads(text)


def _role_policies(iam, role_arn: str) -> dict:
    role = role_arn.rsplit("/", 1)[-1]
    inline = {}
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        inline[name] = json.loads(document) if isinstance(document, str) else document
    attached = sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"])
    return {"inline": inline, "attached": attached}


def _s3_invoke_permissions(lam, function: str) -> list[dict]:
    statements = json.loads(lam.get_policy(FunctionName=function)["Policy"])["Statement"]
    return sorted(
        (
            {
                "principal": s["Principal"],
                "action": s["Action"],
                "source_arn": s.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn"),
            }
            for s in statements
        ),
        key=json.dumps,
    )


def _notifications(s3, bucket: str) -> list[list[str]]:
    """(function, event, prefix) triples: bootstrap puts both events in one configuration, the SAM
    transform one configuration per event; S3 treats both the same."""
    config = s3.get_bucket_notification_configuration(Bucket=bucket)
    triples = set()
    for entry in config.get("LambdaFunctionConfigurations", []):
        rules = {r["Name"].lower(): r["Value"] for r in entry.get("Filter", {}).get("Key", {}).get("FilterRules", [])}
        function = entry["LambdaFunctionArn"].split(":function:")[-1].split(":")[0]
        for event in entry["Events"]:
            triples.add((function, event, rules.get("prefix", ""), rules.get("suffix", "")))
    return sorted(list(t) for t in triples)


def describe(cfg: Config) -> dict:
    lam, iam, s3, sqs = (aws.client(cfg, s) for s in ("lambda", "iam", "s3", "sqs"))
    functions = {}
    for function in (cfg.extract_function, cfg.insert_function):
        current = lam.get_function_configuration(FunctionName=function)
        invoke_config = lam.get_function_event_invoke_config(FunctionName=function)
        functions[function] = {
            **{field: current.get(field) for field in FUNCTION_FIELDS},
            "Environment": current.get("Environment", {}).get("Variables", {}),
            "VpcSubnets": (current.get("VpcConfig") or {}).get("SubnetIds") or [],
            "RolePolicies": _role_policies(iam, current["Role"]),
            "S3InvokePermissions": _s3_invoke_permissions(lam, function),
            "MaximumRetryAttempts": invoke_config.get("MaximumRetryAttempts"),
            "MaximumEventAgeInSeconds": invoke_config.get("MaximumEventAgeInSeconds"),
            "OnFailure": invoke_config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"),
        }
    queue_url = sqs.get_queue_url(QueueName=cfg.dlq_name)["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    return _neutral(
        cfg,
        {
            "functions": functions,
            "notifications": _notifications(s3, cfg.bucket),
            "dlq": {name: queue.get(name) for name in QUEUE_ATTRIBUTES},
        },
    )
