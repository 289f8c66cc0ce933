"""Host mode says what is wrong and the one command that fixes it."""

from __future__ import annotations

import dataclasses
import socket
import subprocess

import pytest

from lifecycle import interpreters, localstack_host, stack
from settings import config


@pytest.fixture()
def cfg(tmp_path):
    return dataclasses.replace(config.load(), state_dir=tmp_path / "state")


def test_port_taken_names_the_owner_and_the_setting(cfg):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = dataclasses.replace(cfg, localstack_port=listener.getsockname()[1])

        with pytest.raises(localstack_host.StartError) as error:
            localstack_host.start(taken, log=lambda *_: None)

    message = str(error.value)
    assert f"port {taken.localstack_port} is already taken" in message
    assert "LOCALSTACK_HOST_PORT" in message


def test_missing_python_313_says_how_to_install_it(cfg, monkeypatch):
    def not_found(versions):
        raise interpreters.InterpreterNotFound("Python 3.13 was not found; install it with `pyenv install 3.13`")

    monkeypatch.setattr(interpreters, "find_first", not_found)

    with pytest.raises(localstack_host.StartError, match=r"Python 3\.13.*pyenv install 3\.13"):
        localstack_host.install(cfg, log=lambda *_: None)


def test_docker_mode_without_an_engine_says_how_to_continue(cfg, monkeypatch):
    monkeypatch.setattr(stack, "docker_engine_available", lambda: False)

    with pytest.raises(stack.StackError, match="make up STACK=host"):
        stack.choose_mode(dataclasses.replace(cfg, stack="docker"), log=lambda *_: None)


def test_auto_mode_falls_back_to_host_and_says_so(cfg, monkeypatch):
    monkeypatch.setattr(stack, "docker_engine_available", lambda: False)
    said = []

    assert stack.choose_mode(dataclasses.replace(cfg, stack="auto"), log=said.append) == "host"
    assert "host mode" in said[0]


def test_port_taken_stops_make_up_before_it_installs_or_starts_anything(cfg, monkeypatch):
    monkeypatch.setattr(stack, "docker_engine_available", lambda: False)

    def must_not_run(*args, **kwargs):
        raise AssertionError("make up went on although LocalStack's port is taken")

    monkeypatch.setattr(localstack_host, "install", must_not_run)
    monkeypatch.setattr(stack.postgres_host, "ensure_started", must_not_run)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = dataclasses.replace(cfg, stack="host", localstack_port=listener.getsockname()[1])

        with pytest.raises(stack.StackError, match=f"port {taken.localstack_port} is already taken"):
            stack.up(taken, log=lambda *_: None)


def test_start_drops_the_plugin_index_so_a_reinstalled_executor_is_read_afresh(cfg, monkeypatch):
    """plux's index is keyed by entry-point mtimes at a precision of minutes: a stale one would hide new hooks."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = dataclasses.replace(cfg, localstack_port=probe.getsockname()[1])
    index = localstack_host.sandbox_dir(free) / "home" / ".cache" / "plux" / "0123.entry_points.txt"
    index.parent.mkdir(parents=True)
    index.write_text("[localstack.hooks.on_infra_start]\n")

    class Launched(Exception):
        pass

    popen = subprocess.Popen

    def launch(command, *args, **kwargs):
        if command[1:] != localstack_host.LAUNCH_ARGS:
            return popen(command, *args, **kwargs)
        assert not index.parent.exists(), "LocalStack would start with the old plugin index"
        raise Launched

    monkeypatch.setattr(subprocess, "Popen", launch)
    monkeypatch.setattr(localstack_host, "runtime_user", lambda: None)
    with pytest.raises(Launched):
        localstack_host.start(free, log=lambda *_: None)
