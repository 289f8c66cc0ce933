"""One least-privilege IAM role per function."""

from __future__ import annotations

import json

from bootstrap.report import CREATED, UNCHANGED, UPDATED, Report

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
POLICY_NAME = "pipeline-access"


def _logs_statement(function_name: str) -> dict:
    return {
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:aws:logs:*:*:log-group:/aws/lambda/{function_name}:*",
    }


def _list_statement(bucket: str, prefixes: list[str]) -> dict:
    """HEAD of a missing object answers 404 (not 403) only with ListBucket on its prefix."""
    return {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": f"arn:aws:s3:::{bucket}",
        "Condition": {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}},
    }


# Where the extract function keeps its attempt markers (lambdas/extract/extractor/attempts.py).
ATTEMPT_MARKER_PREFIX = ".extract-attempts/"


def extract_policy(function_name: str, bucket: str, upload_prefix: str, extracted_prefix: str, dlq_arn: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/{upload_prefix}*"},
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": [
                    f"arn:aws:s3:::{bucket}/{extracted_prefix}*",
                    f"arn:aws:s3:::{bucket}/{ATTEMPT_MARKER_PREFIX}*",
                ],
            },
            _list_statement(bucket, [upload_prefix, extracted_prefix, ATTEMPT_MARKER_PREFIX]),
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dlq_arn},
            _logs_statement(function_name),
        ],
    }


def insert_policy(function_name: str, bucket: str, upload_prefix: str, extracted_prefix: str, dlq_arn: str) -> dict:
    """Reads documents, and HEADs their uploads to index only a document of the current version."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::{bucket}/{extracted_prefix}*", f"arn:aws:s3:::{bucket}/{upload_prefix}*"],
            },
            _list_statement(bucket, [upload_prefix, extracted_prefix]),
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dlq_arn},
            _logs_statement(function_name),
        ],
    }


def ensure_role(iam, role_name: str, policy: dict, report: Report) -> str:
    """Create the role and put its inline policy; returns the role ARN."""
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
        outcome = UNCHANGED
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]
        outcome = CREATED
    try:
        current = iam.get_role_policy(RoleName=role_name, PolicyName=POLICY_NAME)["PolicyDocument"]
        if isinstance(current, str):
            current = json.loads(current)
    except iam.exceptions.NoSuchEntityException:
        current = None
    if current != policy:
        iam.put_role_policy(RoleName=role_name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy))
        outcome = CREATED if outcome == CREATED else UPDATED
    report.record(outcome, f"IAM role {role_name}")
    return role["Arn"]
