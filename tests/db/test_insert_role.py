"""The insert function's role may read and write the documents table, and nothing else."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from pg8000.exceptions import DatabaseError

from fue import db, postgres_host
from indexer import store
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
    assert store.upsert(insert_conn, document("role/a.txt", "hello")) == store.INSERTED
    assert store.upsert(insert_conn, document("role/a.txt", "hello again", extracted_second=5)) == store.UPDATED
    assert insert_conn.run("SELECT content FROM documents") == [["hello again"]]
    assert store.delete(insert_conn, "file-upload-extraction-example", "uploads/role/a.txt")


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


def test_passwords_with_quotes_and_backslashes_reach_the_server_intact(running_postgres, index_dsn):
    """The roles script quotes what it hands psql; the SCRAM verifier matches what clients compute."""
    role = f"role_{uuid.uuid4().hex[:8]}"
    password = "it's a \\ 'quoted' :password; DROP TABLE documents; --\u00e9"
    cfg = dataclasses.replace(running_postgres, postgres_insert_user=role, postgres_insert_password=password)
    postgres_host.ensure_started(cfg)
    try:
        dsn = cfg.database_dsn(insert_role=True).rsplit("/", 1)[0] + "/" + index_dsn.rsplit("/", 1)[1]
        conn = db.connect(dsn)
        assert conn.run("SELECT count(*) FROM documents")[0][0] >= 0
        conn.close()
    finally:
        owner_cfg = running_postgres
        postgres_host.ensure_started(owner_cfg)
        script = f'DROP ROLE IF EXISTS "{role}";'
        layout = postgres_host._Layout(owner_cfg.postgres_dir)
        postgres_host._run(
            [str(postgres_host.find_bindir() / "psql"), "--no-psqlrc", "--quiet", "--host", str(layout.socket_dir),
             "--port", str(owner_cfg.postgres_port), "--username", _superuser(), "--dbname", "postgres"],
            postgres_host.server_user(), cwd=layout.root, input=script,
        )


def _superuser() -> str:
    user = postgres_host.server_user()
    return user.name if user is not None else postgres_host._current_user_name()
