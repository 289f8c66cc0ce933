"""The pipeline deployed a second time, from template.yaml through LocalStack's CloudFormation.

The stack gets its own bucket, function names, dead-letter queue and database secret, so it never
collides with the bootstrap-deployed pipeline that the other suites use. Inside this folder the
``cfg`` fixture describes that stack, so pipeline tests imported from other suites run against it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid

import pytest

from awsdeploy import changeset, deploy
from awsdeploy.parameters import Deployment
from bootstrap import functions
from lifecycle import stack
from settings import aws, db
from tests.integration.conftest import database, lambda_client, run_id, s3  # noqa: F401


def _empty_and_delete_bucket(s3_client, bucket: str) -> None:
    with contextlib.suppress(s3_client.exceptions.NoSuchBucket):
        s3_client.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                s3_client.delete_object(Bucket=bucket, Key=item["Key"])
        s3_client.delete_bucket(Bucket=bucket)


@pytest.fixture(scope="session")
def bootstrap_cfg(stack_is_up):
    """The bootstrap-deployed pipeline's configuration (the project's own)."""
    from settings import config

    return config.load()


@pytest.fixture(scope="session")
def sam_deployment() -> Deployment:
    name = f"cfn-test-{uuid.uuid4().hex[:8]}"
    return Deployment(
        stack_name=name,
        bucket=f"{name}-uploads",
        database_secret_id=f"{name}/database-dsn",
        code_bucket=f"{name}-code",
        name_prefix=name,
    )


@pytest.fixture(scope="session")
def sam_outputs(bootstrap_cfg, sam_deployment):
    cfg = bootstrap_cfg
    secrets, s3_client, cfn = (aws.client(cfg, s) for s in ("secretsmanager", "s3", "cloudformation"))
    mode = stack.active_mode(cfg) or cfg.stack
    # The DSN bootstrap gives its insert function (its own least-privilege role), now kept in a secret.
    secrets.create_secret(
        Name=sam_deployment.database_secret_id,
        SecretString=functions.environment(cfg, "insert", mode=mode)["DATABASE_DSN"],
    )
    try:
        yield deploy.deploy(cfg, sam_deployment, s3=s3_client, cfn=cfn, region=cfg.region, log=lambda *_: None)
    finally:
        changeset.delete(cfn, sam_deployment.stack_name)
        secrets.delete_secret(SecretId=sam_deployment.database_secret_id, ForceDeleteWithoutRecovery=True)
        for bucket in (sam_deployment.bucket, sam_deployment.code_bucket):
            _empty_and_delete_bucket(s3_client, bucket)
        _forget_rows(cfg, sam_deployment.bucket)  # its functions are gone: nothing removes them on delete


def _forget_rows(cfg, bucket: str) -> None:
    conn = db.connect(cfg.database_dsn())
    try:
        conn.run("DELETE FROM documents WHERE bucket = :bucket", bucket=bucket)
    finally:
        conn.close()


@pytest.fixture(scope="session")
def cfg(bootstrap_cfg, sam_outputs):
    """The template-deployed pipeline, named by the stack's outputs."""
    return dataclasses.replace(
        bootstrap_cfg,
        bucket=sam_outputs["BucketName"],
        extract_function=sam_outputs["ExtractFunctionName"],
        insert_function=sam_outputs["InsertFunctionName"],
        dlq_name=sam_outputs["DeadLetterQueueName"],
    )


@pytest.fixture(scope="session")
def stack_is_up():
    from lifecycle import localstack_host
    from settings import config

    cfg = config.load()
    if not localstack_host.health(cfg):
        pytest.fail(f"LocalStack does not answer on {cfg.endpoint_url}: run `make up` first", pytrace=False)
