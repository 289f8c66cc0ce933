"""boto3 clients for the local stack, configured from `settings.config`."""

from __future__ import annotations

import boto3
from botocore.config import Config as BotoConfig

from settings.config import Config

# LocalStack accepts any credentials; these keep boto3 from looking for real ones.
_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


# An invocation may run for the function's whole timeout, and repeating it repeats its work:
# the client that re-drives functions waits longer than that and never retries by itself.
INVOKE_READ_TIMEOUT_MARGIN = 30


def invoker(cfg: Config, **config):
    """A Lambda client for synchronous invokes: one attempt each, read timeout above the function's."""
    return boto3.client(
        "lambda",
        endpoint_url=cfg.endpoint_url,
        region_name=cfg.region,
        config=BotoConfig(
            retries={"total_max_attempts": 1, "mode": "standard"},
            read_timeout=cfg.lambda_timeout + INVOKE_READ_TIMEOUT_MARGIN,
            connect_timeout=10,
            **config,
        ),
        **_CREDENTIALS,
    )


def client(cfg: Config, service: str, **config):
    return boto3.client(
        service,
        endpoint_url=cfg.endpoint_url,
        region_name=cfg.region,
        config=BotoConfig(retries={"max_attempts": 5, "mode": "standard"}, **config),
        **_CREDENTIALS,
    )
