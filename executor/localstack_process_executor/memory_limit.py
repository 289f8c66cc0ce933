"""Host mode's counterpart of Lambda's memory limit: an address-space limit on each runtime.

AWS stops a function that uses more than its ``MemorySize``. Here the runtime process
limits its own address space (``RLIMIT_AS``) before it imports the handler, so an
allocation past the limit fails with ``MemoryError``, which the runtime reports as
``Runtime.OutOfMemory`` before it exits.

The address space of a Python process is larger than the memory it uses: the
interpreter, shared libraries, thread stacks and allocator arenas reserve address space
they never touch. Measured for the extract function's runtime (Python 3.12 with boto3,
Powertools, lxml, pypdf): 80 MB after imports, plus 8 MB per thread stack, with the
runtime's allocator held to two arenas. ``HEADROOM_MB`` covers that, so a function can
use about its ``MemorySize`` of resident memory, never more than ``MemorySize +
HEADROOM_MB``.
"""

from __future__ import annotations

HEADROOM_MB = 256
MB = 1024 * 1024


def address_space_limit(memory_size_mb: int) -> int:
    """Bytes of address space a runtime with this ``MemorySize`` may reserve."""
    return (int(memory_size_mb) + HEADROOM_MB) * MB


def runtime_arguments(memory_size_mb: int) -> list[str]:
    """Arguments that make ``bootstrap.py`` apply the limit to itself at startup."""
    return ["--address-space-limit", str(address_space_limit(memory_size_mb))]
