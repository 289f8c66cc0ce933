"""CPU time spent by the stack's processes in host mode: LocalStack, the function runtimes, PostgreSQL.

Read from ``/proc``: LocalStack's process (all its threads), the runtime processes it
started (live ones directly; ended ones through LocalStack's counters of reaped
children) and PostgreSQL's postmaster with its backends (ended backends through the
postmaster's counters). Docker mode or a system without ``/proc`` measures nothing.

Also how busy the whole machine is (``/proc/stat``, all cores, any mode): whether a
burst was bound by CPU, and how much of the machine it left idle.
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


@dataclass(frozen=True)
class MachineTicks:
    """CPU ticks of all cores so far: busy ones and all (busy + idle + waiting for I/O)."""

    busy: int
    total: int

    def __sub__(self, other: MachineTicks) -> MachineTicks:
        return MachineTicks(self.busy - other.busy, self.total - other.total)

    def busy_percent(self) -> float | None:
        return round(100 * self.busy / self.total) if self.total > 0 else None


def machine() -> MachineTicks | None:
    """The machine's CPU ticks so far; None without ``/proc/stat``."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    # cpu user nice system idle iowait irq softirq steal (guest time is counted in user already)
    ticks = [int(value) for value in first[1:9]]
    idle = ticks[3] + ticks[4]
    return MachineTicks(busy=sum(ticks) - idle, total=sum(ticks))
