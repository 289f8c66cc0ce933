"""Build a Lambda function's deployment zip from its folder under ``lambdas/``.

Each zip holds the function's own code, the shared core ``pipeline_core`` (from
``lambdas/common/``) and the function's vendored dependencies, so that each function
still deploys on its own.

The function's pinned ``requirements.txt`` is installed for the Lambda
platform (Python 3.12, Linux, this machine's architecture) into a cache keyed
by the requirements' hash, so repeated builds are fast. The zip is
deterministic (sorted entries, fixed timestamps and modes): the same sources
give the same CodeSha256, which is how bootstrap knows nothing changed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import platform
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lifecycle.venvs import pip_install
from settings.config import PROJECT_ROOT

LAMBDA_PYTHON = "3.12"
RUNTIME = f"python{LAMBDA_PYTHON}"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIP_PARTS = {"__pycache__", "tests", ".pytest_cache"}
FUNCTIONS_DIR = PROJECT_ROOT / "lambdas"
CORE_PACKAGE = "pipeline_core"
CORE_DIR = FUNCTIONS_DIR / "common" / CORE_PACKAGE


@dataclass(frozen=True)
class Package:
    name: str
    zip_bytes: bytes

    @property
    def sha256(self) -> str:
        """Base64 SHA-256, as Lambda reports it in CodeSha256."""
        return base64.b64encode(hashlib.sha256(self.zip_bytes).digest()).decode()

    @property
    def size(self) -> int:
        return len(self.zip_bytes)


def architecture() -> str:
    """Lambda architecture matching this machine, so vendored wheels run in host mode and natively in Docker."""
    return "arm64" if platform.machine().lower() in ("arm64", "aarch64") else "x86_64"


def _pip_platforms(lambda_architecture: str) -> list[str]:
    arch = "aarch64" if lambda_architecture == "arm64" else "x86_64"
    return [f"manylinux2014_{arch}", f"manylinux_2_17_{arch}", f"manylinux_2_28_{arch}"]


def vendored_dependencies(function_dir: Path, cache_dir: Path, lambda_architecture: str | None = None) -> Path:
    """Directory holding the function's dependencies installed for the Lambda platform (cached)."""
    lambda_architecture = lambda_architecture or architecture()
    requirements = function_dir / "requirements.txt"
    key = hashlib.sha256(requirements.read_bytes() + f"{LAMBDA_PYTHON}-{lambda_architecture}".encode()).hexdigest()[:16]
    target = cache_dir / f"{function_dir.name}-deps-{key}"
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    command = [
        *pip_install(sys.executable),
        "--target",
        str(target),
        "--only-binary=:all:",
        "--python-version",
        LAMBDA_PYTHON,
        "--implementation",
        "cp",
        "--no-compile",
        "-r",
        str(requirements),
    ]
    for plat in _pip_platforms(lambda_architecture):
        command += ["--platform", plat]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise RuntimeError(f"installing {requirements} for {RUNTIME} failed:\n{result.stderr[-3000:]}")
    (target / ".complete").touch()
    return target


def _files(root: Path) -> list[tuple[str, Path]]:
    entries = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_dir() or _SKIP_PARTS & set(rel.parts) or path.suffix == ".pyc":
            continue
        if rel.name in (".complete", "requirements.txt") and len(rel.parts) == 1:
            continue
        if rel.parts[0] == "bin":  # console scripts of vendored packages are not needed in Lambda
            continue
        entries.append((rel.as_posix(), path))
    return entries


def build(function: str, cache_dir: Path, lambda_architecture: str | None = None) -> Package:
    """The deployment zip of ``lambdas/<function>``: its code, the shared core and its dependencies.

    Dependencies are built for ``lambda_architecture`` (default: this machine's).
    """
    function_dir = FUNCTIONS_DIR / function
    entries = dict(_files(vendored_dependencies(function_dir, cache_dir, lambda_architecture)))
    entries.update((f"{CORE_PACKAGE}/{name}", path) for name, path in _files(CORE_DIR))
    entries.update(_files(function_dir))  # the function's own code wins over a vendored name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, entries[name].read_bytes())
    return Package(function, buffer.getvalue())
