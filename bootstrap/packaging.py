"""Build a Lambda function's deployment zip from its folder under ``lambdas/``.

Each zip holds the function's own code, the shared core ``pipeline_core`` (from
``lambdas/common/``) and the function's vendored dependencies, so that each function
still deploys on its own.

The function's pinned ``requirements.txt`` is installed for the Lambda
platform (Python 3.12, Linux, this machine's architecture) into a cache keyed
by the requirements' hash, so repeated builds are fast. The zip is
deterministic (sorted entries, fixed timestamps and modes): the same sources
give the same CodeSha256, which is how bootstrap knows nothing changed.

Every ``.py`` file also ships compiled (``__pycache__/<name>.cpython-312.pyc``),
so that a cold start imports bytecode instead of compiling boto3 and the
extractors. The bytecode is compiled by the runtime's own Python version (found
like every interpreter, ``lifecycle.interpreters``) with unchecked-hash
invalidation (the unzip times do not matter; the code of a version never
changes) and a fixed hash seed, so it is as reproducible as the sources. The
vendored dependencies are compiled once, in their cache folder (which is also the
hot-reload layer); the function's own code and the shared core are compiled into
a temporary folder, never next to their sources, where a hot-reloaded edit
would be shadowed by stale bytecode. Without a Python of the runtime's version,
the zip ships sources only, and bootstrap says so (``missing_bytecode_warning``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lifecycle import interpreters
from lifecycle.venvs import pip_install
from settings.config import PROJECT_ROOT

LAMBDA_PYTHON = "3.12"
RUNTIME = f"python{LAMBDA_PYTHON}"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIP_PARTS = {"__pycache__", "tests", ".pytest_cache"}
FUNCTIONS_DIR = PROJECT_ROOT / "lambdas"
CORE_PACKAGE = "pipeline_core"
CORE_DIR = FUNCTIONS_DIR / "common" / CORE_PACKAGE
BYTECODE_MARKER = f".bytecode-{LAMBDA_PYTHON}"

# Compiles the files named on stdin (one "source<TAB>compiled<TAB>name shown in tracebacks" per
# line) as `python -m compileall --invalidation-mode unchecked-hash` does. A file that does not
# compile is left out, as compileall does: the runtime then reports its error at import, as before.
_COMPILE = """
import py_compile, sys
for line in sys.stdin.read().splitlines():
    source, compiled, shown = line.split("\\t")
    try:
        py_compile.compile(source, cfile=compiled, dfile=shown, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    except py_compile.PyCompileError:
        pass
"""


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
    """Directory holding the function's dependencies installed for the Lambda platform, compiled (cached)."""
    lambda_architecture = lambda_architecture or architecture()
    requirements = function_dir / "requirements.txt"
    key = hashlib.sha256(requirements.read_bytes() + f"{LAMBDA_PYTHON}-{lambda_architecture}".encode()).hexdigest()[:16]
    target = cache_dir / f"{function_dir.name}-deps-{key}"
    if not (target / ".complete").exists():
        _install(requirements, target, lambda_architecture)
    python = runtime_python()
    if python is not None:
        compile_dependencies(python, target)
    return target


def _install(requirements: Path, target: Path, lambda_architecture: str) -> None:
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


@cache
def runtime_python() -> str | None:
    """An interpreter of the Lambda runtime's Python version, for compiling; None when there is none."""
    try:
        return interpreters.find(LAMBDA_PYTHON)
    except interpreters.InterpreterNotFound:
        return None


def missing_bytecode_warning() -> str | None:
    """What a deploy says when the zips cannot carry bytecode, or None when they can."""
    if runtime_python() is not None:
        return None
    return (
        f"bootstrap: no Python {LAMBDA_PYTHON} found, so the zips ship sources only: every cold start compiles them, "
        "and the zips differ from those built where it is found; "
        + interpreters.INSTALL_HINT.format(v=LAMBDA_PYTHON, nodot=LAMBDA_PYTHON.replace(".", ""))
    )


def _cache_tag() -> str:
    return f"cpython-{LAMBDA_PYTHON.replace('.', '')}"


def compiled_name(name: str) -> str:
    """``pkg/mod.py`` -> ``pkg/__pycache__/mod.cpython-312.pyc``, where the runtime's import looks."""
    folder, _, file = name.rpartition("/")
    compiled = f"__pycache__/{file[: -len('.py')]}.{_cache_tag()}.pyc"
    return f"{folder}/{compiled}" if folder else compiled


def compile_files(python: str, files: dict[str, Path], target: Path) -> None:
    """Compile ``files`` (zip name -> source) to ``target/<compiled_name>``, tracebacks naming the zip name."""
    lines = []
    for name, source in files.items():
        if name.endswith(".py"):
            lines.append(f"{source}\t{target / compiled_name(name)}\t{name}")
    result = subprocess.run(
        [python, "-I", "-c", _COMPILE],
        input="\n".join(lines),
        capture_output=True,
        text=True,
        env={"PYTHONHASHSEED": "0"},  # set and frozenset constants in the same order every time
    )
    if result.returncode != 0:
        raise RuntimeError(f"compiling the function code with {python} failed:\n{result.stderr[-3000:]}")


def compile_dependencies(python: str, deps_dir: Path) -> None:
    """Compile the cached dependencies in place, once (they never change under their hash)."""
    if (deps_dir / BYTECODE_MARKER).exists():
        return
    compile_files(python, {name: path for name, path in _files(deps_dir)}, deps_dir)
    (deps_dir / BYTECODE_MARKER).touch()


def _files(root: Path) -> list[tuple[str, Path]]:
    entries = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_dir() or _SKIP_PARTS & set(rel.parts) or path.suffix == ".pyc":
            continue
        if rel.name in (".complete", BYTECODE_MARKER, "requirements.txt") and len(rel.parts) == 1:
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
    deps_dir = vendored_dependencies(function_dir, cache_dir, lambda_architecture)
    python = runtime_python()
    dependencies = dict(_files(deps_dir))
    own = {f"{CORE_PACKAGE}/{name}": path for name, path in _files(CORE_DIR)}
    own.update(_files(function_dir))  # the function's own code wins over a vendored name
    with tempfile.TemporaryDirectory(prefix=f"{function}-bytecode-") as compiled:
        entries = {name: path for name, path in dependencies.items() if name not in own}
        entries.update(own)
        if python is not None:
            compile_files(python, own, Path(compiled))
            for name in [name for name in entries if name.endswith(".py")]:
                bytecode = (Path(compiled) if name in own else deps_dir) / compiled_name(name)
                if bytecode.exists():
                    entries[compiled_name(name)] = bytecode
        return Package(function, _deterministic_zip(entries))


def _deterministic_zip(entries: dict[str, Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, entries[name].read_bytes())
    return buffer.getvalue()
