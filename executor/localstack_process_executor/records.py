"""Records of the runtime processes this executor starts, for the host's ``down``.

When ``LOCALSTACK_PROCESS_EXECUTOR_RECORDS`` names a folder, each runtime
process gets a file ``<pid>.json`` there with its PID, its start time (clock
ticks since boot, from ``/proc``) and its executable, removed when it exits.
Whoever stops the stack ends exactly the processes whose record still matches
a live process, so a PID reused by another program is never signalled.
Without the variable (or without ``/proc``) nothing is recorded.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

LOG = logging.getLogger(__name__)

RECORDS_VARIABLE = "LOCALSTACK_PROCESS_EXECUTOR_RECORDS"


def _folder() -> Path | None:
    value = os.environ.get(RECORDS_VARIABLE, "").strip()
    return Path(value) if value else None


def _start_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    return int(fields[19])


def record(pid: int) -> Path | None:
    """Write the record of the live process ``pid``; returns its path (None when not recording)."""
    folder = _folder()
    if folder is None:
        return None
    try:
        data = {"pid": pid, "start_ticks": _start_ticks(pid), "exe": os.readlink(f"/proc/{pid}/exe")}
        path = folder / f"{pid}.json"
        tmp = folder / f".{pid}.json.tmp"
        tmp.write_text(json.dumps(data) + "\n")
        os.replace(tmp, path)
        return path
    except OSError as e:
        LOG.warning("Could not record runtime process %s in %s: %s", pid, folder, e)
        return None


def forget(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)
