"""Interpreters are found by asking them their version, never by trusting a name or a fixed path."""

from __future__ import annotations

import stat

import pytest

from lifecycle import interpreters


def fake_python(directory, name: str, version: str):
    """An executable named like a Python that answers with ``version``."""
    path = directory / name
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.fixture()
def isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setattr(interpreters, "_candidates", _only_under(tmp_path, interpreters._candidates))
    return tmp_path


def _only_under(root, candidates):
    return lambda version: [c for c in candidates(version) if str(c).startswith(str(root))]


def test_finds_a_versioned_name_on_path(isolated):
    expected = fake_python(isolated, "python3.42", "3.42")

    assert interpreters.find("3.42") == str(expected)


def test_finds_pyenv_versions(isolated):
    bindir = isolated / "pyenv" / "versions" / "3.42.7" / "bin"
    bindir.mkdir(parents=True)
    expected = fake_python(bindir, "python", "3.42")

    assert interpreters.find("3.42") == str(expected)


def test_a_misnamed_binary_is_not_trusted(isolated):
    fake_python(isolated, "python3.42", "3.41")

    with pytest.raises(interpreters.InterpreterNotFound, match=r"pyenv install 3\.42"):
        interpreters.find("3.42")


def test_override_variable_wins(isolated, monkeypatch):
    fake_python(isolated, "python3.42", "3.42")
    chosen = fake_python(isolated, "my-python", "3.42")
    monkeypatch.setenv("PYTHON342", str(chosen))

    assert interpreters.find("3.42") == str(chosen)
