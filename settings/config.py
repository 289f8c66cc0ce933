"""The one place for configuration.

Every setting is an environment variable with a documented default. The CLI,
bootstrap, the benchmark and the tests all read their settings from here, so a
value set once (in the shell or in a ``.env`` file at the project root) applies
everywhere. Lambda functions do not import this module: bootstrap hands them
what they need as function environment variables.

Only the standard library is used so that this module also works before any
virtual environment exists; the key mapping (``Config.keys``) is the functions' own
``pipeline_core.keys``, which the project's virtualenv installs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parent.parent

LOCALSTACK_VERSION = "4.14.0"

# name -> (default, description). Rendered into the README's configuration table.
SETTINGS: dict[str, tuple[str, str]] = {
    "STACK": ("auto", "`host`, `docker` or `auto` (Docker when an engine answers, else host)."),
    "BUCKET": ("file-upload-extraction-example", "Bucket that receives uploads."),
    "UPLOAD_PREFIX": ("uploads/", "Prefix watched by the extract function."),
    "EXTRACTED_PREFIX": ("extracted/", "Prefix the extract function writes to; watched by insert."),
    "AWS_DEFAULT_REGION": ("us-east-1", "Region of every resource."),
    "LOCALSTACK_HOST_PORT": ("4566", "Port of the LocalStack gateway on 127.0.0.1."),
    "LOCALSTACK_IMAGE": (f"localstack/localstack:{LOCALSTACK_VERSION}", "Docker mode: LocalStack image."),
    "LOCALSTACK_AUTH_TOKEN": ("", "Docker mode: token, needed only for images newer than 4.14.0."),
    "POSTGRES_IMAGE": ("postgres:15.10", "Docker mode: PostgreSQL image (the official image's `POSTGRES_*` contract)."),
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
    "POSTGRES_HOST_PORT": ("5433", "Port of the search database on 127.0.0.1."),
    "POSTGRES_DB": ("search", "Search database name."),
    "POSTGRES_USER": ("search", "Search database user."),
    "POSTGRES_PASSWORD": ("search", "Search database password."),
    "POSTGRES_INSERT_USER": (
        "search_insert",
        "Role of the insert function: may read and write the `documents` table, nothing else.",
    ),
    "POSTGRES_INSERT_PASSWORD": ("search_insert", "Password of `POSTGRES_INSERT_USER`."),
    "MAX_CONTENT_CHARS": ("1000000", "Extracted `Content` is cut to this many characters (`Truncated: true`)."),
    "MAX_OBJECT_BYTES": ("104857600", "Uploads larger than this are recorded as `too_large`, not read."),
    "LAMBDA_TIMEOUT": ("60", "Timeout in seconds of both functions."),
    "LAMBDA_MAX_RETRIES": ("2", "Retries of a failed asynchronous invocation before it goes to the DLQ."),
    "LAMBDA_MAX_EVENT_AGE": ("3600", "Seconds an event may wait for a retry before it goes to the DLQ."),
    "LAMBDA_RETRY_DELAY": ("5", "Seconds before the first async retry (n-th retry waits n times this)."),
    "UI_PORT": ("8080", "Port of the dashboard (`make ui`; `make up` starts it too) on 127.0.0.1."),
    "UI_AUTOSTART": (
        "1",
        "`1`: `make up` starts the dashboard in the background and `make down` stops it; `0`: only `make ui`.",
    ),
    "HOT_RELOAD": (
        "0",
        "`1`: deploy both functions from `lambdas/` with LocalStack's hot reload (`make dev`); "
        "an edit is live at the next invocation.",
    ),
    "STATE_DIR": (".state", "Virtualenvs, logs, data and build cache (relative to the project root)."),
}


def _get(name: str) -> str:
    default = SETTINGS[name][0]
    value = os.environ.get(name)
    return default if value is None or value == "" else value


@dataclass(frozen=True)
class Config:
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

    @property
    def localstack_dir(self) -> Path:
        return self.state_dir / "localstack"

    @property
    def postgres_dir(self) -> Path:
        return self.state_dir / "postgres"

    @property
    def build_dir(self) -> Path:
        return self.state_dir / "build"

    @property
    def hot_reload_dir(self) -> Path:
        """Per-function code folders and dependency layers of hot-reloaded functions."""
        return self.state_dir / "hot-reload"

    @property
    def runtimes_dir(self) -> Path:
        """Virtualenvs, one per Lambda Python version, used by the host-mode executor."""
        return self.state_dir / "runtimes"


def _load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines of ``.env`` into the environment without overriding it."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


def load() -> Config:
    _load_dotenv(PROJECT_ROOT / ".env")
    state_dir = Path(_get("STATE_DIR"))
    if not state_dir.is_absolute():
        state_dir = PROJECT_ROOT / state_dir
    return Config(
        stack=_get("STACK"),
        bucket=_get("BUCKET"),
        upload_prefix=_get("UPLOAD_PREFIX"),
        extracted_prefix=_get("EXTRACTED_PREFIX"),
        region=_get("AWS_DEFAULT_REGION"),
        localstack_port=int(_get("LOCALSTACK_HOST_PORT")),
        localstack_image=_get("LOCALSTACK_IMAGE"),
        localstack_auth_token=_get("LOCALSTACK_AUTH_TOKEN"),
        postgres_image=_get("POSTGRES_IMAGE"),
        docker_lambda_executor=_get("DOCKER_LAMBDA_EXECUTOR"),
        lambda_runtime_image=_get("LAMBDA_RUNTIME_IMAGE"),
        lambda_python_image=_get("LAMBDA_PYTHON_IMAGE"),
        postgres_port=int(_get("POSTGRES_HOST_PORT")),
        postgres_db=_get("POSTGRES_DB"),
        postgres_user=_get("POSTGRES_USER"),
        postgres_password=_get("POSTGRES_PASSWORD"),
        postgres_insert_user=_get("POSTGRES_INSERT_USER"),
        postgres_insert_password=_get("POSTGRES_INSERT_PASSWORD"),
        max_content_chars=int(_get("MAX_CONTENT_CHARS")),
        max_object_bytes=int(_get("MAX_OBJECT_BYTES")),
        lambda_timeout=int(_get("LAMBDA_TIMEOUT")),
        lambda_max_retries=int(_get("LAMBDA_MAX_RETRIES")),
        lambda_max_event_age=int(_get("LAMBDA_MAX_EVENT_AGE")),
        lambda_retry_delay=int(_get("LAMBDA_RETRY_DELAY")),
        state_dir=state_dir,
        ui_port=int(_get("UI_PORT")),
        ui_autostart=_get("UI_AUTOSTART") not in ("0", "false", "no"),
        hot_reload=_get("HOT_RELOAD").lower() in ("1", "true", "yes"),
    )
