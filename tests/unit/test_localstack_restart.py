"""`make up` restarts a running host-mode LocalStack exactly when its settings or packages changed."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess

import pytest

from lifecycle import localstack_host, processes, venvs
from settings import config


class Launched(Exception):
    """A new LocalStack process would have been started here."""


@pytest.fixture()
def cfg(tmp_path):
    return dataclasses.replace(config.load(), state_dir=tmp_path / "state")


class RunningLocalStack:
    """A healthy LocalStack that ``start`` finds running: whether it was stopped, and what ``start`` said."""

    def __init__(self, cfg) -> None:
        self.cfg = cfg
        self.stopped = False
        self.said: list[str] = []

    def start(self, started_with: dict[str, str] | None) -> str:
        """``localstack_host.start`` with ``started_with`` recorded as what it started with (None: nothing)."""
        if started_with is not None:
            localstack_host._fingerprint_file(self.cfg).write_text(json.dumps(started_with))
        return localstack_host.start(self.cfg, log=self.said.append)


@pytest.fixture()
def host(cfg, monkeypatch) -> RunningLocalStack:
    cfg.localstack_dir.mkdir(parents=True)
    running = RunningLocalStack(cfg)
    me = processes.ProcessRecord(pid=os.getpid(), start_ticks=0, exe="python")
    monkeypatch.setattr(localstack_host, "runtime_user", lambda: None)
    monkeypatch.setattr(localstack_host, "running", lambda _cfg: None if running.stopped else me)
    monkeypatch.setattr(
        localstack_host, "health", lambda _cfg, timeout=2.0: None if running.stopped else {"services": {}}
    )
    monkeypatch.setattr(localstack_host, "stop", lambda _cfg, log=print: setattr(running, "stopped", True))
    monkeypatch.setattr(localstack_host, "_refuse_taken_port", lambda _cfg: None)
    popen = subprocess.Popen

    def launch(command, *args, **kwargs):
        if command[1:] != localstack_host.LAUNCH_ARGS:
            return popen(command, *args, **kwargs)
        raise Launched

    monkeypatch.setattr(subprocess, "Popen", launch)
    return running


def test_unchanged_settings_and_packages_keep_it_running(cfg, host):
    assert host.start(localstack_host.fingerprint(cfg, None)) == "already running"
    assert not host.stopped


def test_a_changed_setting_restarts_it_and_says_which(cfg, host, monkeypatch):
    started_with = localstack_host.fingerprint(cfg, None)
    monkeypatch.setenv("LAMBDA_LOG_BATCH_MS", "250")

    with pytest.raises(Launched):
        host.start(started_with)

    assert host.stopped
    assert "LAMBDA_LOG_BATCH_MS" in host.said[0] and "restarting it" in host.said[0], host.said


def test_changed_packages_restart_it(cfg, host):
    started_with = localstack_host.fingerprint(cfg, None)
    venv = localstack_host.localstack_venv_spec(cfg).path
    venv.mkdir(parents=True)
    (venv / f"{venvs.STAMP}-executor").write_text("a newer executor\n")

    with pytest.raises(Launched):
        host.start(started_with)

    assert "the packages in localstack-venv" in host.said[0], host.said


def test_one_started_before_fingerprints_were_kept_is_restarted(host):
    with pytest.raises(Launched):
        host.start(None)

    assert "not recorded" in host.said[0], host.said


def test_another_shell_s_path_or_locale_does_not_restart_it(cfg, host, monkeypatch):
    started_with = localstack_host.fingerprint(cfg, None)
    monkeypatch.setenv("PATH", "/elsewhere/bin:" + os.environ["PATH"])
    monkeypatch.setenv("LANG", "de_DE.UTF-8")

    assert host.start(started_with) == "already running"


def test_stop_forgets_what_it_started_with(cfg, monkeypatch):
    cfg.localstack_dir.mkdir(parents=True)
    monkeypatch.setattr(localstack_host, "runtime_user", lambda: None)
    fingerprint = localstack_host._fingerprint_file(cfg)
    fingerprint.write_text("{}")

    localstack_host.stop(cfg, log=lambda *_: None)

    assert not fingerprint.exists()
