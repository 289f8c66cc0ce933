"""Text every stage can store: JSON, S3 and PostgreSQL all accept it."""

from __future__ import annotations


def storable_text(text: str) -> str:
    """``text`` without NUL characters and with lone surrogates replaced (PostgreSQL rejects both)."""
    return text.replace("\x00", "").encode("utf-8", errors="replace").decode("utf-8")
