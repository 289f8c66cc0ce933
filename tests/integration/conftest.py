"""Integration tests run against the real stack brought up by `make up` (host or Docker mode)."""

from __future__ import annotations

import uuid

import pytest

from fue import aws, db, localstack_host


@pytest.fixture(scope="session", autouse=True)
def stack_is_up(cfg):
    if not localstack_host.health(cfg):
        pytest.fail(f"LocalStack does not answer on {cfg.endpoint_url}: run `make up` first", pytrace=False)


@pytest.fixture(scope="session")
def s3(cfg):
    return aws.client(cfg, "s3")


@pytest.fixture(scope="session")
def lambda_client(cfg):
    return aws.client(cfg, "lambda")


@pytest.fixture()
def database(cfg):
    conn = db.connect(cfg.database_dsn())
    yield conn
    conn.close()


@pytest.fixture()
def run_id() -> str:
    """A unique folder per test, so tests never see each other's files."""
    return f"it-{uuid.uuid4().hex[:10]}"
