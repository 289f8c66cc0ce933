"""The insert function's connection: kept warm, replaced after a restart, one error for the rest of an event."""

from __future__ import annotations

import pytest
from db_documents import document
from pg8000.exceptions import InterfaceError

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
    first = warm.connection()
    assert warm.connection() is first
    pid = first.run("SELECT pg_backend_pid()")[0][0]

    admin = db.connect(index_dsn)
    try:
        admin.run("SELECT pg_terminate_backend(:pid)", pid=pid)  # as a database restart would
    finally:
        admin.close()

    second = warm.connection()
    try:
        assert second is not first
        assert second.run("SELECT 1") == [[1]]
        assert warm.connection() is second
    finally:
        second.close()  # the suite drops its database at the end


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

    def connection(self):
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
