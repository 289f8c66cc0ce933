"""Copying an object body to a local file without holding it all in memory."""

from __future__ import annotations

import tempfile
from typing import IO

# Bodies up to this size stay in memory; larger ones spill to a temporary file.
IN_MEMORY_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    """The body kept coming past the allowed size: ``received`` bytes had arrived when it was stopped."""

    def __init__(self, received: int, max_bytes: int) -> None:
        super().__init__(f"body exceeds {max_bytes} bytes")
        self.received = received


def spool(body, max_bytes: int) -> IO[bytes]:
    """Copy a streaming body chunk by chunk into a rewound spooled temporary file.

    Raises BodyTooLarge (and discards the copy) once more than ``max_bytes`` arrive.
    """
    file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 - handed to the caller
    try:
        received = 0
        for chunk in body.iter_chunks(CHUNK_BYTES):
            received += len(chunk)
            if received > max_bytes:
                raise BodyTooLarge(received, max_bytes)
            file.write(chunk)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return file
