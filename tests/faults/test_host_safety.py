"""Host mode on a real stack: `down` ends exactly what `up` started; `up` shows no password to anyone."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from lifecycle import localstack_host, processes, stack
from settings.config import PROJECT_ROOT
from tests.support import object_exists, poll_until

SLEEPER = "import time; time.sleep(900)"


def scan_command_lines(secrets: list[str], stop: threading.Event, found: list[str]) -> None:
    """Read every process's command line until ``stop``; note those that contain a secret."""
    me = str(os.getpid())
    while not stop.is_set():
        for proc in Path("/proc").glob("[0-9]*"):
            if proc.name == me:
                continue
            try:
                line = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if any(secret in line for secret in secrets):
                found.append(f"pid {proc.name}: {line}")
        stop.wait(0.005)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=PROJECT_ROOT,
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture()
def decoys(cfg):
    """Processes that merely look like the stack's: LocalStack's command line, a `tail -f` of its log."""
    venv_python = localstack_host.venvs.python_of(localstack_host.localstack_venv_spec(cfg).path)
    started = [
        subprocess.Popen(
            [sys.executable, "-c", SLEEPER, str(venv_python), *localstack_host.LAUNCH_ARGS, str(cfg.runtimes_dir)],
            start_new_session=True,
        ),
        subprocess.Popen(
            ["tail", "-f", str(localstack_host.log_file(cfg))], start_new_session=True, stdout=subprocess.DEVNULL
        ),
    ]
    yield started
    for proc in started:
        proc.kill()
        proc.wait()


def test_down_ends_exactly_the_stack_and_up_shows_no_password(cfg, s3, run_id, decoys):
    if stack.active_mode(cfg) != "host":
        pytest.skip("host-mode processes")
    key = f"{cfg.upload_prefix}{run_id}/warm.txt"
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=b"function processes are running")
    poll_until(lambda: object_exists(s3, cfg.bucket, cfg.extracted_key(key)), timeout=120, what=f"{key} extracted")
    localstack = localstack_host.running(cfg)
    functions = localstack_host.runtime_processes(cfg)
    assert localstack is not None and functions, "the stack should be running function processes"
    if os.geteuid() == 0:
        assert processes.owner_uid(localstack.pid) != 0
        assert all(processes.owner_uid(f.pid) != 0 for f in functions)

    down = run_cli("down")

    assert down.returncode == 0, down.stderr
    assert not processes.still_running(localstack), "LocalStack survived `down`"
    assert not [f for f in functions if processes.still_running(f)], "function processes survived `down`"
    for decoy in decoys:
        assert decoy.poll() is None, f"`down` killed the look-alike {decoy.args}"

    secrets = [f"owner-{uuid.uuid4().hex}", f"insert-{uuid.uuid4().hex}"]
    env = {**os.environ, "POSTGRES_PASSWORD": secrets[0], "POSTGRES_INSERT_PASSWORD": secrets[1]}
    stop, found = threading.Event(), []
    scanner = threading.Thread(target=scan_command_lines, args=(secrets, stop, found), daemon=True)
    scanner.start()
    try:
        up = run_cli("up", env=env)
    finally:
        stop.set()
        scanner.join()
        restored = run_cli("up")  # back to the configured passwords, for the tests that follow
    assert up.returncode == 0, up.stdout + up.stderr
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert found == [], "a password appeared on a command line during `up`"
    for secret in secrets:
        assert secret not in up.stdout + up.stderr, "`up` printed a password"
