"""LocalStack on the host: install, start, stop and inspect it without Docker.

LocalStack ``localstack-core`` runs from its own Python 3.13 virtualenv,
installed from the pinned lock in ``requirements/localstack-host.lock`` plus the
``local`` runtime executor in ``executor/``, which runs Lambda functions as
local processes using one virtualenv per Python runtime under
``.state/runtimes``.

Started as root, LocalStack and therefore every function process run as the
unprivileged ``localstack-svc`` user (see ``lifecycle.service_user``), with HOME,
TMPDIR (where functions' code and private folders live) and LocalStack's
files in ``.state/localstack/sandbox``, the only folder that user may write.
The records of what was started (``localstack.pid``, and one file per
function process in ``sandbox/processes``) let ``stop`` end exactly those
processes and nothing else. Beside the PID file, the fingerprint of the settings and
packages it started with (``fingerprint.json``): `make up` after a change to either (a
setting in .env, a pull that changes the executor or a lock) restarts it, as Compose
recreates a container whose configuration changed, instead of leaving it running the old
ones. Its objects are in memory, so they go with it; bootstrap creates the resources again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from lifecycle import interpreters, processes, python_copies, service_user, venvs
from lifecycle.service_user import ServiceUser
from settings.config import LOCALSTACK_VERSION, PROJECT_ROOT, Config, executor_settings
from settings.errors import UserError

SERVICES = "s3,lambda,iam,sts,logs,sqs,cloudformation,secretsmanager"
LAMBDA_PYTHON_VERSIONS = ["3.12", "3.13"]
LAUNCH_ARGS = ["-m", "localstack.runtime.main"]
# Where the executor records each function process it starts (see executor/.../records.py).
RECORDS_VARIABLE = "LOCALSTACK_PROCESS_EXECUTOR_RECORDS"
# Variables LocalStack gets from the shell that runs `make up`: a new shell must not restart it.
PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "TZ")


class StartError(UserError):
    pass


EXECUTOR_DIR = PROJECT_ROOT / "executor"


def localstack_venv_spec(cfg: Config, python: str | None = None) -> venvs.VenvSpec:
    lock = PROJECT_ROOT / "requirements" / "localstack-host.lock"
    return venvs.VenvSpec(
        path=cfg.state_dir / "localstack-venv",
        python_versions=["3.13"],
        installs=[["--no-deps", "-r", str(lock)]],
        inputs=[lock],
        python=python,
    )


def runtime_venv_specs(cfg: Config, pythons: dict[str, str | None] | None = None) -> list[venvs.VenvSpec]:
    requirements = PROJECT_ROOT / "requirements" / "lambda-runtime.txt"
    return [
        venvs.VenvSpec(
            path=cfg.runtimes_dir / f"python{version}",
            python_versions=[version],
            installs=[["-r", str(requirements)]],
            inputs=[requirements],
            python=(pythons or {}).get(version),
        )
        for version in LAMBDA_PYTHON_VERSIONS
    ]


def runtime_user() -> ServiceUser | None:
    """The user LocalStack and the functions run as: None unless we are root."""
    try:
        return service_user.service_user(service_user.LOCALSTACK_USERS)
    except service_user.ServiceUserError as exc:
        raise StartError(str(exc)) from exc


def _interpreter_for(version: str, user: ServiceUser | None, cfg: Config, log) -> str | None:
    """An interpreter of ``version`` that ``user`` can run, when it is not the one found first."""
    found = interpreters.find_first([version])
    try:
        usable = python_copies.for_user(found, user, cfg.state_dir / "python", log=log)
    except python_copies.CopyError as exc:
        raise StartError(str(exc)) from exc
    return usable if usable != found else None


def install(cfg: Config, log=print) -> None:
    """Create or refresh LocalStack's venv and the Lambda runtime venvs (usable by the runtime user)."""
    user = runtime_user()
    try:
        spec = localstack_venv_spec(cfg, _interpreter_for("3.13", user, cfg, log))
        outcome = venvs.ensure(spec, log=log)
    except interpreters.InterpreterNotFound as exc:
        raise StartError(f"LocalStack {LOCALSTACK_VERSION} needs Python 3.13 on the host: {exc}") from exc
    log(f"localstack venv: {outcome}")
    log(f"local executor plugin: {venvs.ensure_local_package(spec.path, EXECUTOR_DIR)}")
    available = []
    pythons = {}
    for version in LAMBDA_PYTHON_VERSIONS:
        try:
            pythons[version] = _interpreter_for(version, user, cfg, log)
        except interpreters.InterpreterNotFound:
            continue
    for runtime in runtime_venv_specs(cfg, pythons):
        if runtime.python_versions[0] not in pythons:
            continue
        outcome = venvs.ensure(runtime, log=log)
        available.append(runtime.path)
        log(f"lambda runtime {runtime.path.name}: {outcome}")
    if not available:
        raise StartError("no Python 3.12 or 3.13 interpreter found for Lambda functions")
    if user is not None:
        for venv in [spec.path, *available]:
            if not python_copies.usable_by(str(venvs.python_of(venv)), user):
                raise StartError(
                    f"the {user.name} user cannot run {venvs.python_of(venv)}: its files are not readable by "
                    "others (a umask such as 077 when it was made?); `make clean && make up` rebuilds it"
                )


