"""Virtualenvs that rebuild themselves when what they were built from changes.

Each venv keeps a stamp: the hash of its interpreter version and of every
input file (requirement locks, local packages). ``ensure`` reuses a venv whose
stamp matches and rebuilds one whose inputs changed.

Standard library only: ``make`` calls ``python3 -m lifecycle.venvs tools`` to create
the project's tools venv before anything else exists.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle import interpreters

PROJECT_ROOT = Path(__file__).resolve().parent.parent
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


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure(spec: VenvSpec, log=print) -> str:
    """Create or update the venv; returns "reused", "created" or "rebuilt"."""
    python = spec.python or interpreters.find_first(spec.python_versions)
    digest = _digest(spec, (interpreters.version_of(python) or python) + (f" {python}" if spec.python else ""))
    stamp = spec.path / STAMP
    if stamp.is_file() and stamp.read_text().strip() == digest and python_of(spec.path).exists():
        return "reused"
    outcome = "rebuilt" if spec.path.exists() else "created"
    verb = "Rebuilding" if outcome == "rebuilt" else "Creating"
    log(f"{verb} {spec.path} with {python} (its inputs changed or it is new) ...")
    if spec.path.exists():
        shutil.rmtree(spec.path)
    subprocess.run([python, "-m", "venv", str(spec.path)], check=True)
    pip = [str(python_of(spec.path)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for args in spec.installs:
        result = subprocess.run(pip + args, cwd=PROJECT_ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            shutil.rmtree(spec.path, ignore_errors=True)
            raise RuntimeError(
                f"pip install {' '.join(args)} failed in {spec.path}:\n{result.stdout[-4000:]}{result.stderr[-4000:]}"
            )
    stamp.write_text(digest + "\n")
    return outcome


def ensure_local_package(venv: Path, package_dir: Path) -> str:
    """(Re)install a package from this repository into ``venv`` when its sources changed."""
    h = hashlib.sha256()
    _hash_inputs(h, [package_dir])
    stamp = venv / f".venv-stamp-{package_dir.name}"
    if stamp.is_file() and stamp.read_text().strip() == h.hexdigest():
        return "reused"
    result = subprocess.run(
        [
            str(python_of(venv)),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--force-reinstall",
            str(package_dir),
        ],
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


def tools_spec(python_version: str | None = None) -> VenvSpec:
    """The tools venv; on Python 3.10 (``python_version``) with requirements/tools-py310.txt."""
    name = "tools-py310.txt" if python_version == "3.10" else "dev.txt"
    requirements = PROJECT_ROOT / "requirements" / name
    core = PROJECT_ROOT / "lambdas" / "common"
    return VenvSpec(
        path=PROJECT_ROOT / ".venv",
        python_versions=[python_version] if python_version else TOOLS_PYTHON_VERSIONS,
        # The functions' shared core, editable: the CLI and the tests import the code the functions run.
        # The project itself, editable, for the `pipeline` command.
        installs=[["-r", str(requirements)], ["--no-deps", "-e", str(core)], ["--no-deps", "-e", str(PROJECT_ROOT)]],
        inputs=[
            requirements,
            core / "pyproject.toml",
            PROJECT_ROOT / "lambdas" / "extract" / "requirements.txt",
            PROJECT_ROOT / "lambdas" / "insert" / "requirements.txt",
        ],
    )


def main(argv: list[str]) -> int:
    if argv != ["tools"]:
        print("usage: python3 -m lifecycle.venvs tools", file=sys.stderr)
        return 2
    try:
        python = interpreters.find_first(TOOLS_PYTHON_VERSIONS)
        outcome = ensure(tools_spec(interpreters.version_of(python)))
    except (interpreters.InterpreterNotFound, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if outcome != "reused":
        print(f"tools venv .venv: {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
