"""The insert function's role may read and write the documents table, and nothing else."""

from __future__ import annotations

import dataclasses
import uuid
from contextlib import closing

import pytest
from pg8000.exceptions import DatabaseError

from bootstrap import roles
from bootstrap.report import Report
from indexer import store
from lifecycle import postgres_host
from settings import db
from tests.db.db_documents import document


@pytest.fixture()
def insert_conn(running_postgres, index_dsn):
    """The migrated test database, as the insert function connects to it."""
    cfg = running_postgres
    dsn = cfg.database_dsn(insert_role=True).rsplit("/", 1)[0] + "/" + index_dsn.rsplit("/", 1)[1]
    owner = db.connect(index_dsn)
    owner.run("TRUNCATE documents")
    owner.close()
    connection = db.connect(dsn)
    yield connection
    connection.close()


def denied(conn, sql: str) -> str:
    with pytest.raises(DatabaseError) as error:
        conn.run(sql)
    return str(error.value)


def test_it_writes_reads_and_deletes_rows_of_documents(insert_conn):
    store.lock(insert_conn, "file-upload-extraction-example/extracted/role/a.txt")  # a sync's turn
    assert store.upsert(insert_conn, document("role/a.txt", "hello")) is True
    assert store.upsert(insert_conn, document("role/a.txt", "hello again", uploaded_second=5)) is True
    assert insert_conn.run("SELECT content FROM documents") == [["hello again"]]
    assert store.delete(insert_conn, "file-upload-extraction-example", "extracted/role/a.txt") is True
    assert insert_conn.run("SELECT count(*) FROM documents") == [[0]]
    store.unlock(insert_conn, "file-upload-extraction-example/extracted/role/a.txt")


def test_it_cannot_create_drop_or_read_other_tables(insert_conn):
    assert "permission denied" in denied(insert_conn, "CREATE TABLE intruder (id integer)")
    assert "permission denied" in denied(insert_conn, "CREATE TEMPORARY TABLE intruder (id integer)")
    assert "must be owner" in denied(insert_conn, "DROP TABLE documents")
    assert "must be owner" in denied(insert_conn, "ALTER TABLE documents ADD COLUMN intruder text")
    assert "permission denied" in denied(insert_conn, "SELECT * FROM schema_migrations")
    assert "permission denied" in denied(insert_conn, "TRUNCATE documents")
    assert "permission denied" in denied(insert_conn, "CREATE SCHEMA intruder")
    assert "permission denied" in denied(insert_conn, "CREATE DATABASE intruder")
    assert "permission denied" in denied(insert_conn, "CREATE ROLE intruder")


def test_it_is_not_the_owner_and_holds_no_attributes(insert_conn, running_postgres):
    cfg = running_postgres
    [[user, superuser, createdb, createrole]] = insert_conn.run(
        "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
    )
    assert user == cfg.postgres_insert_user != cfg.postgres_user
    assert (superuser, createdb, createrole) == (False, False, False)


def as_superuser(cfg, script: str) -> None:
    """Run SQL as the cluster's superuser, over its private socket (host mode)."""
    result = postgres_host.psql_as_superuser(cfg, script)
    assert result.returncode == 0, result.stderr


@pytest.mark.host_only  # the host cluster's superuser, over its private socket
def test_passwords_with_quotes_and_backslashes_reach_the_server_intact(running_postgres, index_dsn):
    """The roles script quotes what it hands psql; the SCRAM verifier matches what clients compute."""
    role = f"role_{uuid.uuid4().hex[:8]}"
    password = "it's a \\ 'quoted' :password; DROP TABLE documents; --\u00e9"
    cfg = dataclasses.replace(running_postgres, postgres_insert_user=role, postgres_insert_password=password)
    postgres_host.ensure_started(cfg)
    try:
        dsn = cfg.database_dsn(insert_role=True).rsplit("/", 1)[0] + "/" + index_dsn.rsplit("/", 1)[1]
        with closing(db.connect(dsn)) as conn:
            assert conn.run("SELECT count(*) FROM documents")[0][0] >= 0
    finally:
        as_superuser(running_postgres, f'DROP ROLE IF EXISTS "{role}";')


@pytest.mark.host_only  # the host cluster's superuser, over its private socket
def test_an_owner_that_may_create_roles_creates_the_insert_role(running_postgres, index_dsn):
    """Docker mode's path: there the owner is the container's superuser, and bootstrap makes the role."""
    admin, role = f"admin_{uuid.uuid4().hex[:8]}", f"insert_{uuid.uuid4().hex[:8]}"
    verifier = postgres_host.scram_verifier("admin-password")
    as_superuser(running_postgres, f"CREATE ROLE \"{admin}\" LOGIN CREATEROLE PASSWORD '{verifier}';")
    cfg = dataclasses.replace(running_postgres, postgres_insert_user=role, postgres_insert_password="p4ss")
    base = index_dsn.rsplit("@", 1)[1]
    said = []
    try:
        with closing(db.connect(f"postgresql://{admin}:admin-password@{base}")) as conn:
            roles.ensure_insert_role(conn, cfg, Report(said.append))
            roles.ensure_insert_role(conn, cfg, Report(said.append))  # idempotent
        with closing(db.connect(f"postgresql://{role}:p4ss@{base}")) as inserter:
            assert inserter.run("SELECT count(*) FROM documents")[0][0] >= 0
            assert "permission denied" in denied(inserter, "SELECT * FROM schema_migrations")
        assert [line.split()[0] for line in said] == ["created", "unchanged"], said
    finally:
        as_superuser(running_postgres, f'DROP ROLE IF EXISTS "{role}"; DROP ROLE IF EXISTS "{admin}";')


@pytest.mark.host_only  # the host cluster's superuser, over its private socket
def test_an_owner_that_may_not_create_roles_leaves_them_to_the_cluster(running_postgres, index_dsn):
    conn = db.connect(index_dsn)  # host mode's owner: no CREATEROLE
    said = []
    try:
        roles.ensure_insert_role(conn, running_postgres, Report(said.append))
    finally:
        conn.close()
    assert said == []
