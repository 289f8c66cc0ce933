-- Least privilege for the insert function. It logs in as its own role
-- (POSTGRES_INSERT_USER, a member of documents_writer), not as the owner that
-- runs these migrations: it may read and write the rows of `documents`, and
-- nothing else (no CREATE, no DROP, no other table). The grant is on the
-- table, so columns added by later migrations are covered. Idempotent: safe on
-- a database where the role or the grants already exist.
--
-- Roles belong to the whole cluster. Creating one needs a superuser or
-- CREATEROLE: in host mode the cluster's superuser creates documents_writer
-- and the login role before migrations run (fue/postgres_host.py); in Docker
-- mode the owner is the container's superuser and creates it here.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'documents_writer') THEN
        CREATE ROLE documents_writer NOLOGIN;
    END IF;
END
$$;

REVOKE ALL ON documents FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON documents TO documents_writer;

-- PostgreSQL lets every role create temporary tables by default; nobody here needs them.
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
