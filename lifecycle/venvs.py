"""Virtualenvs that rebuild themselves when what they were built from changes.

Each venv keeps a stamp: the hash of its interpreter version and of every
input file (requirement locks, local packages). ``ensure`` reuses a venv whose
stamp matches and rebuilds one whose inputs changed, printing a line per step
with the time since it began (and, during a long install, how far pip got).
Installs use ``uv`` when it is on PATH (much faster), else pip.

Standard library only: ``make`` calls ``python3 -m lifecycle.venvs tools`` to create
the project's tools venv before anything else exists. As a command::

    python3 -m lifecycle.venvs tools          # create or refresh .venv (from requirements/dev.lock)
    python -m lifecycle.venvs extra bench     # add requirements/bench.lock to .venv (`make bench`)
    python -m lifecycle.venvs lock            # regenerate requirements/*.lock (`make lock`)
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle import interpreters

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A venv's stamp; packages installed into it later (ensure_local_package, ensure_extra) add
# their own beside it, named STAMP-<what>.
STAMP = ".venv-stamp"


@dataclass
class VenvSpec:
    path: Path
    python_versions: list[str]
    # Each entry is one `pip install` invocation's arguments.
    installs: list[list[str]]
    inputs: list[Path] = field(default_factory=list)
    # A given interpreter (e.g. a copy the service user can run) instead of the first one found.
    python: str | None = None


def _hash_inputs(h, inputs: list[Path]) -> None:
    for item in sorted(inputs):
        files = sorted(p for p in item.rglob("*") if p.is_file()) if item.is_dir() else [item]
        for f in files:
            if {"__pycache__", "build"} & set(f.parts) or f.suffix == ".pyc" or ".egg-info" in str(f):
                continue
            h.update(str(f.relative_to(PROJECT_ROOT)).encode())
            h.update(f.read_bytes())


def _digest(spec: VenvSpec, python: str) -> str:
    h = hashlib.sha256()
    h.update(python.encode())
    h.update(repr(spec.installs).encode())
    _hash_inputs(h, spec.inputs)
    return h.hexdigest()


def pip_install(python: str) -> list[str]:
    """``pip install`` under ``python``, quiet and without the version check; add its arguments."""
    return [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]


def _installer_command(venv: Path, installer: str | None) -> list[str]:
    """``uv pip install`` into ``venv`` when uv is there, else its own pip (progress shown by ``_install``)."""
    if installer:
        return [installer, "pip", "install", "--python", str(python_of(venv))]
    return [str(python_of(venv)), "-m", "pip", "install", "--disable-pip-version-check"]


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def uv() -> str | None:
    """The ``uv`` program when it is on PATH and not switched off (``USE_UV=0``, see settings.config)."""
    return None if os.environ.get("USE_UV", "auto") == "0" else shutil.which("uv")


def _count_pins(args: list[str]) -> int:
    """How many packages ``-r <lock>`` arguments name (0 when unknown): the total of the progress lines."""
    names: set[str] = set()
    for flag, value in itertools.pairwise(args):
        if flag == "-r":
            text = (PROJECT_ROOT / value).read_text()  # an absolute value replaces PROJECT_ROOT
            names.update(name.lower() for name in re.findall(r"^([A-Za-z0-9][\w.\-]*)(?:\[[\w,]+\])?==", text, re.M))
    return len(names)


def _install(command: list[str], total: int, say, every: float = 15.0) -> subprocess.CompletedProcess:
    """Run an install, saying every ``every`` seconds how many packages it has collected so far."""
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    lines: list[str] = []
    collected = 0
    last = time.monotonic()
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Collecting ") or line.startswith("Requirement already satisfied"):
            collected += 1
        if line.startswith("Installing collected packages"):  # pip's last phase: no line per package
            say(f"  ... collected {collected}, installing them")
            last = time.monotonic()
        elif time.monotonic() - last >= every:
            last = time.monotonic()
            say(f"  ... collected {collected}" + (f" of {total}" if total else "") + " packages")
    return subprocess.CompletedProcess(command, process.wait(), "".join(lines), "")


def ensure(spec: VenvSpec, log=print) -> str:
    """Create or update the venv; returns "reused", "created" or "rebuilt"."""
    python = spec.python or interpreters.find_first(spec.python_versions)
    digest = _digest(spec, (interpreters.version_of(python) or python) + (f" {python}" if spec.python else ""))
    stamp = spec.path / STAMP
    if stamp.is_file() and stamp.read_text().strip() == digest and python_of(spec.path).exists():
        return "reused"
    outcome = "rebuilt" if spec.path.exists() else "created"
    verb = "Rebuilding" if outcome == "rebuilt" else "Creating"
    started = time.monotonic()

    def say(message: str) -> None:
        log(f"[{time.monotonic() - started:5.1f}s] {message}")

    installer = uv()
    log(f"{verb} {spec.path} with {python} (its inputs changed or it is new), installing with {installer or 'pip'} ...")
    if spec.path.exists():
        shutil.rmtree(spec.path)
    if installer:
        # --seed: pip too, for ensure_local_package and `make mutation`'s on-demand installs.
        subprocess.run([installer, "venv", "--quiet", "--seed", "--python", python, str(spec.path)], check=True)
    else:
        subprocess.run([python, "-m", "venv", str(spec.path)], check=True)
    install = _installer_command(spec.path, installer)
    for args in spec.installs:
        total = _count_pins(args)
        say(
            f"{spec.path.name}: install {' '.join(_shorten(a) for a in args)}"
            + (f" ({total} package{'s' if total != 1 else ''})" if total else "")
        )
        result = _install(install + args, total, say)
        if result.returncode != 0:
            shutil.rmtree(spec.path, ignore_errors=True)
            raise RuntimeError(
                f"{' '.join(install[:3])} install {' '.join(args)} failed in {spec.path}:\n{result.stdout[-4000:]}"
            )
    stamp.write_text(digest + "\n")
    say(f"{spec.path.name}: {outcome}")
    return outcome


def _shorten(arg: str) -> str:
    """A path inside the project as a relative one, for progress lines."""
    try:
        return str(Path(arg).relative_to(PROJECT_ROOT))
    except ValueError:
        return arg


def stamps(venv: Path) -> bytes:
    """Every stamp of ``venv`` (its own and its added packages'): they change whenever what it holds does."""
    return b"".join(path.read_bytes() for path in sorted(venv.glob(f"{STAMP}*")))


def ensure_local_package(venv: Path, package_dir: Path) -> str:
    """(Re)install a package from this repository into ``venv`` when its sources changed."""
    h = hashlib.sha256()
    _hash_inputs(h, [package_dir])
    stamp = venv / f"{STAMP}-{package_dir.name}"
    if stamp.is_file() and stamp.read_text().strip() == h.hexdigest():
        return "reused"
    result = subprocess.run(
        [*pip_install(str(python_of(venv))), "--no-deps", "--force-reinstall", str(package_dir)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"installing {package_dir} into {venv} failed:\n{result.stderr[-4000:]}")
    stamp.write_text(h.hexdigest() + "\n")
    return "installed"


# The tools venv (CLI, bootstrap, tests) runs on any Python >= 3.10, newest first. Host mode's
# LocalStack needs 3.13 on its own (lifecycle.localstack_host); Docker mode needs nothing more.
TOOLS_PYTHON_VERSIONS = ["3.13", "3.12", "3.11", "3.10"]
REQUIREMENTS = PROJECT_ROOT / "requirements"


@dataclass(frozen=True)
class Lock:
    """A full lock (every package pinned) resolved from a hand-written requirements file."""

    source: str  # requirements/<source>: what we ask for, with comments
    lock: str  # requirements/<lock>: what gets installed
    python: str  # the oldest Python the lock must work on (it is resolved for every newer one too)
    constraints: tuple[str, ...] = ()  # other locks it must agree with (an extra installed beside them)


LOCKS = (
    Lock("dev.txt", "dev.lock", "3.11"),
    Lock("tools-py310.txt", "tools-py310.lock", "3.10"),
    Lock("bench.txt", "bench.lock", "3.11", constraints=("dev.lock",)),
)
# Extras: installed into .venv on first use by the command that needs them.
EXTRAS = {"bench": "bench.lock"}


def tools_spec(python_version: str | None = None) -> VenvSpec:
    """The tools venv, from requirements/dev.lock; on Python 3.10 (``python_version``) from tools-py310.lock."""
    name = "tools-py310.lock" if python_version == "3.10" else "dev.lock"
    lock = REQUIREMENTS / name
    core = PROJECT_ROOT / "lambdas" / "common"
    return VenvSpec(
        path=PROJECT_ROOT / ".venv",
        python_versions=[python_version] if python_version else TOOLS_PYTHON_VERSIONS,
        # The functions' shared core, editable: the CLI and the tests import the code the functions run.
        # The project itself, editable, for the `pipeline` command.
        installs=[["-r", str(lock)], ["--no-deps", "-e", str(core)], ["--no-deps", "-e", str(PROJECT_ROOT)]],
        inputs=[lock, core / "pyproject.toml"],
    )


def ensure_extra(name: str, venv: Path = PROJECT_ROOT / ".venv", log=print) -> str:
    """Install the extra ``name`` (e.g. "bench") into ``venv`` unless its lock is installed already."""
    lock = REQUIREMENTS / EXTRAS[name]
    stamp = venv / f"{STAMP}-extra-{name}"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return "reused"
    started = time.monotonic()
    log(f"Installing {lock.relative_to(PROJECT_ROOT)} into {venv} (first use) ...")
    install = _installer_command(venv, uv())
    result = _install([*install, "-r", str(lock)], _count_pins(["-r", str(lock)]), log)
    if result.returncode != 0:
        raise RuntimeError(f"installing {lock} into {venv} failed:\n{result.stdout[-4000:]}")
    stamp.write_text(digest + "\n")
    log(f"Installed {lock.name} in {time.monotonic() - started:.1f}s")
    return "installed"


def relock(uv_program: str, log=print) -> None:
    """Regenerate every lock from its requirements file with ``uv pip compile`` (universal: any platform)."""
    for lock in LOCKS:
        command = [
            uv_program,
            "pip",
            "compile",
            "--quiet",
            "--universal",
            "--python-version",
            lock.python,
            "--custom-compile-command",
            "make lock",
            f"requirements/{lock.source}",
            "--output-file",
            f"requirements/{lock.lock}",
        ]
        for other in lock.constraints:
            command += ["--constraint", f"requirements/{other}"]
        log(f"requirements/{lock.source} -> requirements/{lock.lock}")
        subprocess.run(command, cwd=PROJECT_ROOT, check=True)


USAGE = "usage: python3 -m lifecycle.venvs tools | extra NAME | lock UV_PROGRAM"


def main(argv: list[str]) -> int:
    try:
        if argv == ["tools"]:
            python = interpreters.find_first(TOOLS_PYTHON_VERSIONS)
            outcome = ensure(tools_spec(interpreters.version_of(python)))
            if outcome != "reused":
                print(f"tools venv .venv: {outcome}")
        elif len(argv) == 2 and argv[0] == "extra" and argv[1] in EXTRAS:
            ensure_extra(argv[1])
        elif len(argv) == 2 and argv[0] == "lock":
            relock(argv[1])
        else:
            print(USAGE, file=sys.stderr)
            return 2
    except (interpreters.InterpreterNotFound, RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
