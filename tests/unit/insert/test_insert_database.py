"""The insert function's kept connection without a server: what it connects with, and a reconnect
that fails once (the server still starting) being tried again at the next invocation."""

from __future__ import annotations

import pytest
from pg8000.exceptions import DatabaseError, InterfaceError

from indexer import database

DSN = "postgresql://indexer:secret@db.example:6543/search"


class Server:
    """Stands in for pg8000.native.Connection: records each connect, can be down or restarted."""

    def __init__(self):
        self.connects: list[dict] = []
        self.down = False

    def connect(self, **arguments):
        self.connects.append(arguments)
        if self.down:
            raise ConnectionRefusedError("the database is starting up")
        return Connection(self)


class Connection:
    def __init__(self, server: Server):
        self.server = server
        self.dropped = False
        self.closed = False

    def run(self, sql):
        if self.dropped:
            raise InterfaceError("network error")
        return [[1]]

    def close(self):
        self.closed = True


@pytest.fixture
def server(monkeypatch) -> Server:
    server = Server()
    monkeypatch.setattr(database.pg8000.native, "Connection", server.connect)
    return server


def test_the_connection_names_the_function_and_bounds_every_wait(server):
    database.Database(DSN).connection()
    [arguments] = server.connects
    assert arguments == {
        "user": "indexer",
        "password": "secret",
        "host": "db.example",
        "port": 6543,
        "database": "search",
        "ssl_context": None,  # no sslmode in the DSN: pg8000's default
        "timeout": database.TIMEOUT,
        "application_name": "insert",
    }
    assert database.TIMEOUT == 20


def test_a_reconnect_that_fails_is_tried_again_at_the_next_use(server):
    kept = database.Database(DSN)
    select = lambda conn: conn.run("SELECT 1")  # noqa: E731
    first = kept.connection()
    assert kept.run(select) == [[1]]
    first.dropped = True  # the server restarted
    server.down = True
    with pytest.raises(ConnectionRefusedError):
        kept.run(select)
    server.down = False
    assert kept.run(select) == [[1]]
    assert kept.connection() is not first
    assert len(server.connects) == 3


def test_a_dsn_that_is_not_postgresql_names_the_setting():
    with pytest.raises(ValueError) as refused:
        database.Database("mysql://indexer@db.example/search")
    assert str(refused.value).startswith("DATABASE_DSN is not a postgresql://")


@pytest.mark.parametrize(
    ("error", "gone"),
    [
        (InterfaceError("network error"), True),
        (ConnectionResetError("reset"), True),
        (DatabaseError({"C": "08006", "M": "connection failure"}), True),
        (DatabaseError({"C": "57P01", "M": "terminating connection due to administrator command"}), True),
        (DatabaseError({"C": "57P03", "M": "the database system is starting up"}), True),
        (DatabaseError({"C": "23505", "M": "duplicate key"}), False),
        (DatabaseError({"M": "no state"}), False),
        (DatabaseError("not a dict"), False),
        (DatabaseError(), False),
        (ValueError("bad"), False),
    ],
)
def test_which_errors_mean_the_connection_is_gone(error, gone):
    assert database.connection_is_gone(error) is gone


def test_a_connection_found_gone_is_closed_and_the_statement_runs_on_a_new_one(server):
    db = database.Database(DSN)
    gone = db.connection()
    gone.dropped = True
    assert db.run(lambda conn: conn.run("SELECT 1")) == [[1]]
    assert gone.closed
    assert len(server.connects) == 2 and db.connection() is not gone
