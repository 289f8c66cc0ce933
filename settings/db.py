"""Connecting to the search database and migrating its schema.

Migrations are the numbered SQL files in ``bootstrap/migrations`` (``0001_*.sql``,
``0002_*.sql``, ...). Each is applied once, in order, inside one transaction,
and recorded in ``schema_migrations`` with a checksum so that an applied
migration that was edited afterwards is reported instead of silently ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path

import pg8000.native
from pg8000.exceptions import DatabaseError, InterfaceError

from pipeline_core.dsn import parse_dsn
from settings.config import PROJECT_ROOT
from settings.errors import UserError

MIGRATIONS_DIR = PROJECT_ROOT / "bootstrap" / "migrations"
CONNECT_TIMEOUT = 10
# Any constant will do: it only keeps two migrators from running at once.
MIGRATION_LOCK_ID = 0x66756531
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseUnavailable(UserError):
    """Nothing answers at the database's address."""


class MigrationError(UserError):
    pass


def connect(dsn: str, timeout: float = CONNECT_TIMEOUT) -> pg8000.native.Connection:
    """Open a connection; DatabaseUnavailable when no server answers at that address."""
    args = parse_dsn(dsn)
    try:
        return pg8000.native.Connection(**args, timeout=timeout, application_name="file-upload-extraction")
    except (InterfaceError, OSError) as exc:
        raise DatabaseUnavailable(f"the search database at {args['host']}:{args['port']} is not reachable") from exc


def available_migrations(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    numbered = {p: match.group(1) for p in directory.glob("*.sql") if (match := MIGRATION_NAME.match(p.name))}
    if len(set(numbered.values())) != len(numbered):
        raise MigrationError(f"two migrations share a number in {directory}")
    return sorted(numbered)


def _checksum(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()


def migrate(conn: pg8000.native.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the migrations not applied yet, all in one transaction.

    Returns the names of those applied now (empty: the schema was up to date).
    """
    migrations = available_migrations(directory)
    conn.run("BEGIN")
    try:
        conn.run("SELECT pg_advisory_xact_lock(:id)", id=MIGRATION_LOCK_ID)
        conn.run(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY,"
            " checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        applied = dict(conn.run("SELECT version, checksum FROM schema_migrations"))
        done = []
        for path in migrations:
            sql = path.read_text()
            if path.name in applied:
                if applied[path.name] != _checksum(sql):
                    raise MigrationError(f"{path.name} was changed after it was applied: add a new migration instead")
                continue
            try:
                conn.run(sql)
            except DatabaseError as exc:
                raise MigrationError(f"{path.name} failed: {exc}") from exc
            conn.run(
                "INSERT INTO schema_migrations (version, checksum) VALUES (:version, :checksum)",
                version=path.name,
                checksum=_checksum(sql),
            )
            done.append(path.name)
        conn.run("COMMIT")
    except BaseException:
        with contextlib.suppress(InterfaceError):
            conn.run("ROLLBACK")
        raise
    return done
