"""The S3 side of one change: read the upload, then write or delete its extracted document."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import PurePosixPath

from botocore.exceptions import ClientError

from . import attempts, document
from .events import S3Change
from .extraction import extract, too_large
from .keys import extracted_key, relative_key
from .outcome import Extraction
from .settings import Settings
from .spool import BodyTooLarge, spool

# What happened to one change.
WRITTEN = "written"
DUPLICATE = "duplicate"  # the document of this very upload and event is already there
IGNORED = "ignored"  # not a file under UPLOAD_PREFIX
SOURCE_GONE = "source-gone"  # created, but deleted again before it could be read
SOURCE_EXISTS = "source-exists"  # removed, but uploaded again since
DELETED = "deleted"
ALREADY_ABSENT = "already-absent"

_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class Result:
    action: str
    key: str
    target: str | None = None
    status: str | None = None  # Status of a written document


def on_created(s3, change: S3Change, settings: Settings) -> Result:
    """Extract the upload as it is now and write its document, unless that exact one exists."""
    relative = relative_key(change.key, settings.upload_prefix)
    if relative is None:
        return Result(IGNORED, change.key)
    target = extracted_key(relative, settings.extracted_prefix)
    try:
        response = s3.get_object(Bucket=change.bucket, Key=change.key)
    except ClientError as error:
        if _is_not_found(error):
            return Result(SOURCE_GONE, change.key, target)
        raise
    body = response["Body"]
    try:
        source = document.Source(
            bucket=change.bucket,
            key=change.key,
            size=response["ContentLength"],
            etag=response["ETag"].strip('"'),
            content_type=response.get("ContentType"),
            sequencer=change.sequencer,
        )
        if _has_document_of(s3, change.bucket, target, source):
            return Result(DUPLICATE, change.key, target)
        extraction = attempts.extract_marked(
            s3, bucket=source.bucket, key=source.key, etag=source.etag, size=source.size,
            extract=lambda: extract_body(body, source, settings),
        )
    finally:
        body.close()
    s3.put_object(
        Bucket=change.bucket,
        Key=target,
        Body=document.encode(document.build(source, extraction, _now_ms())),
        ContentType=document.CONTENT_TYPE,
        Metadata=document.metadata(source),
    )
    attempts.document_written(s3, bucket=source.bucket, key=source.key, size=source.size)
    return Result(WRITTEN, change.key, target, extraction.status)


def on_removed(s3, change: S3Change, settings: Settings) -> Result:
    """Delete the document of an upload that is really gone now."""
    relative = relative_key(change.key, settings.upload_prefix)
    if relative is None:
        return Result(IGNORED, change.key)
    target = extracted_key(relative, settings.extracted_prefix)
    if _exists(s3, change.bucket, change.key):
        return Result(SOURCE_EXISTS, change.key, target)
    if not _exists(s3, change.bucket, target):
        return Result(ALREADY_ABSENT, change.key, target)
    s3.delete_object(Bucket=change.bucket, Key=target)
    return Result(DELETED, change.key, target)


def extract_body(body, source: document.Source, settings: Settings) -> Extraction:
    if source.size > settings.max_object_bytes:
        return too_large(source.size, settings.max_object_bytes)
    try:
        file = spool(body, settings.max_object_bytes)
    except BodyTooLarge:
        return too_large(source.size, settings.max_object_bytes)
    with file:
        return extract(
            file,
            filename=PurePosixPath(source.key).name,
            content_type=source.content_type,
            size=source.size,
            max_chars=settings.max_content_chars,
        )


def _has_document_of(s3, bucket: str, target: str, source: document.Source) -> bool:
    try:
        existing = s3.head_object(Bucket=bucket, Key=target)["Metadata"]
    except ClientError as error:
        if _is_not_found(error):
            return False
        raise
    return (
        existing.get(document.SOURCE_ETAG) == source.etag
        and existing.get(document.SOURCE_SEQUENCER) == source.sequencer
    )


def _exists(s3, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if _is_not_found(error):
            return False
        raise
    return True


def _is_not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in _NOT_FOUND


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
