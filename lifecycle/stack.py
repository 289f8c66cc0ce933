"""Bring the whole stack up or down, in Docker mode or host mode.

``STACK=auto`` (the default) picks Docker when a Docker engine answers and
host mode otherwise, and says which. The mode of a running stack is read from
what runs (the compose project's containers, host mode's processes); the file
``.state/stack`` only remembers the last choice for when nothing runs.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator

from lifecycle import compose, localstack_host, postgres_host
from settings.config import Config
from settings.errors import UserError

MODES = ("host", "docker")


class StackError(UserError):
    pass


def docker_engine_available() -> bool:
    return compose.engine_available()


def _mode_file(cfg: Config):
    return cfg.state_dir / "stack"


@contextlib.contextmanager
def exclusive(cfg: Config, log=print) -> Iterator[None]:
    """One ``up``, ``bootstrap`` or ``down`` of this project at a time (a lock on ``.state/stack.lock``).

    Two terminals (``make up`` beside ``make integration-test``, which runs ``up`` too) would
    otherwise start two PostgreSQL clusters on one data folder, or create the same function
    twice. The second waits, then finds the first one's work done. The lock ends with its
    process, however that ends.
    """
    cfg.state_dir.mkdir(parents=True, exist_ok=True)
    with open(cfg.state_dir / "stack.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("waiting for another `make up`, `make bootstrap` or `make down` of this project to finish...")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _remembered_mode(cfg: Config) -> str | None:
    try:
        mode = _mode_file(cfg).read_text().strip()
    except OSError:
        return None
    return mode if mode in MODES else None


def _host_running(cfg: Config) -> bool:
    return bool(localstack_host.running_pid(cfg)) or postgres_host.state(cfg).running


def _docker_considered(cfg: Config) -> bool:
    """``STACK=host`` keeps every command away from Docker; otherwise the engine is asked when it answers."""
    return cfg.stack != "host" and compose.engine_available()


def running_mode(cfg: Config) -> str | None:
    """The mode of the stack that runs now: compose containers mean Docker, host processes mean host."""
    if _docker_considered(cfg) and compose.running_containers():
        return "docker"
    if _host_running(cfg):
        return "host"
    return None


def active_mode(cfg: Config) -> str | None:
    """The mode that runs now or, when nothing runs, the mode last brought up (``None`` if none)."""
    return running_mode(cfg) or _remembered_mode(cfg)


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


def up(cfg: Config, log=print) -> str:
    mode = choose_mode(cfg, log)
    running = running_mode(cfg)
    if running and running != mode:
        raise StackError(f"a {running}-mode stack is up; run `make down` before switching to {mode} mode")
    cfg.state_dir.mkdir(parents=True, exist_ok=True)
    # Remembered before starting, so that `down` after a failed `up` knows where to look.
    _mode_file(cfg).write_text(mode + "\n")
    if mode == "docker":
        try:
            compose.up(cfg, log)
        except compose.ComposeError as exc:
            raise StackError(str(exc)) from exc
    else:
        try:
            localstack_host.check_port(cfg)  # before installing or starting anything
            localstack_host.install(cfg, log=log)
            log(f"PostgreSQL (host): {postgres_host.ensure_started(cfg)}")
            log(f"LocalStack (host): {localstack_host.start(cfg, log=log)} on {cfg.endpoint_url}")
        except (localstack_host.StartError, postgres_host.PostgresError) as exc:
            raise StackError(str(exc)) from exc
    return mode


def down(cfg: Config, log=print, *, delete_data: bool = False) -> None:
    """Stop whatever runs, in either mode. ``delete_data`` also removes Docker mode's volumes.

    Both modes are looked at, whatever the state file says: a failed ``up`` or a lost
    ``.state/`` must not leave containers, networks or volumes behind.
    """
    if _docker_considered(cfg):
        try:
            log(f"Docker mode: {compose.down(cfg, log, delete_data=delete_data)}")
        except compose.ComposeError as exc:
            raise StackError(str(exc)) from exc
    elif cfg.stack != "host" and _remembered_mode(cfg) == "docker":
        log(
            "Docker engine not answering; nothing to stop in Docker mode (start Docker, then `make down` again "
            "to remove its containers)"
        )
    if _host_running(cfg) or _remembered_mode(cfg) == "host":
        log(f"LocalStack (host): {localstack_host.stop(cfg, log=log)}")
        log(f"PostgreSQL (host): {postgres_host.stop(cfg)}")
    _mode_file(cfg).unlink(missing_ok=True)


def status(cfg: Config) -> list[str]:
    mode = running_mode(cfg)
    if mode == "docker":
        return ["mode: docker", compose.status(cfg)]
    return [f"mode: {mode or 'not up'}", localstack_host.status(cfg), postgres_host.status(cfg)]


def stop_database(cfg: Config) -> None:
    """Stop the search database of the running stack (fault tests)."""
    if active_mode(cfg) == "docker":
        compose.service(cfg, "stop", "postgres")
    else:
        postgres_host.stop(cfg)


def start_database(cfg: Config) -> None:
    if active_mode(cfg) == "docker":
        compose.service(cfg, "start", "postgres")
    else:
        postgres_host.ensure_started(cfg)
