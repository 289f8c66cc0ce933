"""Process and port helpers for the host-mode services (Linux ``/proc``; ``ps`` elsewhere).

A process the stack starts is remembered as a :class:`ProcessRecord`: its PID,
its start time (clock ticks since boot from ``/proc``; seconds since the epoch
from ``ps`` where there is no ``/proc``, as on macOS) and its executable. A PID
can be reused by an unrelated process after ours ended; the start time and the
executable cannot be faked by that reuse, so :func:`still_running` tells our
process from a stranger, and :func:`end` never signals a stranger.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

DELETED_SUFFIX = " (deleted)"
HAVE_PROC = os.path.isdir("/proc/self")


@dataclass(frozen=True)
class ProcessRecord:
    """Who a process is: enough to recognise it again, even after its PID was reused."""

    pid: int
    start_ticks: int
    exe: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ProcessRecord | None:
        try:
            data = json.loads(text)
            return cls(pid=int(data["pid"]), start_ticks=int(data["start_ticks"]), exe=str(data["exe"]))
        except (ValueError, KeyError, TypeError):
            return None


def stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (field 3, the state, is index 0)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[-1].split()


def _ps(pid: int, field: str) -> str | None:
    """One field of ``ps`` for ``pid`` (systems without /proc), or None when the process is gone."""
    try:
        out = subprocess.run(["ps", "-o", f"{field}=", "-p", str(pid)], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def start_ticks(pid: int) -> int | None:
    """When the process started: clock ticks since boot (field 22 of /proc/PID/stat), else epoch seconds."""
    if not HAVE_PROC:
        started = _ps(pid, "lstart")
        try:
            return int(time.mktime(time.strptime(started, "%a %b %d %H:%M:%S %Y"))) if started else None
        except ValueError:
            return None
    fields = stat_fields(pid)
    return int(fields[19]) if fields and len(fields) > 19 else None


def process_group(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def executable(pid: int) -> str | None:
    """The program file the process runs (resolved), or None if it cannot be read."""
    if not HAVE_PROC:
        command = _ps(pid, "comm")  # the full path of the executable on macOS and the BSDs
        return os.path.realpath(command) if command and command.startswith("/") else command
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None
    return exe.removesuffix(DELETED_SUFFIX)


def owner_uid(pid: int) -> int | None:
    if not HAVE_PROC:
        uid = _ps(pid, "uid")
        return int(uid) if uid and uid.isdigit() else None
    try:
        return Path(f"/proc/{pid}").stat().st_uid
    except OSError:
        return None


def command_line(pid: int) -> list[str]:
    if not HAVE_PROC:
        command = _ps(pid, "command")
        return command.split() if command else []
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def identify(pid: int) -> ProcessRecord | None:
    """A record of the live process ``pid``, or None when it is gone or unreadable."""
    ticks, exe = start_ticks(pid), executable(pid)
    if ticks is None or exe is None or not pid_alive(pid):
        return None
    return ProcessRecord(pid=pid, start_ticks=ticks, exe=exe)


def still_running(record: ProcessRecord, executables: set[str] | None = None, uid: int | None = None) -> bool:
    """Whether the recorded process is alive, is the same process (start time and executable), and,
    when given, runs one of ``executables`` (exact resolved paths) as ``uid``."""
    current = identify(record.pid)
    if current is None or current != record:
        return False
    if executables is not None and current.exe not in {os.path.realpath(e) for e in executables}:
        return False
    return uid is None or owner_uid(record.pid) == uid


def write_record(path: Path, record: ProcessRecord) -> None:
    """Write atomically, so that a reader never sees half a record."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(record.to_json() + "\n")
    os.replace(tmp, path)


def read_record(path: Path) -> ProcessRecord | None:
    try:
        return ProcessRecord.from_json(path.read_text())
    except OSError:
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as gone.
    fields = stat_fields(pid)
    if fields is not None:
        return bool(fields) and fields[0] != "Z"
    return True


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def listener_pids(port: int) -> list[int]:
    """PIDs listening on a TCP port (Linux /proc only; empty elsewhere)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(parts[9])
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    pids.append(int(proc.name))
                    break
        except OSError:
            continue
    return pids


def describe(pid: int) -> str:
    cmd = " ".join(command_line(pid)) or "?"
    return f"pid {pid} ({cmd[:120]})"


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def end(records: list[ProcessRecord], grace: float = 10.0) -> None:
    """SIGTERM each recorded process (its whole group when it leads one), SIGKILL what is left after
    ``grace`` seconds. Every signal is sent only after checking the record again, so a process that
    ended meanwhile and whose PID was reused is never hit."""

    def send(sig: int) -> None:
        for record in records:
            if not still_running(record):
                continue
            try:
                if process_group(record.pid) == record.pid:
                    os.killpg(record.pid, sig)
                else:
                    os.kill(record.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def any_left() -> bool:
        return any(still_running(r) for r in records)

    send(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any_left():
        time.sleep(0.1)
    if any_left():
        send(signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any_left():
            time.sleep(0.05)
