"""S3 answers the functions act on: not found, precondition failed; reads that may find nothing.

Errors are recognised by the shape botocore gives them (``error.response["Error"]["Code"]``),
so this module needs nothing but the standard library.
"""

from __future__ import annotations

from typing import Any

NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
# 412 for a failed If-Match / If-None-Match; AWS answers 409 when a concurrent write to the same key wins.
PRECONDITION_FAILED = frozenset({"412", "PreconditionFailed", "409", "ConditionalRequestConflict"})


def error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return None
    return response.get("Error", {}).get("Code")


def is_not_found(error: BaseException) -> bool:
    return error_code(error) in NOT_FOUND


def is_precondition_failed(error: BaseException) -> bool:
    return error_code(error) in PRECONDITION_FAILED


def head(s3, bucket: str, key: str) -> dict[str, Any] | None:
    """HeadObject's answer, or None when there is no such object."""
    try:
        return s3.head_object(Bucket=bucket, Key=key)
    except Exception as error:
        if is_not_found(error):
            return None
        raise


def get(s3, bucket: str, key: str, **conditions: str) -> dict[str, Any] | None:
    """GetObject's answer (body not read yet), or None when the object is gone or no longer matches."""
    try:
        return s3.get_object(Bucket=bucket, Key=key, **conditions)
    except Exception as error:
        if is_not_found(error) or is_precondition_failed(error):
            return None
        raise
