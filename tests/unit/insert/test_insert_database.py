"""The insert function's kept connection without a server: what it connects with, a reconnect
that fails once (the server still starting) being tried again at the next invocation, and the
lock a sync's work holds."""

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
        self.statements: list[str] = []
        self.lock_names: list[str] = []

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
        self.prepared: list[str] = []

    def prepare(self, sql):
        if self.dropped:
            raise InterfaceError("network error")
        self.prepared.append(sql)
        return PreparedStatement(self, sql)

    def run(self, sql, **params):
        if self.dropped:
            raise InterfaceError("network error")
        self.server.statements.append(sql if sql.startswith("SELECT 1") else sql.split("(")[0])
        if "name" in params:
            self.server.lock_names.append(params["name"])
        return [[1]]

    def close(self):
        self.closed = True
        if self.dropped:
            raise InterfaceError("network error")  # as pg8000's close on a broken connection may


class PreparedStatement:
    def __init__(self, conn: Connection, sql: str):
        self.conn, self.sql = conn, sql

    def run(self, **params):
        return self.conn.run(self.sql, **params)


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
    assert kept.locked("k", select) == [[1]]
    first.dropped = True  # the server restarted
    server.down = True
    with pytest.raises(ConnectionRefusedError):
        kept.locked("k", select)
    server.down = False
    assert kept.locked("k", select) == [[1]]
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


def test_a_connection_found_gone_is_closed_and_the_work_runs_on_a_new_one(server):
    db = database.Database(DSN)
    gone = db.connection()
    gone.dropped = True
    assert db.locked("k", lambda conn: conn.run("SELECT 1")) == [[1]]
    assert gone.closed
    assert len(server.connects) == 2 and db.connection() is not gone


LOCK, UNLOCK = "SELECT pg_advisory_lock", "SELECT pg_advisory_unlock"
LOCK_SQL, UNLOCK_SQL = database.store.LOCK, database.store.UNLOCK


def test_the_work_runs_between_lock_and_unlock_and_the_connection_is_kept(server):
    db = database.Database(DSN)
    assert db.locked("bucket/extracted/a.txt", lambda conn: conn.run("SELECT 1")) == [[1]]
    db.locked("bucket/extracted/b.txt", lambda conn: None)
    assert server.statements == [LOCK, "SELECT 1", UNLOCK, LOCK, UNLOCK]
    assert len(server.connects) == 1


def test_work_that_fails_ends_its_turn_and_is_not_run_again(server):
    db = database.Database(DSN)
    runs = []

    def fails(conn):
        runs.append(1)
        raise ValueError("bad document")

    with pytest.raises(ValueError, match="bad document"):
        db.locked("k", fails)
    assert runs == [1] and server.statements == [LOCK, UNLOCK]
    assert len(server.connects) == 1 and not db.connection().closed


def test_a_connection_lost_during_the_work_runs_all_of_it_again_on_a_new_one(server):
    """The lock went with the session: the work's reads must come after the new lock, not only its write."""
    db = database.Database(DSN)
    first = db.connection()
    calls = []

    def work(statements):
        calls.append(statements.conn)
        if statements.conn is first:
            first.dropped = True  # the server restarts while the work runs
        return statements.run("SELECT 1")

    assert db.locked("k", work) == [[1]]
    assert len(calls) == 2 and calls[1] is not first and first.closed
    assert server.statements == [LOCK, LOCK, "SELECT 1", UNLOCK]
    assert server.lock_names == ["k", "k", "k"]  # the second lock is the same key's


OUTSIDE_A_TURN = r"^the index writes only inside exclusively\(\)$"


def test_the_index_writes_only_in_its_keys_turn(server):
    index = database.PostgresIndex(database.Database(DSN))
    with pytest.raises(RuntimeError, match=OUTSIDE_A_TURN):
        index.delete("bucket", "extracted/a.txt")
    assert index.exclusively("bucket", "extracted/a.txt", lambda: index.delete("bucket", "extracted/a.txt")) is True
    assert server.lock_names == ["bucket/extracted/a.txt", "bucket/extracted/a.txt"]  # lock, unlock
    with pytest.raises(RuntimeError, match=OUTSIDE_A_TURN):  # the turn has ended
        index.delete("bucket", "extracted/a.txt")


def test_each_statement_is_prepared_once_per_connection(server):
    db = database.Database(DSN)
    for key in ("a", "b", "c"):
        db.locked(key, lambda statements: statements.run("SELECT 1"))
    first = db.connection()
    assert sorted(first.prepared) == sorted({LOCK_SQL, "SELECT 1", UNLOCK_SQL})

    first.dropped = True  # the server restarted: the new connection prepares them again
    db.locked("d", lambda statements: statements.run("SELECT 1"))
    assert db.connection() is not first
    assert sorted(db.connection().prepared) == sorted({LOCK_SQL, "SELECT 1", UNLOCK_SQL})
