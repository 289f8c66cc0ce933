"""Clients for a real AWS account, and nothing else.

Commands that deploy to AWS insist on an explicit profile (never the default one picked up by
accident), refuse custom endpoints (``AWS_ENDPOINT_URL*``, or ``endpoint_url`` in the profile,
as LocalStack users commonly set), check that every client talks to an ``amazonaws.com`` host,
and check the credentials before doing anything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from settings.errors import UserError

AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


class TargetError(UserError):
    """The command would not reach the intended AWS account: says why and how to fix it."""


def _endpoint_overrides(environ: Mapping[str, str]) -> list[str]:
    return sorted(k for k, v in environ.items() if v and (k == "AWS_ENDPOINT_URL" or k.startswith("AWS_ENDPOINT_URL_")))


def session(profile: str | None, region: str | None, environ: Mapping[str, str] = os.environ) -> boto3.Session:
    if not profile:
        raise TargetError(
            "no AWS profile given: deploying to AWS needs an explicit one, e.g. "
            "`make plan-aws profile=my-profile` (profiles live in ~/.aws/config; create one with "
            "`aws configure --profile my-profile` or `aws configure sso`)"
        )
    overrides = _endpoint_overrides(environ)
    if overrides:
        raise TargetError(
            f"{', '.join(overrides)} is set, so AWS calls would go to a custom endpoint (LocalStack?), "
            f"not to AWS: unset it for this command, e.g. `env -u {overrides[0]} make plan-aws ...`"
        )
    try:
        result = boto3.Session(profile_name=profile, region_name=region or None)
    except ProfileNotFound:
        raise TargetError(
            f"AWS profile {profile!r} is not configured: `aws configure --profile {profile}` "
            f"(or `aws configure sso --profile {profile}`)"
        ) from None
    if not result.region_name:
        raise TargetError(f"no region for profile {profile!r}: add `region=eu-west-1` (for example) to the command")
    return result


def client(aws_session: boto3.Session, service: str):
    """A client of ``service`` that is guaranteed to talk to an AWS endpoint."""
    result = aws_session.client(service)
    url = result.meta.endpoint_url
    host = urlsplit(url).hostname or ""
    if not host.endswith(AWS_HOST_SUFFIXES):
        raise TargetError(
            f"the {service} endpoint of profile {aws_session.profile_name!r} is {url}, not AWS "
            "(an endpoint_url in ~/.aws/config?): use a profile without a custom endpoint"
        )
    return result


def account_id(aws_session: boto3.Session) -> str:
    """The account the credentials belong to; TargetError when there are no usable credentials."""
    profile = aws_session.profile_name
    fix = f"`aws sso login --profile {profile}` or `aws configure --profile {profile}`"
    try:
        return client(aws_session, "sts").get_caller_identity()["Account"]
    except NoCredentialsError:
        raise TargetError(f"no AWS credentials found for profile {profile!r}: {fix}") from None
    except ClientError as exc:
        raise TargetError(
            f"AWS rejected the credentials of profile {profile!r} ({exc.response['Error']['Code']}): {fix}"
        ) from None
    except BotoCoreError as exc:
        raise TargetError(f"could not use the credentials of profile {profile!r} ({exc}): {fix}") from None
