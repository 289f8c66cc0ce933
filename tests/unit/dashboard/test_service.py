"""The background dashboard of `make up`: started, found again, stopped; never a stranger's process."""

from __future__ import annotations

import dataclasses
import socket
import subprocess

from dashboard import service
from lifecycle import processes
from tests.support import poll_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_start_answer_stop(cfg, tmp_path):
    own = dataclasses.replace(cfg, state_dir=tmp_path, ui_port=free_port(), ui_autostart=True)
    try:
        assert service.start(own).startswith("started on http://127.0.0.1:")
        pid = service.running_pid(own)
        assert pid and service.answers(own.ui_port)
        assert service.start(own).startswith("already running")
        assert service.status(own) == f"dashboard: pid {pid} on {own.ui_url}"
    finally:
        assert service.stop(own) == "stopped"
    poll_until(lambda: not processes.pid_alive(pid), timeout=10, what=f"dashboard pid {pid} gone")
    assert not service.answers(own.ui_port)
    assert service.stop(own) == "not running"


def test_a_reused_pid_is_left_alone(cfg, tmp_path):
    own = dataclasses.replace(cfg, state_dir=tmp_path, ui_port=free_port())
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        service.pidfile(own).parent.mkdir(parents=True)
        real = processes.identify(stranger.pid)
        # The recorded dashboard had this PID, but started at another time (the PID was reused since).
        processes.write_record(service.pidfile(own), dataclasses.replace(real, start_ticks=real.start_ticks - 1))
        assert service.running_pid(own) is None
        assert service.stop(own) == "not running"
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_a_taken_port_is_reported_not_fatal(cfg, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        own = dataclasses.replace(cfg, state_dir=tmp_path, ui_port=sock.getsockname()[1])
        message = service.start(own)
    assert message.startswith(f"not started: port {own.ui_port} is taken") and "UI_PORT" in message


def test_autostart_off(cfg, tmp_path):
    own = dataclasses.replace(cfg, state_dir=tmp_path, ui_autostart=False)
    assert "UI_AUTOSTART=0" in service.start(own)


def test_new_settings_restart_it_where_they_say(cfg, tmp_path):
    own = dataclasses.replace(cfg, state_dir=tmp_path, ui_port=free_port(), ui_autostart=True)
    moved = dataclasses.replace(own, ui_port=free_port(), bucket="another-bucket")
    try:
        assert service.start(own).startswith("started on")
        first = service.running_pid(own)
        assert service.start(dataclasses.replace(own, hot_reload=not own.hot_reload)).startswith("already running")
        assert service.start(moved) == f"restarted on {moved.ui_url} (its settings or code changed)"
        assert service.running_pid(moved) != first
        assert service.answers(moved.ui_port) and not service.answers(own.ui_port)
        assert service.start(moved).startswith("already running")
    finally:
        service.stop(moved)


def test_the_fingerprint_follows_settings_and_code(cfg, monkeypatch, tmp_path):
    base = service.fingerprint(cfg)
    assert service.fingerprint(dataclasses.replace(cfg, hot_reload=not cfg.hot_reload)) == base
    assert service.fingerprint(dataclasses.replace(cfg, postgres_port=cfg.postgres_port + 1)) != base
    (tmp_path / "dashboard").mkdir()
    (tmp_path / "dashboard" / "app.py").write_text("v1")
    monkeypatch.setattr(service, "PROJECT_ROOT", tmp_path)
    v1 = service.fingerprint(cfg)
    (tmp_path / "dashboard" / "app.py").write_text("v2")
    assert service.fingerprint(cfg) != v1
