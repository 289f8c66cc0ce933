import shutil

import pytest

from settings import db


@pytest.fixture()
def connect():
    """Connections closed when the test ends (a lingering session blocks dropping its database)."""
    opened = []

    def open_(dsn: str):
        opened.append(db.connect(dsn))
        return opened[-1]

    yield open_
    for conn in opened:
        conn.close()


def _tables(conn) -> set[str]:
    rows = conn.run("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {name for (name,) in rows}


def test_migrations_are_applied_once(make_database, connect):
    conn = connect(make_database("migrations_once"))

    applied = [path.name for path in db.available_migrations()]
    assert applied[:2] == ["0001_documents.sql", "0002_upload_versions.sql"]
    assert db.migrate(conn) == applied
    assert db.migrate(conn) == []
    assert conn.run("SELECT version FROM schema_migrations ORDER BY version") == [[name] for name in applied]
    assert {"documents", "schema_migrations"} <= _tables(conn)


def test_0002_keeps_the_rows_of_0001_and_marks_them_unversioned(make_database, connect, tmp_path):
    shutil.copy(db.MIGRATIONS_DIR / "0001_documents.sql", tmp_path)
    conn = connect(make_database("migrations_0002"))
    db.migrate(conn, tmp_path)
    conn.run(
        "INSERT INTO documents (bucket, key, extracted_key, content, status, extracted_at, sequencer) "
        "VALUES ('b', 'uploads/a.txt', 'extracted/a.txt', 'field data', 'ok', now(), '00A1')"
    )
    shutil.copy(db.MIGRATIONS_DIR / "0002_upload_versions.sql", tmp_path)

    assert db.migrate(conn, tmp_path) == ["0002_upload_versions.sql"]
    assert conn.run("SELECT key, content, source_last_modified, document_etag FROM documents") == [
        ["uploads/a.txt", "field data", None, None]
    ]
    columns = {
        name
        for (name,) in conn.run("SELECT column_name FROM information_schema.columns WHERE table_name = 'documents'")
    }
    assert "sequencer" not in columns


def test_a_failing_migration_rolls_back_the_whole_run(make_database, connect, tmp_path):
    shutil.copy(db.MIGRATIONS_DIR / "0001_documents.sql", tmp_path)
    (tmp_path / "0002_notes.sql").write_text("CREATE TABLE notes (id integer);\n")
    (tmp_path / "0003_broken.sql").write_text("CREATE TABLE broken (;\n")
    conn = connect(make_database("migrations_rollback"))

    with pytest.raises(db.MigrationError, match=r"0003_broken\.sql failed"):
        db.migrate(conn, tmp_path)
    assert _tables(conn) == set()

    (tmp_path / "0003_broken.sql").unlink()
    assert db.migrate(conn, tmp_path) == ["0001_documents.sql", "0002_notes.sql"]
    assert "notes" in _tables(conn)


def test_an_applied_migration_that_was_edited_is_reported(make_database, connect, tmp_path):
    shutil.copy(db.MIGRATIONS_DIR / "0001_documents.sql", tmp_path)
    conn = connect(make_database("migrations_edited"))
    db.migrate(conn, tmp_path)

    with open(tmp_path / "0001_documents.sql", "a") as migration:
        migration.write("\n-- an afterthought\n")
    with pytest.raises(db.MigrationError, match=r"0001_documents\.sql was changed after it was applied"):
        db.migrate(conn, tmp_path)


def test_migration_files_are_numbered_once(tmp_path):
    (tmp_path / "0001_a.sql").write_text("")
    (tmp_path / "0001_b.sql").write_text("")
    with pytest.raises(db.MigrationError, match="share a number"):
        db.available_migrations(tmp_path)
