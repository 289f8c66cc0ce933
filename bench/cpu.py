"""CPU time spent by the stack's processes in host mode: LocalStack, the function runtimes, PostgreSQL.

Read from ``/proc``: LocalStack's process (all its threads), the runtime processes it
started (live ones directly; ended ones through LocalStack's counters of reaped
children) and PostgreSQL's postmaster with its backends (ended backends through the
postmaster's counters). Docker mode or a system without ``/proc`` measures nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lifecycle import localstack_host, postgres_host, processes
from settings.config import Config

TICK_SECONDS = 1 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSeconds:
    localstack: float
    functions: float
    postgres: float

    def __sub__(self, other: CpuSeconds) -> CpuSeconds:
        return CpuSeconds(
            self.localstack - other.localstack, self.functions - other.functions, self.postgres - other.postgres
        )

    def per_file_ms(self, files: int) -> dict[str, float]:
        if files <= 0:
            return {}
        return {name: round(seconds * 1000 / files, 1) for name, seconds in vars(self).items()}


def _times(pid: int) -> tuple[float, float] | None:
    """(own CPU seconds, CPU seconds of reaped children) of a process."""
    fields = processes.stat_fields(pid)
    if fields is None:
        return None
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return (utime + stime) * TICK_SECONDS, (cutime + cstime) * TICK_SECONDS


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return found


def _tree(pid: int) -> tuple[float, float]:
    """(own CPU, CPU of live and reaped descendants) of ``pid``."""
    own = _times(pid)
    if own is None:
        return 0.0, 0.0
    descendants = own[1]
    for child in _children(pid):
        child_own, child_descendants = _tree(child)
        descendants += child_own + child_descendants
    return own[0], descendants


def sample(cfg: Config) -> CpuSeconds | None:
    """CPU seconds used so far by the host-mode stack's processes; None when they cannot be read."""
    if not processes.HAVE_PROC:
        return None
    localstack_pid = localstack_host.running_pid(cfg)
    postgres_pid = postgres_host.state(cfg).pid
    if localstack_pid is None or postgres_pid is None:
        return None
    localstack, functions = _tree(localstack_pid)
    postmaster, backends = _tree(postgres_pid)
    return CpuSeconds(localstack=localstack, functions=functions, postgres=postmaster + backends)
