"""The installed environments are fully locked, and each lock matches the file it was made from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lifecycle import venvs

REQUIREMENTS = venvs.REQUIREMENTS
PIN = re.compile(r"^([A-Za-z0-9][\w.\-]*)(\[[\w,\-]+\])?==([^\s;#]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _requested(path: Path) -> dict[str, str]:
    """name -> version of every ``==`` pin in a requirements file and the files it includes (``-r``)."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            pins.update(_requested((path.parent / line[3:].strip()).resolve()))
        elif match := PIN.match(line):
            pins[_name(match.group(1))] = match.group(3)
    return pins


def _locked(path: Path) -> dict[str, set[str]]:
    """name -> versions in a lock (a universal lock may pin two, each for its Python versions)."""
    pins: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"{path.name}: not an exact pin: {line!r}"
        pins.setdefault(_name(match.group(1)), set()).add(match.group(3))
    return pins


@pytest.mark.parametrize("lock", venvs.LOCKS, ids=lambda lock: lock.lock)
def test_every_requested_pin_is_in_its_lock(lock):
    locked = _locked(REQUIREMENTS / lock.lock)
    for name, version in _requested(REQUIREMENTS / lock.source).items():
        assert version in locked.get(name, set()), (
            f"requirements/{lock.lock} has {name} {sorted(locked.get(name, []))}, requirements/{lock.source} asks "
            f"for =={version}: run `make lock`"
        )


def test_the_benchmark_extra_agrees_with_the_dev_lock():
    dev, bench = _locked(REQUIREMENTS / "dev.lock"), _locked(REQUIREMENTS / "bench.lock")
    assert "matplotlib" in bench and "matplotlib" not in dev
    for name in set(dev) & set(bench):
        assert bench[name] == dev[name], name


def test_the_tools_venv_installs_a_lock():
    for python in (None, "3.10"):
        spec = venvs.tools_spec(python)
        lock = Path(spec.installs[0][1])
        assert lock.suffix == ".lock" and lock in spec.inputs
