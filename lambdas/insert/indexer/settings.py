"""The insert function's settings, read from its environment (set by bootstrap)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    database_dsn: str
    upload_prefix: str = "uploads/"
    extracted_prefix: str = "extracted/"

    @classmethod
    def from_env(cls) -> "Settings":
        dsn = os.environ.get("DATABASE_DSN", "")
        if not dsn:
            raise RuntimeError("DATABASE_DSN is not set: postgresql://user:password@host:port/database")
        return cls(
            database_dsn=dsn,
            upload_prefix=os.environ.get("UPLOAD_PREFIX") or cls.upload_prefix,
            extracted_prefix=os.environ.get("EXTRACTED_PREFIX") or cls.extracted_prefix,
        )
