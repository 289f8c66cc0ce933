"""Converge the index row of one document key to the bucket's current state.

Whatever the event said (it is only a hint), ``sync`` makes the index hold a row for
``extracted/<doc key>`` exactly when that document exists and its source upload
(named by the document's ``SourceKey``) is the version it was extracted from;
otherwise there is no row. A document whose upload is gone or superseded when it is
read is never indexed. After writing a row, the document is checked again: when it
changed, the pass repeats, so a slow invocation that wrote an older row last puts the
current one back (at most MAX_PASSES, then the invocation fails and its retry takes
over). Rows are deleted by their ``extracted_key``, which is all a removed document's
key can tell; after a delete the pass repeats too, in case the document came back.

What each S3 request of a pass buys (a new document costs three):

* GET of the document: what to index, and its ETag.
* HEAD of the upload, before the upsert: the document is of the upload's current
  version, so a document that extract has not replaced or removed yet is not indexed.
* HEAD of the document, after the upsert: no other document was written meanwhile,
  whose insert may have finished first (the slow insert of an older document would
  otherwise leave its row last). The order of document writes cannot be told from
  their contents (S3 times are whole seconds; a delete leaves nothing to compare
  with), so no version guard in the SQL can stand in for it.

An upload that changes after that HEAD needs no check here: extract writes or removes
its document, and that change's own insert replaces or removes the row. The upsert
itself is one statement that writes nothing when the row already holds that very
document (``indexer.store``).
"""

from __future__ import annotations

from indexer.store import Row
from pipeline_core import s3 as s3io
from pipeline_core.converge import MAX_PASSES, NotSettled, Outcome
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
    done: str | None = None
    upload_key = keys.upload_key(doc_key)
    for passes in range(1, MAX_PASSES + 1):
        current = _current_document(s3, bucket, doc_key, keys)
        if current is not None:
            document, doc_etag = current
            upload_key = document.source_key
            if not index.upsert(Row.of(document, doc_key, doc_etag)):
                return _outcome(done or CURRENT, doc_key, upload_key, passes)
            done = INDEXED
            if _etag(s3io.head(s3, bucket, doc_key)) == doc_etag:
                return _outcome(INDEXED, doc_key, upload_key, passes)
            continue
        if not index.delete(bucket, doc_key):
            return _outcome(done or ABSENT, doc_key, upload_key, passes)
        done = REMOVED
    raise NotSettled(doc_key)


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


def _etag(response: dict | None) -> str | None:
    return response["ETag"].strip('"') if response else None
