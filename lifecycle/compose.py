"""Docker mode's lifecycle: the Docker engine, the Compose v2 plugin and the compose project.

What runs is read from the engine (containers, networks and volumes carrying the compose
project's label), so ``down`` and ``clean`` work after a failed ``up`` or a lost state file.
Every failure of ``docker compose`` is reported with its cause and the command that fixes it.

Standard library only: ``lifecycle.venvs`` asks :func:`engine_available` before any virtualenv exists.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from collections import deque
from pathlib import Path

from settings.config import PROJECT_ROOT, Config
from settings.errors import UserError

PROJECT = "file-upload-extraction"
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
PROCESS_EXECUTOR_FILE = PROJECT_ROOT / "docker" / "compose.process-executor.yml"
HOT_RELOAD_FILE = PROJECT_ROOT / "docker" / "compose.hot-reload.yml"
PROCESS_IMAGE_DOCKERFILE = PROJECT_ROOT / "docker" / "localstack-process.Dockerfile"
PROCESS_IMAGE_REPOSITORY = f"{PROJECT}/localstack-process"
DOCKER_SOCKET = Path("/var/run/docker.sock")
CA_BUNDLES = (Path("/etc/ssl/certs/ca-certificates.crt"), Path("/etc/pki/tls/certs/ca-bundle.crt"))
EXECUTORS = ("auto", "docker", "process")
STANDIN_HINT = (
    "On a machine that cannot reach Docker Hub, build local stand-ins and use them: "
    "`docker/standins/build.sh`, then `make up STACK=docker LOCALSTACK_IMAGE=localstack/localstack:4.14.0-standin "
    "POSTGRES_IMAGE=postgres:15-standin LAMBDA_PYTHON_IMAGE=python:3.12-slim-standin DOCKER_LAMBDA_EXECUTOR=process` "
    '(README: "Stand-in images"). Or run without Docker: `make up STACK=host`.'
)


class ComposeError(UserError):
    """A Docker-mode failure, worded for people: what went wrong and the command that fixes it."""


DOCKER_BUILD_MOUNT = "/opt/pipeline-build"


def docker_flags(cfg: Config) -> str:
    """``LAMBDA_DOCKER_FLAGS`` for LocalStack's docker executor, used by hot-reloaded functions: the
    dependency layers, read-only, and LocalStack's init polling for changes (inotify misses edits made
    through the file sharing of Docker Desktop, Colima or Rancher). The init polls only folders
    deployed with hot reload, so zip deployments pay nothing for it."""
    cfg.build_dir.mkdir(parents=True, exist_ok=True)
    return f"-v {cfg.build_dir.resolve()}:{DOCKER_BUILD_MOUNT}:ro -e LOCALSTACK_FILE_WATCHER_STRATEGY=polling"


def hot_reload_paths(cfg: Config) -> dict[str, str]:
    """For the process executor: the folders hot-reloaded functions run from, which
    ``docker/compose.hot-reload.yml`` mounts into LocalStack's container at the same absolute paths."""
    folders = {
        "PIPELINE_LAMBDAS_DIR": PROJECT_ROOT / "lambdas",
        "PIPELINE_HOT_RELOAD_DIR": cfg.hot_reload_dir,
        "PIPELINE_BUILD_DIR": cfg.build_dir,
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)  # else the engine would create it, owned by root
    return {name: str(folder.resolve()) for name, folder in folders.items()}


def _docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(exc.cmd, 124, "", f"timed out after {timeout:.0f}s")


def engine_available() -> bool:
    """True when a ``docker`` CLI is installed and its engine answers."""
    if not shutil.which("docker"):
        return False
    try:
        return _docker("info", "--format", "{{.ServerVersion}}", timeout=15).returncode == 0
    except OSError:
        return False


def require_compose_plugin() -> None:
    result = _docker("compose", "version", "--short", timeout=30)
    if result.returncode != 0:
        raise ComposeError(
            "Docker Compose v2 (the `docker compose` plugin) is missing, so Docker mode cannot start. "
            "Install it: Docker Desktop includes it; on Debian/Ubuntu `apt-get install docker-compose-plugin` "
            "(Docker's apt repository) or Debian trixie's `docker-compose` package. The old `docker-compose` "
            "v1 is not supported. Or run without Docker: `make up STACK=host`"
        )


def engine_architecture() -> str:
    """The engine's CPU as a Lambda architecture ("x86_64" or "arm64"): where Docker mode's functions run."""
    result = _docker("info", "--format", "{{.Architecture}}", timeout=15)
    machine = result.stdout.strip().lower() if result.returncode == 0 else ""
    return "arm64" if machine in ("aarch64", "arm64") else "x86_64"


