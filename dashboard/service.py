"""The dashboard as a background process: started by `make up`, stopped by `make down`.

Its PID file (``.state/dashboard/dashboard.pid``) holds a process record (PID, start
time, executable: ``lifecycle.processes``), so a PID reused by another process is never
taken for the dashboard, nor stopped. Beside it, the fingerprint of the settings and code it
started with: `make up` after a change to either (a new UI_PORT or BUCKET in .env, a pull)
restarts it, instead of leaving the old one serving the old settings.
"""

from __future__ import annotations

import dataclasses
import hashlib
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
# The code a dashboard runs, under the project root: a change to any file restarts it.
SOURCES = ("dashboard", "operations", "settings", "lambdas/common/pipeline_core")


def _dir(cfg: Config) -> Path:
    return cfg.state_dir / "dashboard"


def pidfile(cfg: Config) -> Path:
    return _dir(cfg) / "dashboard.pid"


def logfile(cfg: Config) -> Path:
    return _dir(cfg) / "dashboard.log"


def _fingerprint_file(cfg: Config) -> Path:
    return _dir(cfg) / "fingerprint"


def fingerprint(cfg: Config) -> str:
    """The settings and code a dashboard started now would run with (hot reload aside: not its concern)."""
    digest = hashlib.sha256(repr(dataclasses.replace(cfg, hot_reload=False)).encode())
    for top in SOURCES:
        for path in sorted((PROJECT_ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(PROJECT_ROOT)}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _started_with(cfg: Config) -> str | None:
    try:
        return _fingerprint_file(cfg).read_text()
    except OSError:
        return None


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
    wanted = fingerprint(cfg)
    running = _record(cfg)
    if running and _started_with(cfg) == wanted:
        return f"already running on {cfg.ui_url}"
    if running:
        stop(cfg)
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
            _fingerprint_file(cfg).write_text(wanted)
            return f"{'restarted' if running else 'started'} on {cfg.ui_url}" + (
                " (its settings or code changed)" if running else ""
            )
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
    _fingerprint_file(cfg).unlink(missing_ok=True)
    if record is None:
        return "not running"
    processes.end([record])
    return "stopped"
