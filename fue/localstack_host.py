"""LocalStack on the host: install, start, stop and inspect it without Docker.

LocalStack ``localstack-core`` runs from its own Python 3.13 virtualenv,
installed from the pinned lock in ``requirements/localstack-host.lock`` plus the
``local`` runtime executor in ``executor/``, which runs Lambda functions as
local processes using one virtualenv per Python runtime under
``.state/runtimes``.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from fue import interpreters, processes, venvs
from fue.config import LOCALSTACK_VERSION, PROJECT_ROOT, Config

SERVICES = "s3,lambda,iam,sts,logs,sqs,cloudformation,secretsmanager"
LAMBDA_PYTHON_VERSIONS = ["3.12", "3.13"]


class StartError(RuntimeError):
    pass


EXECUTOR_DIR = PROJECT_ROOT / "executor"


def localstack_venv_spec(cfg: Config) -> venvs.VenvSpec:
    lock = PROJECT_ROOT / "requirements" / "localstack-host.lock"
    return venvs.VenvSpec(
        path=cfg.state_dir / "localstack-venv",
        python_versions=["3.13"],
        installs=[["--no-deps", "-r", str(lock)]],
        inputs=[lock],
    )


def runtime_venv_specs(cfg: Config) -> list[venvs.VenvSpec]:
    requirements = PROJECT_ROOT / "requirements" / "lambda-runtime.txt"
    return [
        venvs.VenvSpec(
            path=cfg.runtimes_dir / f"python{version}",
            python_versions=[version],
            installs=[["-r", str(requirements)]],
            inputs=[requirements],
        )
        for version in LAMBDA_PYTHON_VERSIONS
    ]


def install(cfg: Config, log=print) -> None:
    """Create or refresh LocalStack's venv and the Lambda runtime venvs."""
    try:
        outcome = venvs.ensure(localstack_venv_spec(cfg), log=log)
    except interpreters.InterpreterNotFound as exc:
        raise StartError(f"LocalStack {LOCALSTACK_VERSION} needs Python 3.13 on the host: {exc}") from exc
    log(f"localstack venv: {outcome}")
    log(f"local executor plugin: {venvs.ensure_local_package(localstack_venv_spec(cfg).path, EXECUTOR_DIR)}")
    available = []
    for spec in runtime_venv_specs(cfg):
        try:
            outcome = venvs.ensure(spec, log=log)
        except interpreters.InterpreterNotFound:
            continue
        available.append(spec.path.name)
        log(f"lambda runtime {spec.path.name}: {outcome}")
    if not available:
        raise StartError("no Python 3.12 or 3.13 interpreter found for Lambda functions")


def _paths(cfg: Config) -> tuple[Path, Path]:
    return cfg.localstack_dir / "localstack.pid", cfg.localstack_dir / "localstack.log"


def environment(cfg: Config) -> dict[str, str]:
    """Environment of the LocalStack process: a clean base plus LocalStack's own settings."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        {
            "GATEWAY_LISTEN": f"127.0.0.1:{cfg.localstack_port}",
            "SERVICES": SERVICES,
            # LocalStack guesses it is inside a container when run in one (CI); it is not.
            "OVERRIDE_IN_DOCKER": "0",
            "FILESYSTEM_ROOT": str(cfg.localstack_dir / "filesystem"),
            # No DNS server on port 53, no certificate download, no analytics: nothing that needs
            # root or the internet. Without DISABLE_EVENTS a failed analytics flush at shutdown
            # skips stopping the Lambda environments.
            "DNS_ADDRESS": "0",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "DISABLE_EVENTS": "1",
            "LAMBDA_RUNTIME_EXECUTOR": "local",
            "LAMBDA_RETRY_BASE_DELAY": str(cfg.lambda_retry_delay),
            "LOCALSTACK_PROCESS_EXECUTOR_RUNTIMES": str(cfg.runtimes_dir),
        }
    )
    return env


def health(cfg: Config, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(f"{cfg.endpoint_url}/_localstack/health", timeout=timeout) as resp:
            return json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def running_pid(cfg: Config) -> int | None:
    return processes.read_pid(_paths(cfg)[0])


def start(cfg: Config, log=print, wait_seconds: float = 90) -> str:
    """Start LocalStack in the background; returns "started" or "already running"."""
    pidfile, logfile = _paths(cfg)
    pid = running_pid(cfg)
    if pid and health(cfg):
        return "already running"
    if pid:
        log(f"LocalStack (pid {pid}) is not answering; restarting it")
        stop(cfg, log=lambda *_: None)
    if processes.port_in_use(cfg.localstack_port):
        owners = ", ".join(processes.describe(p) for p in processes.listener_pids(cfg.localstack_port))
        raise StartError(
            f"port {cfg.localstack_port} is already taken by {owners or 'another process'}. "
            f"Stop it, or choose another port: `make up LOCALSTACK_HOST_PORT=4567`"
        )
    cfg.localstack_dir.mkdir(parents=True, exist_ok=True)
    python = venvs.python_of(localstack_venv_spec(cfg).path)
    with open(logfile, "ab") as out:
        proc = subprocess.Popen(
            [str(python), "-m", "localstack.runtime.main"],
            cwd=cfg.localstack_dir,
            env=environment(cfg),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pidfile.write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StartError(f"LocalStack exited with code {proc.returncode}:\n{processes.log_tail(logfile)}")
        if health(cfg):
            return "started"
        time.sleep(0.2)
    stop(cfg, log=lambda *_: None)
    raise StartError(f"LocalStack did not become healthy within {wait_seconds:.0f}s:\n{processes.log_tail(logfile)}")


def _stack_processes(cfg: Config) -> list[int]:
    """LocalStack and every Lambda environment it started, found by their interpreter paths."""
    return sorted(
        set(processes.pids_matching(str(localstack_venv_spec(cfg).path)))
        | set(processes.pids_matching(str(cfg.runtimes_dir)))
    )


def stop(cfg: Config, log=print) -> str:
    pidfile, _ = _paths(cfg)
    pid = running_pid(cfg)
    leftovers = _stack_processes(cfg)
    if not pid and not leftovers:
        pidfile.unlink(missing_ok=True)
        return "not running"
    if pid:
        processes.terminate([pid], grace=15)
    # Lambda environments exit with their parent; anything still alive is ended here.
    leftovers = _stack_processes(cfg)
    if leftovers:
        processes.terminate(leftovers, grace=3)
    pidfile.unlink(missing_ok=True)
    return "stopped"


def status(cfg: Config) -> str:
    pid = running_pid(cfg)
    if not pid:
        return "LocalStack (host): not running"
    info = health(cfg)
    if not info:
        return f"LocalStack (host): pid {pid}, not answering on {cfg.endpoint_url}"
    services = ", ".join(f"{k}={v}" for k, v in info.get("services", {}).items() if v != "disabled")
    return f"LocalStack {info.get('version')} (host): pid {pid}, {cfg.endpoint_url} [{services}]"
