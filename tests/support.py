"""Helpers shared by the integration tests: polling with a deadline, and pipeline look-ups."""

from __future__ import annotations

import json
import random
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
