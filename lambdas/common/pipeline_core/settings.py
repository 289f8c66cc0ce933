"""The functions' settings, read from their environment.

There are no defaults here: bootstrap always passes every variable, and the project's
defaults live in one place only (``settings/config.py``). A missing or bad variable stops
the function at its cold start, before any record is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .keys import KeyMap, PrefixesOverlap

EXTRACT_VARIABLES = ("UPLOAD_PREFIX", "EXTRACTED_PREFIX", "MAX_CONTENT_CHARS", "MAX_OBJECT_BYTES")
INSERT_VARIABLES = ("UPLOAD_PREFIX", "EXTRACTED_PREFIX", "DATABASE_DSN")


class ConfigurationError(ValueError):
    """The function's environment is incomplete or describes a configuration it must not run with."""


def required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name)
    if not value:
        raise ConfigurationError(f"{name} is not set in the function's environment: deploy with `make bootstrap`")
    return value


def positive_int(environ: Mapping[str, str], name: str) -> int:
    raw = required(environ, name)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive, got {value}")
    return value


def key_map(environ: Mapping[str, str]) -> KeyMap:
    keys = KeyMap(required(environ, "UPLOAD_PREFIX"), required(environ, "EXTRACTED_PREFIX"))
    try:
        keys.check_disjoint()
    except PrefixesOverlap as overlap:
        raise ConfigurationError(str(overlap)) from None
    return keys


@dataclass(frozen=True)
class ExtractSettings:
    keys: KeyMap
    max_content_chars: int
    max_object_bytes: int

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ExtractSettings:
        return cls(
            keys=key_map(environ),
            max_content_chars=positive_int(environ, "MAX_CONTENT_CHARS"),
            max_object_bytes=positive_int(environ, "MAX_OBJECT_BYTES"),
        )


@dataclass(frozen=True)
class InsertSettings:
    keys: KeyMap
    database_dsn: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> InsertSettings:
        return cls(keys=key_map(environ), database_dsn=required(environ, "DATABASE_DSN"))
