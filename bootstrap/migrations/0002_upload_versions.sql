-- Every row is tied to the exact upload version and document object it came from.
--
-- Which version is current is decided against the bucket by the insert function
-- (it compares the document's source version with the upload's), not by ordering
-- events: S3's sequencer is constant on LocalStack and the extraction time says
-- nothing about which upload is newer. So the sequencer and the ordering function
-- go, and the row records the upload's version (etag, size, source_last_modified)
-- and the ETag of the document object it was indexed from.
--
-- Rows written before this migration have no source_last_modified: they match no
-- current upload, and `make reconcile` re-extracts and re-indexes them.

ALTER TABLE documents
    ADD COLUMN source_last_modified timestamptz,  -- upload time of the version (whole seconds)
    ADD COLUMN document_etag        text,         -- ETag of the extracted document object
    DROP COLUMN sequencer;

DROP FUNCTION document_is_newer(text, timestamptz, text, timestamptz);

-- A removed document is known only by its key; shortened document keys (see the
-- README's key mapping) cannot be mapped back to their upload key.
CREATE INDEX documents_extracted_key_idx ON documents (bucket, extracted_key);
