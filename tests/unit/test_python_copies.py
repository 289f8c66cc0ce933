"""Root's interpreters, copied where the unprivileged runtime user can run them."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from lifecycle import interpreters, python_copies, service_user

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="copies are made only when running as root")


@pytest.fixture()
def open_folder():
    """A folder every user may traverse (pytest's own tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="copies-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture()
def unreachable_python():
    user = service_user.service_user(service_user.LOCALSTACK_USERS)
    for version in ("3.12", "3.13"):
        try:
            python = interpreters.find(version)
        except interpreters.InterpreterNotFound:
            continue
        if not python_copies.usable_by(python, user):
            return python, user
    pytest.skip("every interpreter found here is already usable by the runtime user")


def test_an_interpreter_the_user_cannot_run_is_copied_once_and_runs(open_folder, unreachable_python):
    python, user = unreachable_python
    said = []

    copy = python_copies.for_user(python, user, open_folder, log=said.append)

    assert copy != python and Path(copy).is_relative_to(open_folder)
    result = service_user.run_as([copy, "-c", "import json, ssl, sqlite3, venv; print('ok')"], user, cwd=Path("/"))
    assert result.stdout.strip() == "ok", result.stderr
    assert any(line.startswith("Copied Python") for line in said), said
    assert not list(open_folder.glob("*/lib/python*/test"))
    # Made once: the second call reuses the copy without copying again.
    said.clear()
    assert python_copies.for_user(python, user, open_folder, log=said.append) == copy
    assert said == []


def test_a_venv_made_from_the_copy_runs_as_the_user(open_folder, unreachable_python):
    python, user = unreachable_python
    copy = python_copies.ensure_copy(python, open_folder / "python", log=lambda *_: None)
    venv = open_folder / "venv"
    subprocess.run([copy, "-m", "venv", "--without-pip", str(venv)], check=True)

    assert python_copies.usable_by(str(venv / "bin" / "python"), user)
