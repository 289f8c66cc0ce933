"""The insert function's connection: kept warm, replaced after a restart, one error for the rest of an
event; syncs of one document key take turns, of other keys not."""

from __future__ import annotations

import threading

import pytest
from db_documents import document
from pg8000.exceptions import DatabaseError, InterfaceError

from indexer import database, store
from settings import db
from tests.support import poll_until


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
    pid = warm.locked("k", lambda conn: conn.run(backend))[0][0]
    first = warm.connection()
    assert warm.locked("k", lambda conn: conn.run(backend))[0][0] == pid and warm.connection() is first

    admin = db.connect(index_dsn)
    try:
        admin.run("SELECT pg_terminate_backend(:pid)", pid=pid)  # as a database restart would
    finally:
        admin.close()

    try:
        # no check before use: the lock finds the connection gone and the work runs on a new one
        assert warm.locked("k", lambda conn: conn.run(backend))[0][0] != pid
        second = warm.connection()
        assert second is not first and warm.locked("k", lambda conn: conn.run("SELECT 1")) == [[1]]
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
        warm.locked("k", lambda conn: conn.run("SELECT 1"))
        with pytest.raises(DatabaseError, match="no_such_table"):
            warm.locked("k", bad)
        assert runs == [1]
        assert warm.locked("k", lambda conn: conn.run("SELECT 1")) == [[1]]  # and its turn ended
    finally:
        warm.connection().close()


def test_the_index_writes_and_deletes_through_one_connection(conn, index_dsn):
    warm = database.Database(index_dsn)
    index = database.PostgresIndex(warm)
    row = document("conn/a.txt", "words")
    key = "extracted/conn/a.txt"
    try:
        assert index.exclusively(row.bucket, key, lambda: (index.upsert(row), index.upsert(row))) == (True, False)
        assert index.exclusively(row.bucket, key, lambda: index.delete(row.bucket, key)) is True
        assert index.exclusively(row.bucket, key, lambda: index.delete(row.bucket, key)) is False
    finally:
        warm.connection().close()


class Unreachable:
    def __init__(self):
        self.attempts = 0

    def locked(self, name, work):
        self.attempts += 1
        raise ConnectionRefusedError("database down")


def test_a_failed_connect_fails_the_rest_of_the_event_at_once():
    unreachable = Unreachable()
    index = database.PostgresIndex(unreachable)
    row = document("down/a.txt")
    for _ in range(3):
        with pytest.raises(ConnectionRefusedError, match="database down"):
            index.exclusively(row.bucket, "extracted/down/a.txt", lambda: index.upsert(row))
    assert unreachable.attempts == 1, "one connection attempt per event, not one per record"


def _waiting_for_a_lock(admin) -> int:
    return admin.run("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")[0][0]


def test_syncs_of_one_key_take_turns_and_of_other_keys_do_not(index_dsn):
    first, second, other = (database.Database(index_dsn) for _ in range(3))
    admin = db.connect(index_dsn)
    order: list[str] = []
    second_sync = threading.Thread(
        target=lambda: second.locked("bucket/extracted/a.txt", lambda conn: order.append("second starts"))
    )

    def first_turn(conn):
        order.append("first starts")
        other.locked("bucket/extracted/b.txt", lambda c: order.append("another key meanwhile"))
        second_sync.start()
        poll_until(lambda: _waiting_for_a_lock(admin) == 1, timeout=10, interval=0.02, what="the second sync waiting")
        order.append("first ends")

    try:
        first.locked("bucket/extracted/a.txt", first_turn)
        second_sync.join(timeout=10)
        assert order == ["first starts", "another key meanwhile", "first ends", "second starts"]
    finally:
        admin.close()
        for kept in (first, second, other):
            kept.connection().close()


def test_a_turn_is_the_sessions_lock_on_the_key_until_it_ends(conn):
    held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
    store.lock(conn, "bucket/extracted/a.txt")
    assert conn.run(held) == [[1]]
    store.unlock(conn, "bucket/extracted/a.txt")
    assert conn.run(held) == [[0]]
