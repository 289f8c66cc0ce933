"""The connection to the search database.

An execution environment keeps one connection for its warm invocations. It is not
checked before use (that would cost every invocation a round trip): work that finds
the warm connection broken (the database restarted since) connects again and runs
once more, from the start. A sync's work holds a lock of the connection's session
(``store.lock``), which goes with a broken connection, so all of it runs again: its
reads of the bucket too, not only the statement that failed. Both statements the
index runs are idempotent, so running one again is safe even when the first run
committed before the connection broke.

Statements run prepared: PostgreSQL parses and plans each once per connection, not at
every run (``Statements``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

import pg8000.native
from pg8000.exceptions import DatabaseError, InterfaceError

from indexer import store
from pipeline_core.dsn import parse_dsn

# Seconds to wait for the server on connect and on every statement.
TIMEOUT = 20
# SQLSTATEs of a connection that is gone: class 08 (connection exception) and the server shutting it down.
GONE_CLASS = "08"
GONE_STATES = frozenset({"57P01", "57P02", "57P03"})

T = TypeVar("T")


def connection_is_gone(error: BaseException) -> bool:
    """Whether ``error`` says the connection broke, rather than that the statement failed."""
    if isinstance(error, (InterfaceError, OSError)):
        return True
    if isinstance(error, DatabaseError) and error.args and isinstance(error.args[0], dict):
        state = str(error.args[0].get("C", ""))
        return state.startswith(GONE_CLASS) or state in GONE_STATES
    return False


class Statements:
    """Runs statements on one connection, each prepared at its first run there.

    ``run(sql, **params)`` as ``pg8000.native.Connection.run``: the rows. Unprepared, a small
    upsert cost PostgreSQL 1.6–2.1 ms of CPU and the function 3.4–4 ms of wall time, with the
    lock and unlock around it; prepared, 0.5 and 1 ms.
    """

    def __init__(self, conn: pg8000.native.Connection):
        self.conn = conn
        self._prepared: dict[str, pg8000.native.PreparedStatement] = {}

    def run(self, sql: str, **params: Any) -> list:
        statement = self._prepared.get(sql)
        if statement is None:
            statement = self._prepared[sql] = self.conn.prepare(sql)
        return statement.run(**params)


class Database:
    """A connection kept across warm invocations."""

    def __init__(self, dsn: str):
        self._args = parse_dsn(dsn, "DATABASE_DSN")
        self._statements: Statements | None = None

    def statements(self) -> Statements:
        """The warm connection's statements, or a new connection's."""
        if self._statements is None:
            conn = pg8000.native.Connection(**self._args, timeout=TIMEOUT, application_name="insert")
            self._statements = Statements(conn)
        return self._statements

    def connection(self) -> pg8000.native.Connection:
        """The warm connection, or a new one."""
        return self.statements().conn

    def locked(self, name: str, work: Callable[[Statements], T]) -> T:
        """``work(statements)`` while the connection holds the lock ``name``; all of it once more
        on a new connection if the warm one turns out to be gone."""
        warm = self._statements is not None
        try:
            return self._locked(name, work)
        except Exception as error:
            if not (warm and connection_is_gone(error)):
                raise
        self._drop()
        return self._locked(name, work)

    def _locked(self, name: str, work: Callable[[Statements], T]) -> T:
        statements = self.statements()
        store.lock(statements, name)
        try:
            return work(statements)
        finally:
            try:
                store.unlock(statements, name)
            except Exception:
                self._drop()  # the session, and its lock, end with the connection

    def _drop(self) -> None:
        statements, self._statements = self._statements, None
        if statements is not None:
            with contextlib.suppress(Exception):  # it is gone already: closing only tidies up
                statements.conn.close()


class PostgresIndex:
    """The index as one invocation sees it.

    Connects on first use. If that fails, the remaining records of the event
    fail at once with the same error instead of each waiting for a timeout.
    """

    def __init__(self, database: Database):
        self._database = database
        self._error: Exception | None = None
        self._statements: Statements | None = None  # while a sync holds its lock

    def exclusively(self, bucket: str, doc_key: str, work: Callable[[], T]) -> T:
        """``work()`` while no other sync of the same document key runs; ``work`` writes with
        ``upsert`` and ``delete``."""
        if self._error is not None:
            raise self._error
        try:
            return self._database.locked(f"{bucket}/{doc_key}", lambda statements: self._holding(statements, work))
        except Exception as error:
            if connection_is_gone(error):
                self._error = error
            raise

    def _holding(self, statements: Statements, work: Callable[[], T]) -> T:
        self._statements = statements
        try:
            return work()
        finally:
            self._statements = None

    def _locked_statements(self) -> Statements:
        if self._statements is None:
            raise RuntimeError("the index writes only inside exclusively()")
        return self._statements

    def upsert(self, row: store.Row) -> bool:
        return store.upsert(self._locked_statements(), row)

    def delete(self, bucket: str, extracted_key: str) -> bool:
        return store.delete(self._locked_statements(), bucket, extracted_key)
