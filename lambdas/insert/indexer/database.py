"""The connection to the search database.

An execution environment keeps one connection for its warm invocations. It is not
checked before use (that would cost every invocation a round trip): a statement that
finds the warm connection broken (the database restarted since) connects again and
runs once more. Both statements the index runs are idempotent, so running one again
is safe even when the first run committed before the connection broke.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TypeVar

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


class Database:
    """A connection kept across warm invocations."""

    def __init__(self, dsn: str):
        self._args = parse_dsn(dsn, "DATABASE_DSN")
        self._conn: pg8000.native.Connection | None = None

    def connection(self) -> pg8000.native.Connection:
        """The warm connection, or a new one."""
        if self._conn is None:
            self._conn = pg8000.native.Connection(**self._args, timeout=TIMEOUT, application_name="insert")
        return self._conn

    def run(self, statement: Callable[[pg8000.native.Connection], T]) -> T:
        """``statement(connection)``, once more on a new connection if the warm one turns out to be gone."""
        warm = self._conn is not None
        try:
            return statement(self.connection())
        except Exception as error:
            if not (warm and connection_is_gone(error)):
                raise
        self._drop()
        return statement(self.connection())

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # it is gone already: closing only tidies up
                conn.close()


class PostgresIndex:
    """The index as one invocation sees it.

    Connects on first use. If that fails, the remaining records of the event
    fail at once with the same error instead of each waiting for a timeout.
    """

    def __init__(self, database: Database):
        self._database = database
        self._error: Exception | None = None

    def _run(self, statement: Callable[[pg8000.native.Connection], T]) -> T:
        if self._error is not None:
            raise self._error
        try:
            return self._database.run(statement)
        except Exception as error:
            if connection_is_gone(error):
                self._error = error
            raise

    def upsert(self, row: store.Row) -> bool:
        return self._run(lambda conn: store.upsert(conn, row))

    def delete(self, bucket: str, extracted_key: str) -> bool:
        return self._run(lambda conn: store.delete(conn, bucket, extracted_key))
