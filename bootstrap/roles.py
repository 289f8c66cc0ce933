"""The insert function's database role, where the owner may create roles (Docker mode).

The insert function logs in as ``POSTGRES_INSERT_USER``, a member of
``documents_writer`` (granted the ``documents`` table by migration 0003). In
host mode the cluster's superuser creates both before bootstrap runs
(``lifecycle.postgres_host``); in Docker mode the owner is the container's superuser,
and this makes them. The password reaches the server only as a SCRAM verifier.
"""

from __future__ import annotations

from bootstrap.report import CREATED, UNCHANGED, Report
from lifecycle.postgres_host import WRITER_ROLE, scram_verifier
from settings.config import Config

STATEMENTS = (
    "SELECT format('CREATE ROLE %I NOLOGIN', :writer::text)"
    " WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :writer)",
    "SELECT format('CREATE ROLE %I', :name::text) WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :name)",
    "SELECT format('ALTER ROLE %I LOGIN NOCREATEDB NOCREATEROLE INHERIT PASSWORD %L', :name::text, :verifier::text)",
    "SELECT format('GRANT %I TO %I', :writer::text, :name::text)",
)


def ensure_insert_role(conn, cfg: Config, report: Report) -> None:
    """Create or update the insert function's login role, when the connected owner may create roles."""
    may_create = conn.run("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    if not may_create or not may_create[0][0]:
        return  # host mode: made by the cluster's superuser
    params = {
        "writer": WRITER_ROLE,
        "name": cfg.postgres_insert_user,
        "verifier": scram_verifier(cfg.postgres_insert_password),
    }
    existed = bool(conn.run("SELECT 1 FROM pg_roles WHERE rolname = :name", name=cfg.postgres_insert_user))
    for statement in STATEMENTS:
        used = {k: v for k, v in params.items() if f":{k}" in statement}
        for (sql,) in conn.run(statement, **used):
            conn.run(sql)
    report.record(UNCHANGED if existed else CREATED, f"database role {cfg.postgres_insert_user}")