# --- where things live ----------------------------------------------------------


def _pidfile(cfg: Config) -> Path:
    """The record of the LocalStack process; written by us, never by the runtime user."""
    return cfg.localstack_dir / "localstack.pid"


def log_file(cfg: Config) -> Path:
    return cfg.localstack_dir / "localstack.log"


def sandbox_dir(cfg: Config) -> Path:
    """The only folder LocalStack and the functions may write: HOME, TMPDIR, LocalStack's files."""
    return cfg.localstack_dir / "sandbox"


def records_dir(cfg: Config) -> Path:
    return sandbox_dir(cfg) / "processes"


SANDBOX_FOLDERS = ("home", "tmp", "filesystem", "processes")


def _prepare_folders(cfg: Config, user: ServiceUser | None, log) -> None:
    cfg.localstack_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(cfg.localstack_dir, 0o755)
    sandbox = sandbox_dir(cfg)
    service_user.own(sandbox, user, 0o700)
    for name in SANDBOX_FOLDERS:
        service_user.own(sandbox / name, user, 0o700)
    if user is not None and not service_user.can_use(user, sandbox / "tmp", "-w"):
        raise StartError(
            f"the {user.name} user cannot reach {sandbox}: make its parent folders traversable by others "
            "(chmod o+x) or set STATE_DIR to such a folder"
        )
    if user is not None:
        _keep_dotenv_private(user, log)


def _keep_dotenv_private(user: ServiceUser, log) -> None:
    """``.env`` may hold passwords: the runtime user (and any other) must not read it."""
    dotenv = PROJECT_ROOT / ".env"
    if dotenv.is_file() and dotenv.stat().st_mode & 0o077:
        os.chmod(dotenv, 0o600)
        log(f"made {dotenv} readable by its owner only: it may hold passwords and {user.name} must not read it")


def environment(cfg: Config, user: ServiceUser | None = None) -> dict[str, str]:
    """Environment of the LocalStack process: a clean base plus LocalStack's own settings."""
    env = {k: v for k, v in os.environ.items() if k in PASSED_THROUGH}
    sandbox = sandbox_dir(cfg)
    env.update(
        {
            "HOME": str(sandbox / "home"),
            # Functions' code and private folders are made under TMPDIR, inside the sandbox.
            "TMPDIR": str(sandbox / "tmp"),
            "GATEWAY_LISTEN": f"127.0.0.1:{cfg.localstack_port}",
            "SERVICES": SERVICES,
            # LocalStack guesses it is inside a container when run in one (CI); it is not.
            "OVERRIDE_IN_DOCKER": "0",
            "FILESYSTEM_ROOT": str(sandbox / "filesystem"),
            # No DNS server on port 53, no certificate download, no analytics: nothing that needs
            # root or the internet. Without DISABLE_EVENTS a failed analytics flush at shutdown
            # skips stopping the Lambda environments.
            "DNS_ADDRESS": "0",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "DISABLE_EVENTS": "1",
            "LAMBDA_RUNTIME_EXECUTOR": "local",
            # LocalStack's calls to itself (S3 notification -> Lambda invoke, function logs) skip HTTP.
            "IN_MEMORY_CLIENT": "1",
            "LAMBDA_RETRY_BASE_DELAY": str(cfg.lambda_retry_delay),
            "LOCALSTACK_PROCESS_EXECUTOR_RUNTIMES": str(cfg.runtimes_dir),
            RECORDS_VARIABLE: str(records_dir(cfg)),
            **executor_settings(),
        }
    )
    if user is not None:
        env["USER"] = env["LOGNAME"] = user.name
    return env


