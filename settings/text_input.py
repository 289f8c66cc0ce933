"""Text a person typed (a search, a key) checked before it reaches S3 or PostgreSQL.

Both hold UTF-8 text without NUL. A terminal in another encoding hands Python the
bytes it cannot decode as lone surrogates, and a URL can carry ``%00``: either would
fail deep inside a request, with a traceback. ``require_text`` says so up front.
"""

from __future__ import annotations

import re

from settings.errors import UserError

_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


class NotText(UserError):
    """A search or key that S3 and PostgreSQL cannot hold as text."""


def require_text(value: str, what: str) -> str:
    """``value`` unchanged, or NotText naming the first character that cannot be stored."""
    found = _NOT_TEXT.search(value)
    if found is None:
        return value
    char = found.group()
    if char == "\x00":
        raise NotText(f"{what} contains a NUL character (\\x00), which S3 keys and the index cannot hold")
    code = ord(char)
    byte = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"
    raise NotText(f"{what} is not UTF-8 text ({byte}): type it in a UTF-8 terminal (e.g. LANG=C.UTF-8)")
