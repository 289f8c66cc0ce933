"""The connection to the search database.

An execution environment keeps one connection for its warm invocations and
checks it before each one, reconnecting when the database was restarted.
"""

from __future__ import annotations

import pg8000.native
from pg8000.exceptions import InterfaceError

from indexer import store
from pipeline_core.dsn import parse_dsn

# Seconds to wait for the server on connect and on every statement.
TIMEOUT = 20


class Database:
    """A connection kept across warm invocations."""

    def __init__(self, dsn: str):
        self._args = parse_dsn(dsn, "DATABASE_DSN")
        self._conn = None

    def connection(self) -> pg8000.native.Connection:
        if self._conn is not None:
            try:
                self._conn.run("SELECT 1")
                return self._conn
            except (InterfaceError, OSError):
                self._conn = None
        self._conn = pg8000.native.Connection(**self._args, timeout=TIMEOUT, application_name="insert")
        return self._conn


class PostgresIndex:
    """The index as one invocation sees it.

    Connects on first use. If that fails, the remaining records of the event
    fail at once with the same error instead of each waiting for a timeout.
    """

    def __init__(self, database: Database):
        self._database = database
        self._conn = None
        self._error: Exception | None = None

    def _connection(self):
        if self._error is not None:
            raise self._error
        if self._conn is None:
            try:
                self._conn = self._database.connection()
            except Exception as exc:
                self._error = exc
                raise
        return self._conn

    def upsert(self, row: store.Row) -> bool:
        return store.upsert(self._connection(), row)

    def delete(self, bucket: str, extracted_key: str) -> bool:
        return store.delete(self._connection(), bucket, extracted_key)