def fingerprint(cfg: Config, user: ServiceUser | None) -> dict[str, str]:
    """What a LocalStack started now would run with: each setting it gets and the packages it loads.

    Values are kept as hashes (a setting may hold a secret); the packages are the stamps of
    LocalStack's venv, of the executor installed into it, and of the functions' runtimes.
    """
    found = {
        name: _digest(value.encode()) for name, value in environment(cfg, user).items() if name not in PASSED_THROUGH
    }
    for venv in (localstack_venv_spec(cfg).path, *(spec.path for spec in runtime_venv_specs(cfg))):
        found[f"the packages in {venv.name}"] = _digest(venvs.stamps(venv))
    return found


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _fingerprint_file(cfg: Config) -> Path:
    return cfg.localstack_dir / "fingerprint.json"


def changed_since_start(cfg: Config, wanted: dict[str, str]) -> list[str]:
    """What differs between ``wanted`` and what the running LocalStack started with (all of it if unrecorded)."""
    try:
        started = json.loads(_fingerprint_file(cfg).read_text())
    except (OSError, ValueError):
        return ["what it started with is not recorded"]
    return sorted(name for name in started.keys() | wanted.keys() if started.get(name) != wanted.get(name))


def health(cfg: Config, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(f"{cfg.endpoint_url}/_localstack/health", timeout=timeout) as resp:
            return json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


# --- which processes are ours ------------------------------------------------------


def running(cfg: Config) -> processes.ProcessRecord | None:
    """The LocalStack process we started, if it still runs (a reused PID is not it)."""
    try:
        text = _pidfile(cfg).read_text()
    except OSError:
        return None
    record = processes.ProcessRecord.from_json(text)
    if record is not None:
        return record if processes.still_running(record) else None
    # A plain PID, as written before records existed: ours only if it runs exactly our command.
    try:
        pid = int(text.strip())
    except ValueError:
        return None
    python = str(venvs.python_of(localstack_venv_spec(cfg).path))
    current = processes.identify(pid)
    if current is not None and processes.command_line(pid) == [python, *LAUNCH_ARGS]:
        return current
    return None


def running_pid(cfg: Config) -> int | None:
    record = running(cfg)
    return record.pid if record else None


def runtime_executables(cfg: Config) -> set[str]:
    """Programs a function process may run: the runtime venvs' interpreters, or LocalStack's own."""
    pythons = [venvs.python_of(spec.path) for spec in runtime_venv_specs(cfg)]
    pythons.append(venvs.python_of(localstack_venv_spec(cfg).path))
    return {os.path.realpath(p) for p in pythons if p.exists()}


def runtime_processes(cfg: Config) -> list[processes.ProcessRecord]:
    """Function processes the executor recorded that still run. The records are written by the
    runtime user, so each must also run one of our interpreters as the sandbox's owner."""
    folder = records_dir(cfg)
    try:
        owner = sandbox_dir(cfg).stat().st_uid
        files = sorted(folder.glob("*.json"))
    except OSError:
        return []
    allowed = runtime_executables(cfg)
    found = []
    for path in files:
        record = processes.read_record(path)
        if record is not None and processes.still_running(record, allowed, uid=owner):
            found.append(record)
    return found


# --- start and stop ---------------------------------------------------------------


def _open_log(path: Path) -> int:
    """LocalStack's log, readable by us only: function output may contain what the files contained."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def check_port(cfg: Config) -> None:
    """Raise StartError when LocalStack's port is taken by anything but this stack's own LocalStack."""
    if running(cfg) is None:  # ours is kept or restarted by ``start``
        _refuse_taken_port(cfg)


def _refuse_taken_port(cfg: Config) -> None:
    if processes.port_in_use(cfg.localstack_port):
        owners = ", ".join(processes.describe(p) for p in processes.listener_pids(cfg.localstack_port))
        raise StartError(
            f"port {cfg.localstack_port} is already taken by {owners or 'another process'}. "
            f"Stop it, or choose another port: `make up LOCALSTACK_HOST_PORT=4567`"
        )


def start(cfg: Config, log=print, wait_seconds: float = 90) -> str:
    """Start LocalStack in the background; returns "started" or "already running"."""
    user = runtime_user()
    record = running(cfg)
    uid = user.uid if user else os.geteuid()
    if record and processes.owner_uid(record.pid) != uid:
        log(f"LocalStack (pid {record.pid}) runs as uid {processes.owner_uid(record.pid)}, not {uid}; restarting it")
        stop(cfg, log=lambda *_: None)
        record = None
    wanted = fingerprint(cfg, user)
    if record and health(cfg):
        changed = changed_since_start(cfg, wanted)
        if not changed:
            return "already running"
        log(
            f"LocalStack (pid {record.pid}) runs with other settings or packages ({', '.join(changed)}); "
            "restarting it: the objects it holds go with it, and bootstrap creates the resources again"
        )
        stop(cfg, log=lambda *_: None)
        record = None
    if record:
        log(f"LocalStack (pid {record.pid}) is not answering; restarting it")
        stop(cfg, log=lambda *_: None)
    _refuse_taken_port(cfg)
    _prepare_folders(cfg, user, log)
    _clear_records(cfg)
    _empty(sandbox_dir(cfg) / "tmp")
    _forget_plugin_index(cfg)
    python = venvs.python_of(localstack_venv_spec(cfg).path)
    out = _open_log(log_file(cfg))
    try:
        proc = subprocess.Popen(
            [str(python), *LAUNCH_ARGS],
            cwd=sandbox_dir(cfg),
            env=environment(cfg, user),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=0o077,
            **(user.popen_args() if user else {}),
        )
    finally:
        os.close(out)
    record = processes.identify(proc.pid)
    if record is not None:
        processes.write_record(_pidfile(cfg), record)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StartError(f"LocalStack exited with code {proc.returncode}:\n{processes.log_tail(log_file(cfg))}")
        if health(cfg):
            _fingerprint_file(cfg).write_text(json.dumps(wanted, indent=1, sort_keys=True) + "\n")
            return "started"
        time.sleep(0.2)
    stop(cfg, log=lambda *_: None)
    raise StartError(
        f"LocalStack did not become healthy within {wait_seconds:.0f}s:\n{processes.log_tail(log_file(cfg))}"
    )


def _empty(folder: Path) -> None:
    """Remove what a previous LocalStack left in ``folder`` (code, objects): it keeps no state across restarts."""
    for item in folder.iterdir():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)


def _forget_plugin_index(cfg: Config) -> None:
    """Have LocalStack read its plugins (our executor and hooks among them) afresh at start.

    plux keeps the index under HOME, keyed by the mtimes of the installed packages' entry-point
    files packed as 32-bit floats: about two minutes apart, a reinstalled executor keeps the old
    index and its new hooks would not load. Building the index takes about 60 ms.
    """
    shutil.rmtree(sandbox_dir(cfg) / "home" / ".cache" / "plux", ignore_errors=True)


def _clear_records(cfg: Config) -> None:
    for path in records_dir(cfg).glob("*.json"):
        path.unlink(missing_ok=True)


def stop(cfg: Config, log=print) -> str:
    """End the recorded LocalStack process and the recorded function processes, and nothing else."""
    record = running(cfg)
    if record:
        processes.end([record], grace=15)
    # Function processes exit with LocalStack; any recorded one still alive is ended here.
    leftovers = runtime_processes(cfg)
    if leftovers:
        processes.end(leftovers, grace=3)
    _pidfile(cfg).unlink(missing_ok=True)
    _fingerprint_file(cfg).unlink(missing_ok=True)
    _clear_records(cfg)
    return "stopped" if record or leftovers else "not running"


def status(cfg: Config) -> str:
    record = running(cfg)
    if not record:
        return "LocalStack (host): not running"
    pid = record.pid
    owner = processes.owner_uid(pid)
    user = f" as uid {owner}" if owner is not None else ""
    info = health(cfg)
    if not info:
        return f"LocalStack (host): pid {pid}{user}, not answering on {cfg.endpoint_url}"
    services = ", ".join(f"{k}={v}" for k, v in info.get("services", {}).items() if v != "disabled")
    return f"LocalStack {info.get('version')} (host): pid {pid}{user}, {cfg.endpoint_url} [{services}]"
