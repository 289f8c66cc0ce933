"""Object keys: decoding them from events and mapping uploads to extracted documents."""

from __future__ import annotations

from urllib.parse import unquote_plus


def decode_event_key(raw_key: str) -> str:
    """Key as stored in S3; events carry it form-encoded (``My+File%21.txt`` is ``My File!.txt``)."""
    return unquote_plus(raw_key)


def relative_key(key: str, prefix: str) -> str | None:
    """Part of ``key`` below ``prefix``, or None when the key is not a file under it.

    Folder placeholders (keys ending in ``/``) are not files and map to None too.
    """
    if not key.startswith(prefix) or key.endswith("/"):
        return None
    relative = key[len(prefix) :]
    return relative or None


def extracted_key(relative: str, extracted_prefix: str) -> str:
    return extracted_prefix + relative
