"""Hand-written mutants of the SQL that mutmut cannot mutate: the migrations and the upsert/delete.

Each mutant replaces one exact piece of text in one file (the text must occur exactly once)
in a copy of the project, then runs the database suite there; a failing suite kills it.
``equivalent`` names mutants no test can tell apart from the original, with the reason: they
are listed to show they were considered, and are not counted in the score.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MIGRATION_1 = "bootstrap/migrations/0001_documents.sql"
MIGRATION_2 = "bootstrap/migrations/0002_upload_versions.sql"
MIGRATION_4 = "bootstrap/migrations/0004_search_vector_once.sql"
MIGRATION_5 = "bootstrap/migrations/0005_content_lz4.sql"
STORE = "lambdas/insert/indexer/store.py"
SEARCH = "operations/search.py"
COPIED = ("settings", "lifecycle", "operations", "cli", "bootstrap", "lambdas", "awsdeploy", "tests", "pyproject.toml")


@dataclass(frozen=True)
class SqlMutant:
    name: str
    file: str
    old: str
    new: str
    equivalent: str | None = None  # why no test can tell it from the original


MUTANTS = [
    # 0001: the search configuration and vectors
    SqlMutant(
        "unaccent-dropped",
        MIGRATION_1,
        "ALTER MAPPING FOR word, hword, hword_part WITH unaccent, english_stem",
        "ALTER MAPPING FOR word, hword, hword_part WITH english_stem",
    ),
    SqlMutant(
        "stemming-dropped",
        MIGRATION_1,
        "ALTER MAPPING FOR word, hword, hword_part WITH unaccent, english_stem",
        "ALTER MAPPING FOR word, hword, hword_part WITH unaccent, simple",
    ),
    SqlMutant("cjk-not-separated", MIGRATION_1, "E'\\x1f\\\\1\\x1f'", "'\\1'"),
    SqlMutant(
        "key-words-split-once",
        MIGRATION_1,
        "regexp_replace(key, '[/._-]+', ' ', 'g')",
        "regexp_replace(key, '[/._-]+', ' ')",
    ),
    SqlMutant("file-name-not-indexed", MIGRATION_1, "regexp_replace(key, '^.*/', '')", "''"),
    SqlMutant("name-weighs-like-content", MIGRATION_1, "        'A'\n    );", "        'D'\n    );"),
    SqlMutant(
        "too-many-words-indexed-by-name-only",
        MIGRATION_1,
        "search_text(left(content, 250000))",
        "search_text(left(content, 0))",
    ),
    SqlMutant(
        "content-change-keeps-old-vector",
        MIGRATION_1,
        "BEFORE INSERT OR UPDATE OF key, content",
        "BEFORE INSERT OR UPDATE OF key",
    ),
    SqlMutant("one-row-per-key-across-buckets", MIGRATION_1, "PRIMARY KEY (bucket, key)", "PRIMARY KEY (key)"),
    SqlMutant(
        "null-content-coalesced-away",
        MIGRATION_1,
        "search_text(coalesce(content, ''))",
        "search_text(content)",
        equivalent="content is NOT NULL DEFAULT '': coalesce never sees a NULL",
    ),
    # 0002: the version columns
    SqlMutant(
        "upload-time-without-zone",
        MIGRATION_2,
        "ADD COLUMN source_last_modified timestamptz",
        "ADD COLUMN source_last_modified timestamp",
    ),
    SqlMutant(
        "extracted-key-index-dropped",
        MIGRATION_2,
        "CREATE INDEX documents_extracted_key_idx ON documents (bucket, extracted_key);",
        "",
        equivalent="an index changes the plan, not the answer: deletes by document key find the same rows",
    ),
    # the upsert's guard: skip the write only when the row holds that very document and version
    SqlMutant(
        "guard-ignores-document-etag",
        STORE,
        "WHERE (documents.document_etag, documents.extracted_key,",
        "WHERE (EXCLUDED.document_etag, documents.extracted_key,",
    ),
    SqlMutant(
        "guard-ignores-extracted-key",
        STORE,
        "documents.extracted_key, documents.etag, documents.size,",
        "EXCLUDED.extracted_key, documents.etag, documents.size,",
    ),
    SqlMutant(
        "guard-ignores-upload-etag",
        STORE,
        "documents.extracted_key, documents.etag, documents.size,",
        "documents.extracted_key, EXCLUDED.etag, documents.size,",
    ),
    SqlMutant(
        "guard-ignores-size",
        STORE,
        "documents.extracted_key, documents.etag, documents.size,",
        "documents.extracted_key, documents.etag, EXCLUDED.size,",
    ),
    SqlMutant(
        "guard-ignores-upload-time",
        STORE,
        "       documents.source_last_modified)",
        "       EXCLUDED.source_last_modified)",
    ),
    SqlMutant("guard-with-plain-inequality", STORE, "IS DISTINCT FROM", "<>"),
    SqlMutant("guard-dropped", STORE, "WHERE (documents.document_etag", "WHERE true OR (documents.document_etag"),
    SqlMutant(
        "guard-always-skips", STORE, "WHERE (documents.document_etag", "WHERE false AND (documents.document_etag"
    ),
    SqlMutant("update-keeps-old-content", STORE, "    content = EXCLUDED.content, ", "    "),
    SqlMutant("update-keeps-old-status", STORE, "    status = EXCLUDED.status, ", "    "),
    SqlMutant("update-keeps-old-error", STORE, "error = EXCLUDED.error, extractor", "extractor"),
    SqlMutant("update-keeps-old-extracted-key", STORE, "    extracted_key = EXCLUDED.extracted_key, ", "    "),
    SqlMutant("update-keeps-indexed-at", STORE, ", indexed_at = now()", ""),
    # the search vector once per text (0004 and the upsert)
    SqlMutant(
        "same-text-vector-not-kept",
        STORE,
        "(SELECT held.search_vector FROM held WHERE held.content = :content)",
        "NULL",
    ),
    SqlMutant("update-recomputes-vector", STORE, ", search_vector = EXCLUDED.search_vector", ""),
    SqlMutant(
        "brought-vector-ignored-on-insert",
        MIGRATION_4,
        "IF TG_OP = 'INSERT' AND NEW.search_vector IS NOT NULL THEN",
        "IF false THEN",
    ),
    SqlMutant(
        "same-text-recomputed-on-update",
        MIGRATION_4,
        "IF TG_OP = 'UPDATE' AND (NEW.key, NEW.content) IS NOT DISTINCT FROM (OLD.key, OLD.content) THEN",
        "IF false THEN",
    ),
    SqlMutant(
        "any-update-trusts-its-vector",
        MIGRATION_4,
        "IF TG_OP = 'UPDATE' AND NEW.search_vector IS DISTINCT FROM OLD.search_vector THEN",
        "IF TG_OP = 'UPDATE' THEN",
    ),
    # texts compressed with lz4 (0005)
    SqlMutant(
        "content-keeps-pglz",
        MIGRATION_5,
        "ALTER COLUMN content SET COMPRESSION lz4",
        "ALTER COLUMN content SET COMPRESSION pglz",
    ),
    SqlMutant("lz4-never-chosen", MIGRATION_5, "IF 'lz4' = ANY", "IF 'lz5' = ANY"),
    SqlMutant("delete-ignores-bucket", STORE, "WHERE bucket = :bucket AND extracted_key", "WHERE extracted_key"),
    SqlMutant("delete-by-upload-key", STORE, "AND extracted_key = :extracted_key", "AND key = :extracted_key"),
    # search: rank first, then cut
    SqlMutant("limit-before-ranking", SEARCH, "    ORDER BY rank DESC, d.key\n    LIMIT :limit", "    LIMIT :limit"),
    SqlMutant("ties-in-any-order", SEARCH, "    ORDER BY rank DESC, d.key\n", "    ORDER BY rank DESC\n"),
    SqlMutant(
        "failed-documents-not-found-by-name",
        MIGRATION_1,
        "RETURN key_search_vector(key) || setweight(to_tsvector('document_search', search_text(coalesce",
        "RETURN setweight(to_tsvector('document_search', search_text(coalesce",
    ),
]


@contextmanager
def project_copy() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sql-mutant-") as folder:
        copy = Path(folder)
        for name in COPIED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            elif source.exists():
                shutil.copy2(source, copy / name)
        yield copy


def _apply(copy: Path, mutant: SqlMutant) -> str:
    """Apply ``mutant`` to the copy; returns the original text of the file."""
    path = copy / mutant.file
    original = path.read_text()
    if original.count(mutant.old) != 1:
        raise ValueError(
            f"SQL mutant {mutant.name}: {mutant.old!r} occurs {original.count(mutant.old)} times "
            f"in {mutant.file}, not once: update tests/mutation/sql_mutants.py"
        )
    path.write_text(original.replace(mutant.old, mutant.new))
    return original


# The database tests that exercise this SQL (the rest of tests/db is about the cluster and roles).
TESTS = (
    "tests/db/test_store.py",
    "tests/db/test_search.py",
    "tests/db/test_search_command.py",
    "tests/db/test_migrations.py",
    "tests/db/test_reconcile_rows.py",
    "tests/db/test_fake_index.py",
)


def run(tests: tuple[str, ...] = TESTS, log=print) -> dict[str, str]:
    """name -> "killed" | "survived" | "equivalent" for every mutant."""
    results = {}
    with project_copy() as copy:
        present = [test for test in tests if (copy / test).exists()]
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *present]
        for mutant in MUTANTS:
            original = _apply(copy, mutant)
            try:
                if mutant.equivalent:
                    results[mutant.name] = "equivalent"
                    continue
                outcome = subprocess.run(command, cwd=copy, capture_output=True, text=True)
                if outcome.returncode not in (0, 1):  # 1: tests failed; anything else: they could not run
                    raise RuntimeError(
                        f"the database suite could not run with SQL mutant {mutant.name} "
                        f"(exit {outcome.returncode}):\n{outcome.stdout[-3000:]}{outcome.stderr[-3000:]}"
                    )
                results[mutant.name] = "survived" if outcome.returncode == 0 else "killed"
                log(f"    sql {mutant.name}: {results[mutant.name]}")
            finally:
                (copy / mutant.file).write_text(original)
    return results
