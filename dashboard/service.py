"""The dashboard as a background process: started by `make up`, stopped by `make down`.

Its PID file (``.state/dashboard/dashboard.pid``) holds a process record (PID, start
time, executable: ``lifecycle.processes``), so a PID reused by another process is never
taken for the dashboard, nor stopped.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from lifecycle import processes
from settings.config import PROJECT_ROOT, Config

START_SECONDS = 30
# What /_dashboard/ping answers: tells our dashboard from anything else on the port.
APP_ID = "file-upload-extraction-dashboard"


def _dir(cfg: Config) -> Path:
    return cfg.state_dir / "dashboard"


def pidfile(cfg: Config) -> Path:
    return _dir(cfg) / "dashboard.pid"


def logfile(cfg: Config) -> Path:
    return _dir(cfg) / "dashboard.log"


def _record(cfg: Config) -> processes.ProcessRecord | None:
    """The record of the dashboard this project started, if that very process still runs."""
    record = processes.read_record(pidfile(cfg))
    return record if record and processes.still_running(record, executables={sys.executable}) else None


def running_pid(cfg: Config) -> int | None:
    record = _record(cfg)
    return record.pid if record else None


def answers(port: int, timeout: float = 1.0) -> bool:
    """Does our dashboard (not just anything) answer on this port?"""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_dashboard/ping", timeout=timeout) as resp:
            return json.loads(resp.read()).get("app") == APP_ID
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start(cfg: Config) -> str:
    """Start the dashboard in the background unless it runs; says what happened, never raises for a busy port."""
    if not cfg.ui_autostart:
        return "not started (UI_AUTOSTART=0): `make ui` serves it"
    if running_pid(cfg):
        return f"already running on {cfg.ui_url}"
    if processes.port_in_use(cfg.ui_port):
        holders = ", ".join(processes.describe(p) for p in processes.listener_pids(cfg.ui_port)) or "another process"
        return f"not started: port {cfg.ui_port} is taken by {holders}; set UI_PORT to a free port"
    _dir(cfg).mkdir(parents=True, exist_ok=True)
    with open(logfile(cfg), "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "--port", str(cfg.ui_port)],
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    record = processes.identify(process.pid)
    if record:
        processes.write_record(pidfile(cfg), record)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if answers(cfg.ui_port):
            return f"started on {cfg.ui_url}"
        if process.poll() is not None:
            pidfile(cfg).unlink(missing_ok=True)
            return f"failed to start (exit {process.returncode}):\n{processes.log_tail(logfile(cfg), 15)}"
        time.sleep(0.2)
    return f"started, but not answering on {cfg.ui_url} after {START_SECONDS} s: see {logfile(cfg)}"


def status(cfg: Config) -> str:
    pid = running_pid(cfg)
    return f"dashboard: pid {pid} on {cfg.ui_url}" if pid else "dashboard: not running (`make ui` serves it)"


def stop(cfg: Config) -> str:
    record = _record(cfg)
    pidfile(cfg).unlink(missing_ok=True)
    if record is None:
        return "not running"
    processes.end([record])
    return "stopped"
