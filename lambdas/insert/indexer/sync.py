"""Converge the index row of one document key to the bucket's current state.

Whatever the event said (it is only a hint), ``sync`` makes the index hold a row for
``extracted/<doc key>`` exactly when that document exists and its source upload
(named by the document's ``SourceKey``) is the version it was extracted from;
otherwise there is no row. A document whose upload is gone or superseded when it is
read is never indexed. Rows are deleted by their ``extracted_key``, which is all a
removed document's key can tell.

Syncs of one document key take turns: each holds the index's lock on that key
(``PostgresIndex.exclusively``) from before it reads the bucket until its row is
written. So each reads the bucket after the one before it has written: whichever
writes last has read the newest document, and a slow sync of an older document cannot
leave its row last. A document written after a sync's read is an event of its own,
whose sync takes its turn after that one. The order of document writes cannot be told
from their contents (S3 times are whole seconds; a delete leaves nothing to compare
with), so no version guard in the SQL could stand in for the turns.

What each S3 request buys (a new document costs two):

* GET of the document: what to index, and its ETag.
* HEAD of the upload, before the upsert: the document is of the upload's current
  version, so a document that extract has not replaced or removed yet is not indexed.

An upload that changes after that HEAD needs no check here: extract writes or removes
its document, and that change's own sync replaces or removes the row. The upsert
itself is one statement that writes nothing when the row already holds that very
document (``indexer.store``).
"""

from __future__ import annotations

from indexer.store import Row
from pipeline_core import s3 as s3io
from pipeline_core.converge import Outcome
from pipeline_core.document import Document, InvalidDocument, SourceVersion
from pipeline_core.keys import KeyMap

# What one sync did.
INDEXED = "indexed"  # the row now holds the current document
CURRENT = "current"  # the row already held it
REMOVED = "removed"  # the document is gone or not current; so is the row now
ABSENT = "absent"  # ... and there was no row
IGNORED = "ignored"  # not a document key under EXTRACTED_PREFIX


def _outcome(action: str, doc_key: str, upload_key: str | None, passes: int = 0) -> Outcome:
    return Outcome(action, doc_key, passes, {"upload_key": upload_key})


def sync(s3, bucket: str, doc_key: str, keys: KeyMap, index) -> Outcome:
    if not doc_key.startswith(keys.extracted_prefix) or doc_key.endswith("/"):
        return _outcome(IGNORED, doc_key, None)
    return index.exclusively(bucket, doc_key, lambda: _converge(s3, bucket, doc_key, keys, index))


def _converge(s3, bucket: str, doc_key: str, keys: KeyMap, index) -> Outcome:
    current = _current_document(s3, bucket, doc_key, keys)
    if current is None:
        removed = index.delete(bucket, doc_key)
        return _outcome(REMOVED if removed else ABSENT, doc_key, keys.upload_key(doc_key), 1)
    document, doc_etag = current
    written = index.upsert(Row.of(document, doc_key, doc_etag))
    return _outcome(INDEXED if written else CURRENT, doc_key, document.source_key, 1)


def _current_document(s3, bucket: str, doc_key: str, keys: KeyMap) -> tuple[Document, str] | None:
    """The document under ``doc_key`` and its ETag, if it exists and its upload is at its version."""
    stored = s3io.get(s3, bucket, doc_key)
    if stored is None:
        return None
    with stored["Body"] as body:
        document = Document.parse(body.read())
    if document.source_bucket != bucket or not keys.belongs_to(doc_key, document.source_key):
        raise InvalidDocument(
            f"SourceKey s3://{document.source_bucket}/{document.source_key} does not map to {doc_key}"
        )
    if not _is_current(s3, document):
        return None
    return document, stored["ETag"].strip('"')


def _is_current(s3, document: Document) -> bool:
    upload = s3io.head(s3, document.source_bucket, document.source_key)
    return upload is not None and SourceVersion.of(upload) == document.source
