-- The search index: one row per uploaded object, fed by the insert function.

CREATE EXTENSION IF NOT EXISTS unaccent;

-- English stemming with accents folded away, so that "cafe" finds "Café" and
-- "resumes" finds "résumé". Words with digits are folded but not stemmed.
CREATE TEXT SEARCH CONFIGURATION document_search (COPY = english);
ALTER TEXT SEARCH CONFIGURATION document_search
    ALTER MAPPING FOR word, hword, hword_part WITH unaccent, english_stem;
ALTER TEXT SEARCH CONFIGURATION document_search
    ALTER MAPPING FOR numword, numhword, hword_numpart WITH unaccent, simple;

-- PostgreSQL's parser does not split Chinese, Japanese or Korean text into
-- words: a run such as 東京都の天気 would be one token. search_text() puts a
-- separator (U+001F, which the parser treats as a blank) around every CJK
-- character, so each one is a token of its own; a CJK query word is then
-- searched as a phrase of consecutive characters (fue.search quotes it).
-- fue/search.py holds the same character ranges: keep the two in step.
CREATE FUNCTION search_text(body text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN regexp_replace(
        body,
        '([\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002ffff])',
        E'\x1f\\1\x1f',
        'g'
    );

-- The object's name (the whole key, its file name, and its words split at
-- / . _ -) weighs more than its content.
CREATE FUNCTION key_search_vector(key text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN setweight(
        to_tsvector(
            'document_search',
            search_text(concat_ws(' ', key, regexp_replace(key, '^.*/', ''), regexp_replace(key, '[/._-]+', ' ', 'g')))
        ),
        'A'
    );

-- A tsvector holds at most 1 MB. Content with that many distinct words (a hex
-- dump, say) is indexed by its first 250,000 characters; should even those be
-- too many, by name only, so that the object always stays findable.
CREATE FUNCTION document_search_vector(key text, content text) RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    BEGIN
        RETURN key_search_vector(key) || setweight(to_tsvector('document_search', search_text(coalesce(content, ''))), 'D');
    EXCEPTION WHEN program_limit_exceeded THEN
        RETURN key_search_vector(key) || setweight(to_tsvector('document_search', search_text(left(content, 250000))), 'D');
    END;
EXCEPTION WHEN program_limit_exceeded THEN
    RETURN key_search_vector(key);
END
$$;

CREATE TABLE documents (
    bucket        text        NOT NULL,
    key           text        NOT NULL,  -- key of the uploaded object, e.g. uploads/a/b.pdf
    extracted_key text        NOT NULL,  -- key of its extracted document, e.g. extracted/a/b.pdf
    content       text        NOT NULL DEFAULT '',
    size          bigint,
    content_type  text,
    etag          text,
    sequencer     text,                  -- S3 sequencer of the upload event the document came from
    status        text        NOT NULL,  -- ok | unsupported | failed | too_large
    error         text,
    extractor     text,
    encoding      text,
    pages         integer,
    truncated     boolean     NOT NULL DEFAULT false,
    extracted_at  timestamptz NOT NULL,
    indexed_at    timestamptz NOT NULL DEFAULT now(),
    search_vector tsvector    NOT NULL,
    PRIMARY KEY (bucket, key)
);

CREATE INDEX documents_search_vector_idx ON documents USING gin (search_vector);

CREATE FUNCTION documents_set_search_vector() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    NEW.search_vector := document_search_vector(NEW.key, NEW.content);
    RETURN NEW;
END
$$;

CREATE TRIGGER documents_search_vector
    BEFORE INSERT OR UPDATE OF key, content ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_set_search_vector();

-- Whether a document (sequencer, extracted_at) is newer than the stored one.
-- S3 sequencers order the events of one key: the greater hexadecimal value is
-- the later event. They may differ in length; AWS's rule is to right-pad the
-- shorter with zeros and compare lexicographically, which is the same as
-- comparing them with trailing zeros removed. Upper case, so that case does not
-- matter; C collation, so that 0-9 < A-F. When the sequencers are equal or one
-- is missing, the later extraction wins; an identical document is not newer.
CREATE FUNCTION document_is_newer(
    new_sequencer text, new_extracted_at timestamptz,
    old_sequencer text, old_extracted_at timestamptz
) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN new_sequencer IS NOT NULL AND old_sequencer IS NOT NULL
             AND rtrim(upper(new_sequencer), '0') <> rtrim(upper(old_sequencer), '0')
        THEN rtrim(upper(new_sequencer), '0') COLLATE "C" > rtrim(upper(old_sequencer), '0') COLLATE "C"
        ELSE new_extracted_at > old_extracted_at
    END;
