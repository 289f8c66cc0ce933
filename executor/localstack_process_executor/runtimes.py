"""Choice of the Python interpreter that runs a function of a given Lambda runtime.

``LOCALSTACK_PROCESS_EXECUTOR_RUNTIMES`` names a directory holding one
virtualenv per Python version, named like the Lambda runtime
(``python3.12/``, ``python3.13/``). A function of runtime ``python3.12`` runs
under ``<dir>/python3.12/bin/python``; when that version is missing, the
closest available one is used. Without the directory, functions run under
LocalStack's own interpreter. Each fallback is logged once, not per invoke.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

LOG = logging.getLogger(__name__)

RUNTIMES_DIR_VARIABLE = "LOCALSTACK_PROCESS_EXECUTOR_RUNTIMES"

_PYTHON_RUNTIME = re.compile(r"^python(\d+)\.(\d+)$")

_warned: set[str] = set()
_warned_lock = threading.Lock()


class UnsupportedRuntimeError(ValueError):
    """The function's runtime cannot be run by this executor."""


@dataclass(frozen=True)
class Interpreter:
    python: Path
    version: tuple[int, int]

    @property
    def bin_dir(self) -> Path:
        return self.python.parent

    @property
    def runtime(self) -> str:
        return f"python{self.version[0]}.{self.version[1]}"


def python_version_of(runtime: str | None) -> tuple[int, int]:
    """``"python3.12"`` -> ``(3, 12)``; any other runtime is rejected with a clear message."""
    match = _PYTHON_RUNTIME.match(str(runtime or ""))
    if not match:
        raise UnsupportedRuntimeError(
            f"Runtime '{runtime}' is not supported by the local Lambda executor, which runs "
            f".zip functions of the Python runtimes only (python3.x; here: {describe_available()})."
        )
    return int(match.group(1)), int(match.group(2))


def runtimes_dir() -> Path | None:
    value = os.environ.get(RUNTIMES_DIR_VARIABLE, "").strip()
    return Path(value) if value else None


def available_interpreters() -> dict[tuple[int, int], Interpreter]:
    """Interpreters found in the runtimes directory, by Python version."""
    directory = runtimes_dir()
    if directory is None or not directory.is_dir():
        return {}
    found = {}
    for entry in directory.iterdir():
        match = _PYTHON_RUNTIME.match(entry.name)
        python = entry / "bin" / "python"
        if match and os.access(python, os.X_OK):
            version = (int(match.group(1)), int(match.group(2)))
            found[version] = Interpreter(python=python, version=version)
    return found


def own_interpreter() -> Interpreter:
    """LocalStack's interpreter, which has boto3 (and, unlike AWS, all of LocalStack's packages)."""
    return Interpreter(python=Path(sys.executable), version=sys.version_info[:2])


def interpreter_for(runtime: str) -> Interpreter:
    wanted = python_version_of(runtime)
    available = available_interpreters()
    if not available:
        fallback = own_interpreter()
        _warn_once(
            "fallback",
            "No Python runtimes found (%s=%r); Lambda functions run under LocalStack's own "
            "interpreter %s (Python %d.%d), which also exposes LocalStack's packages to them.",
            RUNTIMES_DIR_VARIABLE,
            os.environ.get(RUNTIMES_DIR_VARIABLE, ""),
            fallback.python,
            *fallback.version,
        )
        return fallback
    if wanted in available:
        return available[wanted]
    closest = min(available, key=lambda v: (abs(_ordinal(v) - _ordinal(wanted)), -_ordinal(v)))
    _warn_once(
        str(runtime),
        "Runtime %s is not installed in %s; its functions run under %s instead.",
        runtime,
        runtimes_dir(),
        available[closest].runtime,
    )
    return available[closest]


def describe_available() -> str:
    available = available_interpreters()
    if not available:
        own = own_interpreter()
        return f"none in {RUNTIMES_DIR_VARIABLE}; using LocalStack's interpreter {own.python} ({own.runtime})"
    return ", ".join(f"{i.runtime} ({i.python})" for _, i in sorted(available.items()))


def _ordinal(version: tuple[int, int]) -> int:
    return version[0] * 1000 + version[1]


def _warn_once(key: str, message: str, *args) -> None:
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    LOG.warning(message, *args)
