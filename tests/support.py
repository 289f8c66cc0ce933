"""Helpers shared by the integration tests: polling with a deadline, and pipeline look-ups."""

from __future__ import annotations

import contextlib
import json
import random
import shutil
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def poll_until(probe: Callable[[], T], *, timeout: float, what: str, interval: float = 0.1) -> T:
    """Call ``probe`` until it returns something truthy; fail after ``timeout`` seconds.

    The failure message says what was awaited and what was last seen, so a red
    test explains itself.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            last = probe()
        except Exception as exc:
            last = exc
        if last and not isinstance(last, Exception):
            return last  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last seen: {last!r}")
        time.sleep(interval)


def get_json(s3, bucket: str, key: str) -> dict | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return json.loads(body)


def object_exists(s3, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchKey"):
            return False
        raise


def ephemeral_ports() -> range:
    """The kernel's range for outgoing connections' local ports (Linux; a common default elsewhere)."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def free_port(start: int = 20000, stop: int = 32000) -> int:
    """A port no one listens on, outside the ephemeral range, checked by binding it.

    A port from the ephemeral range (what binding port 0 gives) can be taken at any moment by
    an outgoing connection's local end, and then a server started on it fails; connecting to
    a port only tells whether something listens there now. A random start spreads parallel runs.
    """
    ephemeral = ephemeral_ports()
    candidates = [port for port in range(start, stop) if port not in ephemeral]
    offset = random.randrange(len(candidates))
    for port in candidates[offset:] + candidates[:offset]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port between {start} and {stop} outside the ephemeral range {ephemeral}")


@contextlib.contextmanager
def hot_reload_copy_of_extract(cfg, lambda_client, s3, run_id: str):
    """A function deployed with hot reload from a copy of ``lambdas/extract`` (so editing it never
    touches the repository), on prefixes ``<run_id>-in/`` and ``<run_id>-out/`` that no notification
    watches. Yields its name and the copy's folder; deletes both and the objects afterwards."""
    from bootstrap import functions, hot_reload
    from settings.config import PROJECT_ROOT

    folder = cfg.hot_reload_dir / f"test-{run_id}"
    source = folder / "source"
    shutil.copytree(PROJECT_ROOT / "lambdas" / "extract", source, ignore=shutil.ignore_patterns("__pycache__"))
    code = hot_reload.assemble("extract", cfg, source_dir=source, folder=folder)
    name = f"hot-reload-copy-{run_id}"
    env = functions.environment(cfg, "extract", mode=cfg.stack)
    env.update(code.environment(), UPLOAD_PREFIX=f"{run_id}-in/", EXTRACTED_PREFIX=f"{run_id}-out/")
    role = lambda_client.get_function_configuration(FunctionName=cfg.extract_function)["Role"]
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Handler="handler.handler",
        Role=role,
        Timeout=60,
        MemorySize=512,
        Code=code.code,
        Environment={"Variables": env},
    )
    try:
        lambda_client.get_waiter("function_active_v2").wait(FunctionName=name)
        assert lambda_client.get_function(FunctionName=name)["Code"]["Location"] == code.location
        yield name, source
    finally:
        lambda_client.delete_function(FunctionName=name)
        for prefix in (f"{run_id}-in/", f"{run_id}-out/"):
            for obj in s3.list_objects_v2(Bucket=cfg.bucket, Prefix=prefix).get("Contents", []):
                s3.delete_object(Bucket=cfg.bucket, Key=obj["Key"])
        shutil.rmtree(folder, ignore_errors=True)
