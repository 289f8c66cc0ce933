"""Find Python interpreters of a given version on this machine.

Looks on PATH (``python3.13``), under pyenv (``pyenv root`` or ``~/.pyenv``),
uv's managed Pythons and a few common install prefixes. Every candidate is
asked for its version, so a misnamed binary is never picked.

Standard library only: this runs before any virtualenv exists. As a command::

    python3 -m lifecycle.interpreters 3.13 3.12   # prints the first one found
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

from settings.errors import UserError

INSTALL_HINT = (
    "install it with `pyenv install {v}` (or your package manager, e.g. "
    "`apt-get install python{v}` / `brew install python@{v}`), "
    "or point PYTHON{nodot} at an interpreter"
)


class InterpreterNotFound(UserError):
    pass


def _pyenv_roots() -> list[Path]:
    roots = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(Path(os.environ["PYENV_ROOT"]))
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            out = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                roots.append(Path(out.stdout.strip()))
        except (OSError, subprocess.TimeoutExpired):
            pass
    roots.append(Path.home() / ".pyenv")
    return roots


def _candidates(version: str) -> list[str]:
    """Paths that may be Python ``version`` (e.g. "3.13"), most specific first."""
    found: list[str] = []
    override = os.environ.get("PYTHON" + version.replace(".", ""))
    if override:
        found.append(override)
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    for root in _pyenv_roots():
        found += sorted(glob.glob(str(root / "versions" / f"{version}.*" / "bin" / "python")), reverse=True)
    uv_dir = Path(os.environ.get("UV_PYTHON_INSTALL_DIR", Path.home() / ".local/share/uv/python"))
    found += sorted(glob.glob(str(uv_dir / f"cpython-{version}.*" / "bin" / "python3")), reverse=True)
    for prefix in ("/usr/local/bin", "/usr/bin", "/opt/homebrew/bin", f"/usr/local/opt/python@{version}/bin"):
        found.append(f"{prefix}/python{version}")
    for generic in ("python3", "python"):
        path = shutil.which(generic)
        if path:
            found.append(path)
    return found


def version_of(executable: str) -> str | None:
    """ "3.13" for a working Python 3.13 with venv support, else None."""
    probe = "import sys, venv; print('%d.%d' % sys.version_info[:2])"
    try:
        out = subprocess.run([executable, "-c", probe], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def find(version: str) -> str:
    """Absolute path of a Python ``version`` interpreter, or InterpreterNotFound."""
    seen = set()
    for candidate in _candidates(version):
        if candidate in seen or not os.access(candidate, os.X_OK):
            continue
        seen.add(candidate)
        if version_of(candidate) == version:
            return str(Path(candidate).absolute())
    raise InterpreterNotFound(
        f"Python {version} was not found; " + INSTALL_HINT.format(v=version, nodot=version.replace(".", ""))
    )


def find_first(versions: list[str]) -> str:
    errors = []
    for version in versions:
        try:
            return find(version)
        except InterpreterNotFound as exc:
            errors.append(str(exc))
    raise InterpreterNotFound("\n".join(errors))


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m lifecycle.interpreters VERSION [VERSION ...]", file=sys.stderr)
        return 2
    try:
        print(find_first(argv))
    except InterpreterNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
