"""Fixtures for the ``local`` Lambda executor tests.

They run against the LocalStack stack that is already up (endpoint and region
from ``settings.config``), started with ``LAMBDA_RUNTIME_EXECUTOR=local``. Every
test function is created from a small zip built here, under a unique name, and
deleted afterwards.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
import tempfile
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from settings import config

ROLE_ARN = "arn:aws:iam::000000000000:role/executor-test"
ACTIVE_DEADLINE_SECONDS = 60


@pytest.fixture(scope="session")
def cfg() -> config.Config:
    return config.load()


@pytest.fixture(scope="session")
def session(cfg: config.Config) -> boto3.Session:
    try:
        with urllib.request.urlopen(f"{cfg.endpoint_url}/_localstack/health", timeout=5) as response:
            services = json.load(response)["services"]
    except OSError as e:
        pytest.fail(f"LocalStack is not reachable at {cfg.endpoint_url}: {e}")
    assert services.get("lambda") in ("available", "running"), f"Lambda is not enabled: {services}"
    return boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=cfg.region)


@pytest.fixture(scope="session")
def lambda_client(session: boto3.Session, cfg: config.Config):
    return session.client("lambda", endpoint_url=cfg.endpoint_url)


@pytest.fixture(scope="session")
def logs_client(session: boto3.Session, cfg: config.Config):
    return session.client("logs", endpoint_url=cfg.endpoint_url)


@pytest.fixture(scope="session")
def s3_client(session: boto3.Session, cfg: config.Config):
    return session.client("s3", endpoint_url=cfg.endpoint_url)


@pytest.fixture(scope="session")
def runtimes_dir(cfg: config.Config) -> Path:
    """Where the stack's executor finds its Python runtimes (as the project's tooling sets it)."""
    return Path(os.environ.get("LOCALSTACK_PROCESS_EXECUTOR_RUNTIMES") or cfg.runtimes_dir)


def build_zip(files: dict[str, str | bytes | Path]) -> bytes:
    """A deployment package: archive name -> source text, bytes, or a file to copy."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            if isinstance(content, Path):
                archive.write(content, name)
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


def poll_until(check: Callable[[], object], timeout: float, what: str, interval: float = 0.2):
    """Call ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"Timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@pytest.fixture(scope="session")
def poll() -> Callable[..., object]:
    return poll_until


@dataclass
class Invocation:
    status: int
    function_error: str | None
    payload: object
    log_tail: str
    request_id: str


@dataclass
class Function:
    name: str
    client: object

    def invoke(self, event: object | None = None) -> Invocation:
        response = self.client.invoke(FunctionName=self.name, Payload=json.dumps(event or {}).encode(), LogType="Tail")
        raw = response["Payload"].read()
        return Invocation(
            status=response["StatusCode"],
            function_error=response.get("FunctionError"),
            payload=json.loads(raw) if raw else None,
            log_tail=base64.b64decode(response.get("LogResult", "")).decode(errors="replace"),
            request_id=response["ResponseMetadata"]["RequestId"],
        )

    def wait_until_settled(self) -> dict:
        """Poll until the function leaves the Pending state; returns its configuration."""

        def settled():
            configuration = self.client.get_function_configuration(FunctionName=self.name)
            return configuration if configuration["State"] != "Pending" else None

        return poll_until(settled, ACTIVE_DEADLINE_SECONDS, f"{self.name} to leave Pending", 0.1)


@pytest.fixture
def make_function(lambda_client) -> Iterator[Callable[..., Function]]:
    """Create a function from ``{archive name: content}`` and wait until it is Active."""
    created: list[str] = []

    def make(
        files: dict[str, str | bytes | Path],
        *,
        handler: str = "app.handler",
        runtime: str = "python3.12",
        timeout: int = 10,
        environment: dict[str, str] | None = None,
        memory: int = 128,
    ) -> Function:
        name = f"executor-test-{uuid.uuid4().hex[:10]}"
        lambda_client.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=ROLE_ARN,
            Handler=handler,
            Code={"ZipFile": build_zip(files)},
            Timeout=timeout,
            MemorySize=memory,
            Environment={"Variables": environment or {}},
        )
        created.append(name)
        function = Function(name=name, client=lambda_client)
        state = function.wait_until_settled()
        assert state["State"] == "Active", state
        return function

    yield make
    for name in created:
        with contextlib.suppress(lambda_client.exceptions.ResourceNotFoundException):
            lambda_client.delete_function(FunctionName=name)


@pytest.fixture
def meeting_point() -> Iterator[str]:
    """A folder every function process can write to, where concurrent invocations meet."""
    folder = tempfile.mkdtemp(prefix="executor-meet-", dir="/tmp")
    os.chmod(folder, 0o1777)  # functions may run as another, unprivileged user
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
