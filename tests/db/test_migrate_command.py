"""`make migrate DATABASE_URL=...`: the schema on any PostgreSQL, here a fresh database."""

from __future__ import annotations

import pytest

from cli.app import main
from pipeline_core.dsn import parse_dsn
from settings import db

pytestmark = pytest.mark.db


def test_migrate_applies_every_migration_once_then_reports_up_to_date(make_database, capsys):
    dsn = make_database("migrate_command")
    everything = [path.name for path in db.available_migrations()]

    assert main(["migrate", "--database-url", dsn]) == 0
    first = capsys.readouterr().out
    assert main(["migrate", "--database-url", dsn]) == 0
    second = capsys.readouterr().out

    assert f"applied {', '.join(everything)}" in first
    assert "schema up to date" in second
    assert f":{parse_dsn(dsn)['password']}@" not in first + second, "the password was printed"
    assert ":***@" in first
    conn = db.connect(dsn)
    try:
        assert sorted(v for (v,) in conn.run("SELECT version FROM schema_migrations")) == everything
    finally:
        conn.close()


@pytest.mark.parametrize(
    "url, message",
    [
        ("", "no database given: `make migrate DATABASE_URL="),
        ("mysql://user:pw@host/db", "not a postgresql://"),
        ("postgresql://user:pw@127.0.0.1:9/search", "is not reachable"),
    ],
)
def test_migrate_refuses_clearly(url, message, capsys):
    assert main(["migrate", "--database-url", url]) == 1
    assert message in capsys.readouterr().err
