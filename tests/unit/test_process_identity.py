"""`down` ends exactly the processes the stack started: never a reused PID, never a look-alike."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time

import pytest

from lifecycle import localstack_host, postgres_host, processes
from settings import config

pytestmark = pytest.mark.skipif(not processes.HAVE_PROC, reason="these decoys are checked through /proc")


@pytest.fixture()
def cfg(tmp_path):
    return dataclasses.replace(config.load(), state_dir=tmp_path / "state")


@pytest.fixture()
def decoy():
    """Start a process leading its own session (so a wrong `killpg` would hit it); killed afterwards."""
    started = []

    def start(*argv: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", *argv], start_new_session=True)
        started.append(proc)
        deadline = time.monotonic() + 10
        while processes.identify(proc.pid) is None or processes.executable(proc.pid) != os.path.realpath(
            sys.executable
        ):
            assert time.monotonic() < deadline, "decoy did not start"
            time.sleep(0.01)
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


def assert_alive(proc: subprocess.Popen) -> None:
    assert proc.poll() is None and processes.pid_alive(proc.pid), f"decoy {proc.pid} was killed"


def test_a_process_is_recognised_by_its_record():
    me = processes.identify(os.getpid())
    assert me is not None and me.exe == os.path.realpath(sys.executable)
    assert processes.still_running(me)
    assert processes.still_running(me, {sys.executable}, uid=os.getuid())
    assert not processes.still_running(me, {"/bin/sh"})
    assert not processes.still_running(me, uid=os.getuid() + 1)
    assert not processes.still_running(dataclasses.replace(me, start_ticks=me.start_ticks - 1))
    assert processes.ProcessRecord.from_json(me.to_json()) == me
    assert processes.ProcessRecord.from_json("1234\n") is None


def test_down_spares_a_reused_pid_in_a_stale_record(cfg, decoy):
    reused = decoy()
    cfg.localstack_dir.mkdir(parents=True)
    record = processes.identify(reused.pid)
    stale = dataclasses.replace(record, start_ticks=record.start_ticks - 100)  # ours ended; its PID went to the decoy
    processes.write_record(cfg.localstack_dir / "localstack.pid", stale)

    assert localstack_host.running(cfg) is None
    assert localstack_host.stop(cfg, log=lambda *_: None) == "not running"
    assert_alive(reused)
    assert not (cfg.localstack_dir / "localstack.pid").exists()


def test_down_spares_a_reused_pid_in_a_plain_pid_file(cfg, decoy):
    reused = decoy()
    cfg.localstack_dir.mkdir(parents=True)
    (cfg.localstack_dir / "localstack.pid").write_text(f"{reused.pid}\n")

    assert localstack_host.stop(cfg, log=lambda *_: None) == "not running"
    assert_alive(reused)


def test_down_spares_look_alike_command_lines_and_forged_records(cfg, decoy):
    venv_python = cfg.state_dir / "localstack-venv" / "bin" / "python"
    look_alikes = [
        decoy(str(venv_python), "-m", "localstack.runtime.main"),  # LocalStack's command line, another program
        decoy(str(cfg.runtimes_dir / "python3.12" / "bin" / "python"), str(cfg.localstack_dir / "localstack.log")),
    ]
    # A record written into the runtime user's folder that names a process running another program.
    records = localstack_host.records_dir(cfg)
    records.mkdir(parents=True)
    for proc in look_alikes:
        (records / f"{proc.pid}.json").write_text(processes.identify(proc.pid).to_json())

    assert localstack_host.runtime_processes(cfg) == []
    assert localstack_host.stop(cfg, log=lambda *_: None) == "not running"
    for proc in look_alikes:
        assert_alive(proc)


def test_down_ends_a_recorded_runtime_process(cfg, decoy):
    """The positive case, so that the tests above cannot pass by never killing anything."""
    python = cfg.runtimes_dir / "python3.12" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)
    records = localstack_host.records_dir(cfg)
    records.mkdir(parents=True)
    runtime = decoy()
    (records / f"{runtime.pid}.json").write_text(processes.identify(runtime.pid).to_json())

    assert [r.pid for r in localstack_host.runtime_processes(cfg)] == [runtime.pid]
    assert localstack_host.stop(cfg, log=lambda *_: None) == "stopped"
    assert runtime.wait(timeout=10) is not None
    assert list(records.glob("*.json")) == []


def test_a_stale_postmaster_pid_file_names_no_running_server(cfg, decoy):
    reused = decoy()
    data = cfg.postgres_dir / "data"
    data.mkdir(parents=True)
    (data / "PG_VERSION").write_text("15\n")
    an_hour_ago = int(time.time()) - 3600
    (data / "postmaster.pid").write_text(f"{reused.pid}\n{data}\n{an_hour_ago}\n{cfg.postgres_port}\n")

    assert not postgres_host.state(cfg).running
    assert postgres_host.stop(cfg) == "not running"
    assert_alive(reused)


def test_the_postmaster_pid_file_of_a_live_server_is_believed(cfg, decoy):
    server = decoy()
    data = cfg.postgres_dir / "data"
    data.mkdir(parents=True)
    (data / "postmaster.pid").write_text(f"{server.pid}\n{data}\n{int(time.time())}\n{cfg.postgres_port}\n")

    assert postgres_host.state(cfg).pid == server.pid


def test_executor_records_match_the_hosts_reading(tmp_path, monkeypatch):
    """The executor writes records in the format the host reads (same fields, same clock)."""
    from localstack_process_executor import records

    monkeypatch.setenv(records.RECORDS_VARIABLE, str(tmp_path))
    path = records.record(os.getpid())
    assert processes.read_record(path) == processes.identify(os.getpid())
    assert json.loads(path.read_text())["pid"] == os.getpid()
    records.forget(path)
    assert not path.exists()


def test_dotenv_is_made_private_before_an_unprivileged_localstack_starts(tmp_path, monkeypatch):
    from lifecycle.service_user import ServiceUser

    dotenv = tmp_path / ".env"
    dotenv.write_text("POSTGRES_PASSWORD=not-for-functions\n")
    dotenv.chmod(0o644)
    monkeypatch.setattr(localstack_host, "PROJECT_ROOT", tmp_path)
    said = []

    localstack_host._keep_dotenv_private(ServiceUser("localstack-svc", 999, 999), said.append)

    assert dotenv.stat().st_mode & 0o777 == 0o600
    assert said and "readable by its owner only" in said[0]
    said.clear()
    localstack_host._keep_dotenv_private(ServiceUser("localstack-svc", 999, 999), said.append)
    assert said == []  # already private: nothing done, nothing said
