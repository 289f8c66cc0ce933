"""boto3 clients for the local stack, configured from `fue.config`."""

from __future__ import annotations

import boto3
from botocore.config import Config as BotoConfig

from fue.config import Config

# LocalStack accepts any credentials; these keep boto3 from looking for real ones.
_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def client(cfg: Config, service: str, **config):
    return boto3.client(
        service,
        endpoint_url=cfg.endpoint_url,
        region_name=cfg.region,
        config=BotoConfig(retries={"max_attempts": 5, "mode": "standard"}, **config),
        **_CREDENTIALS,
    )