def resources() -> dict[str, list[str]]:
    """The compose project's containers (running or not), networks and volumes, as the engine lists them."""
    label = f"label=com.docker.compose.project={PROJECT}"
    found = {}
    for kind, args in (("containers", ["ps", "--all"]), ("networks", ["network", "ls"]), ("volumes", ["volume", "ls"])):
        result = _docker(*args, "--quiet", "--filter", label, timeout=30)
        found[kind] = result.stdout.split() if result.returncode == 0 else []
    return found


def running_containers() -> list[str]:
    result = _docker("ps", "--quiet", "--filter", f"label=com.docker.compose.project={PROJECT}", timeout=30)
    return result.stdout.split() if result.returncode == 0 else []


def executor(cfg: Config) -> str:
    """ "docker" (LocalStack's own executor: a container per environment, needs the socket) or "process"."""
    if cfg.docker_lambda_executor not in EXECUTORS:
        raise ComposeError(
            f"DOCKER_LAMBDA_EXECUTOR must be auto, docker or process (got {cfg.docker_lambda_executor!r})"
        )
    if cfg.docker_lambda_executor != "auto":
        return cfg.docker_lambda_executor
    return "docker" if DOCKER_SOCKET.is_socket() else "process"


def running_executor(cfg: Config) -> str:
    """The executor of the running LocalStack container (its image sets ``LAMBDA_RUNTIME_EXECUTOR=local``
    for the process executor); what ``DOCKER_LAMBDA_EXECUTOR`` asks for when none runs."""
    found = _docker(
        "ps",
        "--quiet",
        "--filter",
        f"label=com.docker.compose.project={PROJECT}",
        "--filter",
        "label=com.docker.compose.service=localstack",
        timeout=30,
    ).stdout.split()
    if not found:
        return executor(cfg)
    env = _docker("inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", found[0], timeout=30)
    return "process" if "LAMBDA_RUNTIME_EXECUTOR=local" in env.stdout.splitlines() else "docker"


def _environment(cfg: Config, process_image: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "LOCALSTACK_IMAGE": cfg.localstack_image,
            "LOCALSTACK_AUTH_TOKEN": cfg.localstack_auth_token,
            "LOCALSTACK_HOST_PORT": str(cfg.localstack_port),
            "POSTGRES_IMAGE": cfg.postgres_image,
            "POSTGRES_HOST_PORT": str(cfg.postgres_port),
            "LAMBDA_RETRY_DELAY": str(cfg.lambda_retry_delay),
            "LAMBDA_RUNTIME_IMAGE": cfg.lambda_runtime_image,
            "POSTGRES_DB": cfg.postgres_db,
            "POSTGRES_USER": cfg.postgres_user,
            "POSTGRES_PASSWORD": cfg.postgres_password,
            "PIPELINE_LAMBDA_DOCKER_FLAGS": docker_flags(cfg),
        }
    )
    if process_image:
        env["LOCALSTACK_PROCESS_IMAGE"] = process_image
        env.update(hot_reload_paths(cfg))
    return env


def compose_command(cfg: Config, *args: str, process_image: str | None = None) -> list[str]:
    files = ["-f", str(COMPOSE_FILE)]
    if process_image:
        files += ["-f", str(PROCESS_EXECUTOR_FILE), "-f", str(HOT_RELOAD_FILE)]
    return ["docker", "compose", "--project-name", PROJECT, *files, *args]


