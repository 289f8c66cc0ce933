"""Which document belongs to which upload: the uploads/ <-> extracted/ key mapping.

An upload ``uploads/<relative>`` has its document at ``extracted/<relative>``, unless
that key would be longer than S3 accepts (1,024 bytes of UTF-8). Then, and for the
rare relative key that itself ends like a shortened one, the document key is
``extracted/<relative cut to fit>~<SHA-256 of relative, 64 hex digits>``: deterministic,
at most 1,024 bytes, and never equal to the document key of another upload. A
shortened key cannot be mapped back by itself; its document's ``SourceKey`` names
the upload (``KeyMap.upload_key`` returns None for it).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MAX_KEY_BYTES = 1024  # S3's limit on an object key, in bytes of UTF-8
HASH_MARK = "~"
_HASHED = re.compile(r"~[0-9a-f]{64}\Z")


class PrefixesOverlap(ValueError):
    """One prefix contains the other: documents would trigger the functions in a loop."""


def cut_utf8(text: str, max_bytes: int) -> str:
    """The longest start of ``text`` whose UTF-8 encoding fits in ``max_bytes``."""
    return text.encode("utf-8")[: max(max_bytes, 0)].decode("utf-8", errors="ignore")


@dataclass(frozen=True)
class KeyMap:
    upload_prefix: str
    extracted_prefix: str

    def check_disjoint(self) -> None:
        """Refuse prefixes where a written document would land under the watched prefix."""
        up, out = self.upload_prefix, self.extracted_prefix
        if not up or not out or out.startswith(up) or up.startswith(out):
            raise PrefixesOverlap(
                f"EXTRACTED_PREFIX={out!r} and UPLOAD_PREFIX={up!r} are empty or overlap: documents written "
                "under one would be read back under the other and the functions would trigger "
                "themselves in a loop. Use two disjoint prefixes such as 'uploads/' and 'extracted/'."
            )

    def is_upload(self, key: str) -> bool:
        """Whether ``key`` is a file under the upload prefix (folder placeholders end in / and are not)."""
        return key.startswith(self.upload_prefix) and not key.endswith("/") and key != self.upload_prefix

    def document_key(self, upload_key: str) -> str | None:
        """The key of the document extracted from ``upload_key``; None when it is not an upload."""
        if not self.is_upload(upload_key):
            return None
        relative = upload_key[len(self.upload_prefix) :]
        plain = self.extracted_prefix + relative
        if len(plain.encode("utf-8")) <= MAX_KEY_BYTES and not _HASHED.search(relative):
            return plain
        digest = hashlib.sha256(relative.encode("utf-8")).hexdigest()
        suffix = HASH_MARK + digest
        room = MAX_KEY_BYTES - len(self.extracted_prefix.encode("utf-8")) - len(suffix)
        return self.extracted_prefix + cut_utf8(relative, room) + suffix

    def is_shortened(self, document_key: str) -> bool:
        return document_key.startswith(self.extracted_prefix) and bool(_HASHED.search(document_key))

    def upload_key(self, document_key: str) -> str | None:
        """The upload of a document key, when the key alone tells (not for shortened keys)."""
        if not document_key.startswith(self.extracted_prefix) or self.is_shortened(document_key):
            return None
        relative = document_key[len(self.extracted_prefix) :]
        return self.upload_prefix + relative if relative and not relative.endswith("/") else None

    def belongs_to(self, document_key: str, upload_key: str) -> bool:
        """Whether ``document_key`` is the document key of ``upload_key``."""
        return self.document_key(upload_key) == document_key
