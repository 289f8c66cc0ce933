"""Fixtures for every test suite, and the marker scheme: which services a test needs.

Markers (registered in pyproject.toml) are put on by folder here, so a new test file in a
suite's folder is marked without doing anything:

    tests/unit         unmarked: unit tests, no services
    tests/db           db: a PostgreSQL (the stack's own in Docker mode, a private cluster in host mode)
    tests/integration  stack: the running stack
    tests/faults       stack
    tests/executor     stack, host_only (the host-mode executor's processes and its LocalStack hooks)

A module may add ``host_only`` or ``docker_only`` itself. A test whose service does not answer is
skipped with the reason, so plain ``pytest`` on a machine without a stack runs the unit tests;
``make test`` passes ``--require-services``, which turns those skips into failures. Tests for the
other mode are always skipped.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

# The project and the functions' folders are importable through pyproject.toml's `pythonpath`.
from settings import config

TESTS = Path(__file__).resolve().parent

# The extract function's code needs Python 3.11+ (it runs on 3.12): on a Docker-mode host whose
# tools venv runs Python 3.10 (requirements/tools-py310.txt) its unit tests are left out.
collect_ignore = ["unit/extract"] if sys.version_info < (3, 11) else []

SUITE_MARKERS: dict[str, tuple[str, ...]] = {
    "db": ("db",),
    "integration": ("stack",),
    "faults": ("stack",),
    "executor": ("stack", "host_only"),
    "ui": ("stack",),
    "cloudformation": ("stack",),
}


def pytest_addoption(parser):
    parser.addoption(
        "--require-services",
        action="store_true",
        help="fail, instead of skipping, tests whose database or stack does not answer (what `make test` does)",
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        try:
            suite = Path(str(item.path)).resolve().relative_to(TESTS).parts[0]
        except ValueError:
            continue
        for name in SUITE_MARKERS.get(suite, ()):
            item.add_marker(name)


@functools.cache
def _cfg() -> config.Config:
    return config.load()


@functools.cache
def stack_mode() -> str | None:
    """The mode of the running stack (None when nothing runs): asked once per session."""
    from lifecycle import stack

    return stack.active_mode(_cfg())


@functools.cache
def _stack_missing() -> str | None:
    from lifecycle import localstack_host

    cfg = _cfg()
    if localstack_host.health(cfg):
        return None
    return f"LocalStack does not answer on {cfg.endpoint_url}: run `make up`"


@functools.cache
def _database_missing() -> str | None:
    cfg = _cfg()
    if stack_mode() == "docker":
        from settings import db

        try:
            db.connect(cfg.database_dsn(), timeout=5).close()
        except Exception as exc:
            return f"the Docker-mode stack's database does not answer on 127.0.0.1:{cfg.postgres_port} ({exc})"
        return None
    from lifecycle import postgres_host

    missing = postgres_host.binaries_missing(cfg)
    return f"no PostgreSQL for the db tests: {missing}" if missing else None


def pytest_runtest_setup(item):
    mode = None
    if item.get_closest_marker("host_only") or item.get_closest_marker("docker_only"):
        mode = stack_mode()
        if item.get_closest_marker("host_only") and mode == "docker":
            pytest.skip("host mode only: the stack runs in Docker mode")
        if item.get_closest_marker("docker_only") and mode != "docker":
            pytest.skip(f"Docker mode only: the stack runs in {mode or 'no'} mode")
    missing = None
    if item.get_closest_marker("stack"):
        missing = _stack_missing()
    if not missing and item.get_closest_marker("db"):
        missing = _database_missing()
    if missing:
        if item.config.getoption("--require-services"):
            pytest.fail(missing, pytrace=False)
        pytest.skip(missing)


@pytest.fixture(scope="session")
def cfg() -> config.Config:
    return _cfg()


@pytest.fixture(scope="session", name="stack_mode")
def stack_mode_fixture() -> str | None:
    return stack_mode()