def run(
    cfg: Config, *args: str, process_image: str | None = None, log=None, timeout: float = 900
) -> subprocess.CompletedProcess:
    """Run ``docker compose``; with ``log``, its output is streamed there as it comes (and also kept)."""
    command = compose_command(cfg, *args, process_image=process_image)
    env = _environment(cfg, process_image)
    if log is None:
        try:
            return subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(command, 124, "", f"docker compose {args[0]} timed out")
    kept: deque[str] = deque(maxlen=200)
    with subprocess.Popen(
        command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            kept.append(line)
            log(line.rstrip())
    return subprocess.CompletedProcess(command, proc.returncode, "".join(kept), "")


_PULL_FAILURE = re.compile(
    r"pull access denied|manifest unknown|not found: manifest|no such host|dial tcp|i/o timeout|"
    r"TLS handshake timeout|toomanyrequests|failed to resolve reference|"
    r"Get \"?https://[^ ]*/v2/|connection refused.*registry|unable to pull|Error response from daemon: Head",
    re.IGNORECASE,
)


def explain_failure(cfg: Config, output: str, what: str) -> str:
    """Turn ``docker compose`` output into a message with the cause and the fix."""
    tail = "\n".join(output.strip().splitlines()[-12:])
    if _PULL_FAILURE.search(output):
        return (
            f"{what}: an image could not be pulled ({cfg.localstack_image}, {cfg.postgres_image}); "
            f"the registry is unreachable from this engine or the tag does not exist.\n{tail}\n"
            "Fix: check the engine's network and proxy settings (`docker pull "
            f"{cfg.localstack_image}` shows the same error), or use images that are present locally. " + STANDIN_HINT
        )
    if re.search(r"port is already allocated|address already in use", output, re.IGNORECASE):
        return (
            f"{what}: a port is taken.\n{tail}\nFix: stop what holds it, or choose other ports: "
            f"`make up LOCALSTACK_HOST_PORT={cfg.localstack_port + 1} POSTGRES_HOST_PORT={cfg.postgres_port + 1}`"
        )
    if re.search(r"unhealthy|dependency failed to start|exited \(", output, re.IGNORECASE):
        hint = ""
        if re.search(r"auth|license", output, re.IGNORECASE):
            hint = "\nLocalStack asks for an auth token: set LOCALSTACK_AUTH_TOKEN, or use the pinned image 4.14.0."
        return (
            f"{what}: a service did not become healthy. Last log lines:\n{tail}{hint}\n"
            "Fix: read `make logs`, correct the cause, then `make down && make up`."
        )
    if re.search(r"permission denied.*docker.sock", output, re.IGNORECASE):
        return (
            f"{what}: no permission to use the Docker engine.\n{tail}\n"
            "Fix: add yourself to the `docker` group (`sudo usermod -aG docker $USER`, then log in again)."
        )
    return f"{what} (exit status non-zero):\n{tail}\nFix: correct the cause above, then `make down && make up`."


def ca_bundle() -> Path | None:
    """The machine's CA bundle, given to image builds that fetch Python packages (proxies with their own CA)."""
    for candidate in (os.environ.get("SSL_CERT_FILE"), os.environ.get("PIP_CERT"), *CA_BUNDLES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def _image_id(image: str) -> str | None:
    result = _docker("image", "inspect", "--format", "{{.Id}}", image, timeout=30)
    return result.stdout.strip() if result.returncode == 0 else None


def _ensure_image_present(cfg: Config, image: str, log) -> str:
    image_id = _image_id(image)
    if image_id:
        return image_id
    log(f"pulling {image} ...")
    pulled = _docker("pull", image, timeout=1800)
    image_id = _image_id(image) if pulled.returncode == 0 else None
    if not image_id:
        raise ComposeError(
            explain_failure(cfg, pulled.stderr + pulled.stdout + "\nunable to pull", f"docker pull {image}")
        )
    return image_id


def process_image(cfg: Config, log=print) -> str:
    """Build (or reuse) the project image: the LocalStack image plus the process executor and Python 3.12.

    Tagged by the hash of everything it is built from, so a change to the executor or to either
    base image builds a new one and an unchanged one is reused.
    """
    bases = {
        "LOCALSTACK_IMAGE": cfg.localstack_image,
        "LAMBDA_PYTHON_IMAGE": cfg.lambda_python_image,
    }
    ids = {name: _ensure_image_present(cfg, image, log) for name, image in bases.items()}
    context = cfg.build_dir / "localstack-process-image"
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    shutil.copy(PROCESS_IMAGE_DOCKERFILE, context / "Dockerfile")
    shutil.copy(PROJECT_ROOT / "requirements" / "lambda-runtime.txt", context / "lambda-runtime.txt")
    shutil.copytree(
        PROJECT_ROOT / "executor",
        context / "executor",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info"),
    )
    bundle = ca_bundle()
    (context / "build-ca.crt").write_bytes(bundle.read_bytes() if bundle else b"")
    digest = hashlib.sha256()
    for name, image_id in sorted(ids.items()):
        digest.update(f"{name}={image_id}\n".encode())
    for path in sorted(p for p in context.rglob("*") if p.is_file() and p.name != "build-ca.crt"):
        digest.update(str(path.relative_to(context)).encode() + path.read_bytes())
    tag = f"{PROCESS_IMAGE_REPOSITORY}:{digest.hexdigest()[:12]}"
    if _image_id(tag):
        return tag
    log(f"building {tag} ({cfg.localstack_image} + process executor + Python 3.12 from {cfg.lambda_python_image}) ...")
    started = time.monotonic()
    build = _docker(
        "build",
        "--quiet",
        "--tag",
        tag,
        *(arg for name, image in bases.items() for arg in ("--build-arg", f"{name}={image}")),
        str(context),
        timeout=1800,
    )
    if build.returncode != 0:
        raise ComposeError(
            f"building {tag} failed:\n{build.stderr[-3000:]}{build.stdout[-1000:]}\n"
            "Fix: correct the cause above, then `make up` again."
        )
    log(f"built {tag} in {time.monotonic() - started:.0f}s")
    removed = remove_process_images(keep=tag)
    if removed:
        log(f"removed the project's earlier images: {', '.join(removed)}")
    return tag


def remove_process_images(keep: str | None = None) -> list[str]:
    """Remove the project's built images but ``keep``; one a container still uses stays. Returns those removed."""
    listed = _docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", PROCESS_IMAGE_REPOSITORY, timeout=30)
    removed = []
    for image in listed.stdout.split():
        if image != keep and _docker("image", "rm", image, timeout=120).returncode == 0:
            removed.append(image)
    return removed


def database_encoding(cfg: Config) -> str:
    """The search database's encoding, asked inside the postgres container (no password needed there)."""
    query = "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()"
    result = run(
        cfg, "exec", "-T", "postgres", "psql", "-U", cfg.postgres_user, "-d", cfg.postgres_db, "-Atc", query, timeout=60
    )
    if result.returncode != 0:
        raise ComposeError(explain_failure(cfg, result.stderr + result.stdout, "asking the database its encoding"))
    return result.stdout.strip()


def require_utf8(cfg: Config) -> None:
    encoding = database_encoding(cfg)
    if encoding.upper() not in ("UTF8", "UTF-8"):
        raise ComposeError(
            f"the search database {cfg.postgres_db!r} uses the encoding {encoding}, but the pipeline stores any "
            "text and needs UTF8. Its volume was initialised by an image that defaults to another encoding "
            f"({cfg.postgres_image}). Fix: use an image that initialises UTF8 (the official postgres images do), "
            "then recreate the volume (this deletes the search index): `make clean && make up`"
        )


def up(cfg: Config, log=print) -> str:
    """Start the compose project and wait for health; on failure, stop what started and explain.

    Returns the Lambda executor in use."""
    require_compose_plugin()
    chosen = executor(cfg)
    image = None
    try:
        if chosen == "process":
            image = process_image(cfg, log)
        else:
            for needed in (cfg.localstack_image, cfg.postgres_image):
                _ensure_image_present(cfg, needed, log)
        log(f"Docker mode: LocalStack runs functions with the {chosen} executor")
        result = run(cfg, "up", "--detach", "--wait", "--remove-orphans", process_image=image, log=log)
        if result.returncode != 0:
            output = result.stdout
            logs = run(cfg, "logs", "--tail", "30").stdout
            raise ComposeError(explain_failure(cfg, output + "\n" + logs, "docker compose up failed"))
        require_utf8(cfg)
    except ComposeError:
        # Leave nothing half-started: a later bootstrap must not mistake it for a running stack.
        stop = run(cfg, "down", "--remove-orphans")
        if stop.returncode != 0:
            log(explain_failure(cfg, stop.stderr + stop.stdout, "cleaning up after the failed start"))
        raise
    return chosen


def down(cfg: Config, log=print, *, delete_data: bool = False) -> str:
    """Stop and remove the project's containers and network; ``delete_data`` removes its volumes and the
    images it built too."""
    found = resources()
    if not any(found.values()):
        if delete_data:
            remove_process_images()
        return "nothing to stop"
    if not delete_data and not found["containers"] and not found["networks"]:
        return "nothing to stop (volumes kept)"
    require_compose_plugin()
    result = run(cfg, "down", "--remove-orphans", *(["--volumes"] if delete_data else []))
    if result.returncode != 0:
        raise ComposeError(explain_failure(cfg, result.stderr + result.stdout, "docker compose down failed"))
    left = resources()
    if not delete_data:
        left["volumes"] = []
    if any(left.values()):
        raise ComposeError(
            f"docker compose down left {', '.join(f'{len(v)} {k}' for k, v in left.items() if v)} of the project "
            f"behind. Remove them by hand: `docker rm -f $(docker ps -aq --filter label=com.docker.compose.project="
            f"{PROJECT})`, then `make clean` again."
        )
    if delete_data:
        remove_process_images()
    return "removed containers, network" + (" and volumes" if delete_data else " (volumes kept)")


def status(cfg: Config) -> str:
    result = run(cfg, "ps", "--all")
    return (
        result.stdout.rstrip() if result.returncode == 0 else explain_failure(cfg, result.stderr, "docker compose ps")
    )


def service(cfg: Config, action: str, name: str, timeout: float = 120) -> None:
    """``docker compose stop|start <name>`` on the running project; ``start`` waits until it is healthy."""
    result = run(cfg, action, name)
    if result.returncode != 0:
        raise ComposeError(explain_failure(cfg, result.stderr + result.stdout, f"docker compose {action} {name}"))
    if action != "start":
        return
    deadline = time.monotonic() + timeout
    health = ""
    while time.monotonic() < deadline:
        health = run(cfg, "ps", "--all", "--format", "{{.Health}}", name).stdout.strip()
        if health == "healthy":
            return
        time.sleep(0.5)
    raise ComposeError(
        f"{name} did not become healthy within {timeout:.0f}s after a start (last: {health!r}). "
        "Fix: read `make logs`, then `make down && make up`."
    )
