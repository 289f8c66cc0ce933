"""Integration tests run against the real stack brought up by `make up` (host or Docker mode).

tests/conftest.py marks them ``stack``: they are skipped (or, under `make test`, fail) when
LocalStack does not answer.
"""

from __future__ import annotations

import uuid

import pytest

from settings import aws, db


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
