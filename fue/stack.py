"""Bring the whole stack up or down, in Docker mode or host mode.

``STACK=auto`` (the default) picks Docker when a Docker engine answers and
host mode otherwise, and says which. The mode in use is remembered in
``.state/stack`` so that later commands (bootstrap, tests, down) act on the
stack that is actually running.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from bootstrap import hot_reload
from fue import localstack_host, postgres_host
from fue.config import PROJECT_ROOT, Config

MODES = ("host", "docker")


class StackError(RuntimeError):
    pass


def docker_engine_available() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        result = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, timeout=15
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _mode_file(cfg: Config) -> Path:
    return cfg.state_dir / "stack"


def active_mode(cfg: Config) -> str | None:
    """The mode of the stack that was last brought up, if any."""
    try:
        mode = _mode_file(cfg).read_text().strip()
    except OSError:
        return None
    return mode if mode in MODES else None


def choose_mode(cfg: Config, log=print) -> str:
    if cfg.stack in MODES:
        if cfg.stack == "docker" and not docker_engine_available():
            raise StackError(
                "STACK=docker, but no Docker engine answers. Start Docker "
                "(Docker Desktop, or `sudo systemctl start docker`), or run without Docker: `make up STACK=host`"
            )
        return cfg.stack
    if cfg.stack != "auto":
        raise StackError(f"STACK must be auto, host or docker (got {cfg.stack!r})")
    if docker_engine_available():
        log("Docker engine found: using Docker mode (STACK=host forces host mode)")
        return "docker"
    log("No Docker engine answers: using host mode (LocalStack and PostgreSQL run as local processes)")
    return "host"


def _compose(cfg: Config, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(
        {
            "LOCALSTACK_IMAGE": cfg.localstack_image,
            "LOCALSTACK_AUTH_TOKEN": cfg.localstack_auth_token,
            "LOCALSTACK_HOST_PORT": str(cfg.localstack_port),
            "POSTGRES_HOST_PORT": str(cfg.postgres_port),
            "LAMBDA_RETRY_DELAY": str(cfg.lambda_retry_delay),
            "POSTGRES_DB": cfg.postgres_db,
            "POSTGRES_USER": cfg.postgres_user,
            "POSTGRES_PASSWORD": cfg.postgres_password,
            "FUE_LAMBDA_DOCKER_FLAGS": hot_reload.docker_flags(cfg) if cfg.hot_reload else "",
        }
    )
    return subprocess.run(
        ["docker", "compose", "-f", str(PROJECT_ROOT / "docker-compose.yml"), *args],
        env=env,
        cwd=PROJECT_ROOT,
        text=True,
        capture_output=capture,
    )


def _docker_up(cfg: Config, log) -> None:
    if not cfg.localstack_image.endswith(":4.14.0") and not cfg.localstack_auth_token:
        log(
            f"warning: {cfg.localstack_image} is not 4.14.0; LocalStack images released after March 2026 "
            "refuse to start without LOCALSTACK_AUTH_TOKEN"
        )
    if _compose(cfg, "up", "--detach", "--wait").returncode != 0:
        logs = _compose(cfg, "logs", "--tail", "30", "localstack", capture=True).stdout
        hint = ""
        if "auth" in logs.lower() or "license" in logs.lower():
            hint = "\nLocalStack asks for an auth token: set LOCALSTACK_AUTH_TOKEN, or use the pinned image 4.14.0."
        raise StackError(f"docker compose up failed. Last LocalStack log lines:\n{logs}{hint}")


def up(cfg: Config, log=print) -> str:
    mode = choose_mode(cfg, log)
    previous = active_mode(cfg)
    if previous and previous != mode:
        raise StackError(f"a {previous}-mode stack is up; run `make down` before switching to {mode} mode")
    cfg.state_dir.mkdir(parents=True, exist_ok=True)
    if mode == "docker":
        _docker_up(cfg, log)
    else:
        try:
            localstack_host.install(cfg, log=log)
            log(f"PostgreSQL (host): {postgres_host.ensure_started(cfg)}")
            log(f"LocalStack (host): {localstack_host.start(cfg, log=log)} on {cfg.endpoint_url}")
        except (localstack_host.StartError, postgres_host.PostgresError) as exc:
            raise StackError(str(exc)) from exc
    _mode_file(cfg).write_text(mode + "\n")
    return mode


def down(cfg: Config, log=print, *, delete_data: bool = False) -> None:
    """Stop the stack. ``delete_data`` also removes Docker mode's volumes (host-mode data lives in STATE_DIR)."""
    mode = active_mode(cfg) or (cfg.stack if cfg.stack in MODES else "host")
    if mode == "docker":
        if docker_engine_available():
            _compose(cfg, "down", "--remove-orphans", *(["--volumes"] if delete_data else []))
        else:
            log("Docker engine not answering; nothing to stop in Docker mode")
    else:
        log(f"LocalStack (host): {localstack_host.stop(cfg, log=log)}")
        log(f"PostgreSQL (host): {postgres_host.stop(cfg)}")
    _mode_file(cfg).unlink(missing_ok=True)


def status(cfg: Config) -> list[str]:
    mode = active_mode(cfg)
    if mode == "docker":
        return ["mode: docker", _compose(cfg, "ps", capture=True).stdout.rstrip()]
    lines = [f"mode: {mode or 'not up'}", localstack_host.status(cfg), postgres_host.status(cfg)]
    return lines
