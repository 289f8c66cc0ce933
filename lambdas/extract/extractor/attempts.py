"""Recording the failure of an extraction the function did not survive (out of memory, timeout).

When Lambda stops a function for running out of memory or time, no handler code is
left to write the document, and the event is retried, then parked in the DLQ, then
re-driven by ``make reconcile``, forever. So before extracting an upload of at least
``MARKED_BYTES``, the function leaves an *attempt marker*: a small object under
``MARKER_PREFIX`` (outside both watched prefixes, so it triggers nothing) naming the
upload version and how many attempts began. The marker is deleted once the document is
written, or when the attempt ends with an ordinary error (which is retried as usual).

An attempt that finds ``MAX_ATTEMPTS`` earlier attempts of the same version on the
marker knows they died: it does not extract again but returns a ``failed`` extraction
saying so, which becomes the document. With the default two async retries the third
attempt records it; with fewer, the next re-drive (``make redrive``/``reconcile``) does.

Small uploads are not marked: every extractor ends them in milliseconds, and the three
requests of a marker (GET, PUT, DELETE) would cost more than their extraction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from pipeline_core import s3 as s3io

from .outcome import FAILED, Extraction

MARKER_PREFIX = ".extract-attempts/"
MARKED_BYTES = 16 * 1024
MAX_ATTEMPTS = 2


def marker_key(upload_key: str) -> str:
    """Short and deterministic whatever the length of the upload key."""
    return MARKER_PREFIX + hashlib.sha256(upload_key.encode("utf-8")).hexdigest()


def extract_marked(s3, *, bucket: str, key: str, etag: str, size: int, extract: Callable[[], Extraction]) -> Extraction:
    """Run ``extract`` under an attempt marker, or report the attempts that died before."""
    if size < MARKED_BYTES:
        return extract()
    earlier = _earlier_attempts(s3, bucket, key, etag)
    if earlier >= MAX_ATTEMPTS:
        return Extraction(
            FAILED,
            error=(
                f"extraction did not finish in {earlier} attempts: the function ran out of memory "
                "or time on this file (see `make logs fn=extract`)"
            ),
        )
    body = json.dumps({"key": key, "etag": etag, "attempts": earlier + 1}).encode()
    s3.put_object(Bucket=bucket, Key=marker_key(key), Body=body, ContentType="application/json")
    try:
        return extract()
    except MemoryError:
        raise  # the runtime is about to be stopped: the marker stays as its record
    except BaseException:
        _clear(s3, bucket, key)  # an ordinary error: the retry starts afresh
        raise


def document_written(s3, *, bucket: str, key: str, size: int) -> None:
    """The attempt succeeded: remove the marker of a marked upload."""
    if size >= MARKED_BYTES:
        _clear(s3, bucket, key)


def _clear(s3, bucket: str, key: str) -> None:
    s3.delete_object(Bucket=bucket, Key=marker_key(key))  # deleting nothing is fine


def _earlier_attempts(s3, bucket: str, key: str, etag: str) -> int:
    stored = s3io.get(s3, bucket, marker_key(key))
    if stored is None:
        return 0
    try:
        marker = json.loads(stored["Body"].read())
    except ValueError:
        return 0  # not a marker this code wrote
    if not isinstance(marker, dict):
        return 0
    return int(marker.get("attempts", 0)) if marker.get("etag") == etag and marker.get("key") == key else 0
