"""Tests against a real PostgreSQL: the stack's own in Docker mode, else lifecycle.postgres_host's cluster.

They work in databases of their own (``<POSTGRES_DB>_test...``), recreated at
every run, so a running stack's data is never touched. A host-mode cluster these
tests had to start is stopped again at the end; one already running is left running.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from lifecycle import postgres_host
from settings import db
from tests.support import poll_until

INSERT_DIR = Path(__file__).resolve().parents[2] / "lambdas" / "insert"

if "indexer" not in sys.modules:
    # lambdas/insert is not put on sys.path: its handler.py would shadow lambdas/extract's.
    spec = importlib.util.spec_from_file_location(
        "indexer", INSERT_DIR / "indexer" / "__init__.py", submodule_search_locations=[str(INSERT_DIR / "indexer")]
    )
    sys.modules["indexer"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sys.modules["indexer"])


@pytest.fixture(scope="session")
def running_postgres(cfg, stack_mode):
    """The configured database server; in host mode started for this session unless it was running."""
    if stack_mode == "docker":
        # The Docker-mode stack's database, on the same port (tests/conftest.py checked it answers).
        yield cfg
        return
    was_running = postgres_host.state(cfg).running
    postgres_host.ensure_started(cfg)
    yield cfg
    if not was_running:
        postgres_host.stop(cfg)


@pytest.fixture(scope="package")
def make_database(running_postgres):
    """Create (afresh) a database of the tests' own and return its DSN; dropped after this suite."""
    cfg = running_postgres
    created = []

    def drop(admin, name: str) -> None:
        # Plain DROP: PostgreSQL stops autovacuum workers itself, while WITH (FORCE) refuses to
        # end them for a non-superuser. A closing connection of ours may linger a moment.
        poll_until(
            lambda: admin.run(f'DROP DATABASE IF EXISTS "{name}"') or True, timeout=15, what=f"database {name} dropped"
        )

    def make(suffix: str) -> str:
        # Per process: `make mutation` runs this suite in parallel worker processes.
        name = f"{cfg.postgres_db}_{suffix}_{os.getpid()}"
        admin = db.connect(cfg.database_dsn())
        try:
            drop(admin, name)
            admin.run(f'CREATE DATABASE "{name}"')
        finally:
            admin.close()
        created.append(name)
        return cfg.database_dsn().rsplit("/", 1)[0] + "/" + name

    yield make
    admin = db.connect(cfg.database_dsn())
    try:
        for name in created:
            drop(admin, name)
    finally:
        admin.close()


@pytest.fixture(scope="package")
def index_dsn(make_database):
    dsn = make_database("test")
    conn = db.connect(dsn)
    db.migrate(conn)
    conn.close()
    return dsn


@pytest.fixture
def conn(index_dsn):
    """A connection to the migrated test database, its documents table emptied."""
    connection = db.connect(index_dsn)
    connection.run("TRUNCATE documents")
    yield connection
    connection.close()
