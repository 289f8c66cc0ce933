"""Converge one upload's document to the bucket's current state.

Whatever the event said (it is only a hint), ``sync`` makes ``extracted/<doc key>``
hold a document of exactly the current version of the upload, or no document when
the upload is gone. Each pass reads the document's state before the upload's, so a
document written meanwhile changes its ETag and fails the conditional write
(``If-Match`` / ``If-None-Match: *``): a slow extraction of an old version can never
overwrite a newer document. The first pass skips that read and takes the usual case for
granted, a new upload without a document: its write creates the document only if there
is none (``If-None-Match: *``), which overwrites nothing. After any write or delete the
upload is checked again and the pass repeats until nothing changes (at most MAX_PASSES,
then the invocation fails and its retry takes over). LocalStack 4.14.0 has no conditional
delete (``DeleteObject`` with ``If-Match`` answers 501), so a delete that raced a new
upload is repaired by that check: the next pass extracts the new version again.

What each S3 request buys (a new upload costs three):

* GET of the upload: its bytes and version.
* the conditional PUT of the document.
* HEAD of the upload after the write (or delete): the upload is still the version the
  document is of. This one check is enough: an upload replaced or deleted before the
  write is caught by it just as well as one changed after it (the next pass replaces or
  removes the document written meanwhile, and insert does not index a document whose
  upload has already moved on). Checking before the write as well would cost every file
  one more request to save a pass in that rare race.
* HEAD of the document, from the second pass on (and in the first when the upload is
  gone): whether it already holds this version (a duplicate event ends there), and the
  ETag that conditions the write. So a duplicate event or a replaced upload costs one
  more pass than a new upload; the extraction of the first pass is used again when the
  upload is still that version.
"""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import asdict
from pathlib import PurePosixPath

from pipeline_core import s3 as s3io
from pipeline_core.converge import Outcome
from pipeline_core.document import CONTENT_TYPE, Document, SourceVersion
from pipeline_core.settings import ExtractSettings

from . import attempts
from .extraction import extract, too_large
from .outcome import Extraction
from .spool import BodyTooLarge, spool

# What one sync did.
WRITTEN = "written"  # a document of the current version was written
CURRENT = "current"  # the document already was of the current version
DELETED = "deleted"  # the upload is gone; so is its document now
ABSENT = "absent"  # the upload is gone and there was no document
IGNORED = "ignored"  # not a file under UPLOAD_PREFIX

UNREAD: dict = {}  # the document's state in the first pass, which does not read it

MAX_PASSES = 5


class NotSettled(RuntimeError):
    """The upload kept changing while it was being synced: the record fails, its async retry takes over."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} kept changing during {MAX_PASSES} passes; the retry takes over")


def _outcome(action: str, key: str, target: str | None = None, status: str | None = None, passes: int = 0) -> Outcome:
    return Outcome(action, key, passes, {"target": target, "status": status})


def sync(s3, bucket: str, key: str, settings: ExtractSettings, log, attempt: attempts.Attempt) -> Outcome:
    """``attempt``: this run of the function, for the upload's attempt marker (``extractor.attempts``)."""
    target = settings.keys.document_key(key)
    if target is None:
        return _outcome(IGNORED, key)
    with attempts.Marker(s3, bucket=bucket, key=key, attempt=attempt) as marker:
        return _converge(s3, bucket, key, target, settings, log, marker)


def _converge(
    s3, bucket: str, key: str, target: str, settings: ExtractSettings, log, marker: attempts.Marker
) -> Outcome:
    done: str | None = None  # what an earlier pass committed
    status = None
    extracted: Document | None = None  # the last extraction, used again while the upload is that version
    for passes in range(1, MAX_PASSES + 1):
        document = s3io.head(s3, bucket, target) if passes > 1 else UNREAD  # before the upload: see above
        upload = s3io.get(s3, bucket, key)
        if upload is None:
            if document is UNREAD:
                document = s3io.head(s3, bucket, target)
            if document is None:
                return _outcome(done or ABSENT, key, target, status, passes)
            s3.delete_object(Bucket=bucket, Key=target)
            done, status = DELETED, None
            if s3io.head(s3, bucket, key) is None:
                return _outcome(DELETED, key, target, None, passes)
            continue
        with closing(upload["Body"]):
            version = SourceVersion.of(upload)
            if document is not UNREAD and document is not None and _holds(document, version):
                return _outcome(done or CURRENT, key, target, status, passes)
            if extracted is None or extracted.source != version:
                extracted = extract_version(upload, bucket, key, version, settings, log, marker)
        if not _write(s3, bucket, target, extracted, None if document is UNREAD else document):
            log.info("document changed meanwhile; checking again", extra={"key": key, "passes": passes})
            continue
        done, status = WRITTEN, extracted.status
        marker.document_written(version.size)
        if _is_current(s3, bucket, key, version):
            return _outcome(WRITTEN, key, target, status, passes)
        log.info("upload changed during extraction; extracting again", extra={"key": key})
    raise NotSettled(key)


def extract_version(
    upload: dict, bucket: str, key: str, version: SourceVersion, settings: ExtractSettings, log, marker: attempts.Marker
) -> Document:
    """The document of the upload version whose GetObject answer is ``upload``, extracted under ``marker``."""
    started = time.monotonic()
    log.info("extraction started", extra={"key": key, "etag": version.etag})
    extraction = marker.extract(
        etag=version.etag,
        size=version.size,
        extract=lambda: extract_body(upload["Body"], key, upload.get("ContentType"), version.size, settings),
    )
    log.info(
        "extraction finished",
        extra={
            "key": key,
            "etag": version.etag,
            "status": extraction.status,
            "seconds": round(time.monotonic() - started, 3),
        },
    )
    return Document(
        source_bucket=bucket,
        source_key=key,
        source=version,
        content_type=upload.get("ContentType"),
        extracted_at_ms=time.time_ns() // 1_000_000,
        **asdict(extraction),  # status, content, error, ...: the document's names for what was found
    )


def extract_body(body, key: str, content_type: str | None, size: int, settings: ExtractSettings) -> Extraction:
    if size > settings.max_object_bytes:
        return too_large(size, settings.max_object_bytes)
    try:
        file = spool(body, settings.max_object_bytes)
    except BodyTooLarge as error:
        return too_large(error.received, settings.max_object_bytes, at_least=True)
    with file:
        return extract(
            file,
            filename=PurePosixPath(key).name,
            content_type=content_type,
            size=size,
            max_chars=settings.max_content_chars,
        )


def _holds(document: dict, version: SourceVersion) -> bool:
    return SourceVersion.from_metadata(document["Metadata"]) == version


def _is_current(s3, bucket: str, key: str, version: SourceVersion) -> bool:
    upload = s3io.head(s3, bucket, key)
    return upload is not None and SourceVersion.of(upload) == version


def _write(s3, bucket: str, target: str, document: Document, seen: dict | None) -> bool:
    """Write ``document`` unless the document changed since it was ``seen``; False when it did."""
    condition = {"IfMatch": seen["ETag"]} if seen is not None else {"IfNoneMatch": "*"}
    try:
        s3.put_object(
            Bucket=bucket,
            Key=target,
            Body=document.encode(),
            ContentType=CONTENT_TYPE,
            Metadata=document.source.metadata(),
            **condition,
        )
    except Exception as error:
        # If-Match on a document deleted meanwhile answers 404 rather than 412.
        if s3io.is_precondition_failed(error) or s3io.is_not_found(error):
            return False
        raise
    return True
