"""Settings of the extract function, read from its environment variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULTS = {
    "UPLOAD_PREFIX": "uploads/",
    "EXTRACTED_PREFIX": "extracted/",
    "MAX_CONTENT_CHARS": "1000000",
    "MAX_OBJECT_BYTES": "104857600",
}


class ConfigurationError(ValueError):
    """The function's environment describes a configuration it must not run with."""


@dataclass(frozen=True)
class Settings:
    upload_prefix: str
    extracted_prefix: str
    max_content_chars: int
    max_object_bytes: int

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        def get(name: str) -> str:
            return environ.get(name) or DEFAULTS[name]

        settings = cls(
            upload_prefix=get("UPLOAD_PREFIX"),
            extracted_prefix=get("EXTRACTED_PREFIX"),
            max_content_chars=_positive_int("MAX_CONTENT_CHARS", get("MAX_CONTENT_CHARS")),
            max_object_bytes=_positive_int("MAX_OBJECT_BYTES", get("MAX_OBJECT_BYTES")),
        )
        settings.check_no_recursion()
        return settings

    def check_no_recursion(self) -> None:
        """Refuse prefixes where a written document would land under the watched prefix."""
        up, out = self.upload_prefix, self.extracted_prefix
        if out.startswith(up) or up.startswith(out):
            raise ConfigurationError(
                f"EXTRACTED_PREFIX={out!r} and UPLOAD_PREFIX={up!r} overlap: documents written "
                "under one would be read back under the other and the functions would trigger "
                "themselves in a loop. Use two disjoint prefixes such as 'uploads/' and 'extracted/'."
            )


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive, got {value}")
    return value
