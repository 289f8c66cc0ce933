-- The search vector is computed once per text, not once per write.
--
-- The upsert (lambdas/insert/indexer/store.py) is INSERT ... ON CONFLICT DO UPDATE.
-- PostgreSQL runs the BEFORE INSERT trigger for every proposed row, also one that
-- then conflicts, and the BEFORE UPDATE trigger again for the update: a replaced
-- document cost two to_tsvector runs over its text (about 100 ms per MB each), a
-- duplicate event one for nothing. Now the upsert proposes the row's own vector
-- when the text is the same (a duplicate event, a new upload version of identical
-- bytes) and sets the update's vector from the proposed row. The trigger computes
-- a vector only when the statement did
-- not bring one: an INSERT without it, an UPDATE that changes the key or the text
-- without changing the vector. Any other writer gets the vector computed as before.

CREATE OR REPLACE FUNCTION documents_set_search_vector() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.search_vector IS NOT NULL THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.key, NEW.content) IS NOT DISTINCT FROM (OLD.key, OLD.content) THEN
        NEW.search_vector := OLD.search_vector;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.search_vector IS DISTINCT FROM OLD.search_vector THEN
        RETURN NEW;
    END IF;
    NEW.search_vector := document_search_vector(NEW.key, NEW.content);
    RETURN NEW;
END
$$;
