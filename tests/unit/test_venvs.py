"""Virtualenv installs: progress while they run, uv when it is on PATH, pip otherwise."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lifecycle import venvs


def test_pins_of_a_lock_are_counted_for_the_progress_lines(tmp_path):
    lock = tmp_path / "x.lock"
    lock.write_text(
        "# header\nboto3==1.0\n    # via -r x.txt\nmoto[s3]==5.2.5\n"
        "numpy==2.4 ; python_version < '3.12'\nnumpy==2.5 ; python_version >= '3.12'\n"  # one package, two pins
    )
    assert venvs._count_pins(["-r", str(lock)]) == 3
    assert venvs._count_pins(["--no-deps", "-e", "lambdas/common"]) == 0


def test_a_running_install_reports_how_far_it_got(tmp_path):
    said = []
    script = "echo 'Collecting a'; echo 'Collecting b'; echo 'Successfully installed a b'"
    result = venvs._install(["sh", "-c", script], total=2, say=said.append, every=0)
    assert result.returncode == 0
    assert said[-1] == "  ... collected 2 of 2 packages"
    assert "Successfully installed a b" in result.stdout


def _fake_uv(tmp_path: Path) -> Path:
    """A `uv` on PATH that records its arguments and makes a venv whose python is this one."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    uv = bindir / "uv"
    uv.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {tmp_path}/uv-calls\n'
        'if [ "$1" = venv ]; then for last; do :; done; mkdir -p "$last/bin"; '
        f'ln -s {sys.executable} "$last/bin/python"; fi\n'
    )
    uv.chmod(0o755)
    return bindir


def test_uv_on_path_creates_and_fills_the_venv(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{_fake_uv(tmp_path)}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("USE_UV", raising=False)
    spec = venvs.VenvSpec(path=tmp_path / "venv", python_versions=[], installs=[["six==1.17.0"]], python=sys.executable)
    said: list[str] = []

    assert venvs.ensure(spec, log=said.append) == "created"

    calls = (tmp_path / "uv-calls").read_text().splitlines()
    assert calls[0].startswith(f"venv --quiet --seed --python {sys.executable}")
    assert calls[1] == f"pip install --python {spec.path}/bin/python six==1.17.0"
    assert "installing with" in said[0] and said[0].endswith("uv ...")
    assert said[-1].endswith("venv: created") and said[-1].startswith("[")
    assert venvs.ensure(spec, log=said.append) == "reused"  # stamped: nothing runs again
    assert len((tmp_path / "uv-calls").read_text().splitlines()) == 2


def test_use_uv_0_means_pip(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{_fake_uv(tmp_path)}{os.pathsep}{os.environ['PATH']}")
    assert venvs.uv() == str(tmp_path / "bin" / "uv")
    monkeypatch.setenv("USE_UV", "0")
    assert venvs.uv() is None


def test_pips_last_phase_is_announced_at_once(tmp_path):
    said = []
    script = "echo 'Collecting a'; echo 'Installing collected packages: a'"
    venvs._install(["sh", "-c", script], total=1, say=said.append, every=3600)
    assert said == ["  ... collected 1, installing them"]
