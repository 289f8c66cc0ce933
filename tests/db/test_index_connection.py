"""The insert function's connection: kept warm, replaced after a restart, one error for the rest of an event."""

from __future__ import annotations

import pytest
from db_documents import document
from pg8000.exceptions import DatabaseError, InterfaceError

from indexer import database
from settings import db


def test_the_dsns_sslmode_reaches_the_connection(index_dsn):
    """sslmode=disable never uses TLS; sslmode=require gets TLS or no connection at all."""
    plain = database.Database(f"{index_dsn}?sslmode=disable").connection()
    try:
        offered = plain.run("SHOW ssl")[0][0] == "on"
        assert plain.run("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == [[False]]
    finally:
        plain.close()
    required = database.Database(f"{index_dsn}?sslmode=require")
    if not offered:
        with pytest.raises(InterfaceError, match="refuses SSL"):
            required.connection()
        return
    secure = required.connection()
    try:
        assert secure.run("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == [[True]]
    finally:
        secure.close()


def test_a_warm_connection_is_kept_and_a_dropped_one_replaced(index_dsn):
    warm = database.Database(index_dsn)
    backend = "SELECT pg_backend_pid()"
    pid = warm.run(lambda conn: conn.run(backend))[0][0]
    first = warm.connection()
    assert warm.run(lambda conn: conn.run(backend))[0][0] == pid and warm.connection() is first

    admin = db.connect(index_dsn)
    try:
        admin.run("SELECT pg_terminate_backend(:pid)", pid=pid)  # as a database restart would
    finally:
        admin.close()

    try:
        # no check before use: the statement finds the connection gone and runs again on a new one
        assert warm.run(lambda conn: conn.run(backend))[0][0] != pid
        second = warm.connection()
        assert second is not first and warm.run(lambda conn: conn.run("SELECT 1")) == [[1]]
        assert warm.connection() is second
    finally:
        warm.connection().close()  # the suite drops its database at the end


def test_a_failing_statement_is_not_run_again(index_dsn):
    warm = database.Database(index_dsn)
    runs = []

    def bad(conn):
        runs.append(1)
        return conn.run("SELECT * FROM no_such_table")

    try:
        warm.run(lambda conn: conn.run("SELECT 1"))
        with pytest.raises(DatabaseError, match="no_such_table"):
            warm.run(bad)
        assert runs == [1]
    finally:
        warm.connection().close()


def test_the_index_writes_and_deletes_through_one_connection(conn, index_dsn):
    warm = database.Database(index_dsn)
    index = database.PostgresIndex(warm)
    row = document("conn/a.txt", "words")
    try:
        assert index.upsert(row) is True
        assert index.upsert(row) is False
        assert index.delete(row.bucket, "extracted/conn/a.txt") is True
        assert index.delete(row.bucket, "extracted/conn/a.txt") is False
    finally:
        warm.connection().close()


class Unreachable:
    def __init__(self):
        self.attempts = 0

    def run(self, statement):
        self.attempts += 1
        raise ConnectionRefusedError("database down")


def test_a_failed_connect_fails_the_rest_of_the_event_at_once():
    unreachable = Unreachable()
    index = database.PostgresIndex(unreachable)
    for _ in range(3):
        with pytest.raises(ConnectionRefusedError, match="database down"):
            index.upsert(document("down/a.txt"))
    with pytest.raises(ConnectionRefusedError):
        index.delete("bucket", "extracted/down/a.txt")
    assert unreachable.attempts == 1, "one connection attempt per event, not one per record"
