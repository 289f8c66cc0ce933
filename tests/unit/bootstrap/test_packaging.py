"""Deployment zips are deterministic: same sources, same CodeSha256."""

from __future__ import annotations

import io
import time
import zipfile

from bootstrap import packaging
from settings import config

_real_localtime, _real_gmtime = time.localtime, time.gmtime


def test_zip_is_reproducible_across_a_clock_tick_and_contains_handler_and_dependencies(monkeypatch):
    cache = config.load().build_dir  # reuse the vendored-dependency cache between runs

    first = packaging.build("insert", cache)
    # The second build runs an hour later by the clock (zip times have a 2-second resolution, so two
    # builds in a row would share a timestamp even if the zip were stamped with the current time).
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(time, "localtime", lambda seconds=None: _real_localtime(later if seconds is None else seconds))
    monkeypatch.setattr(time, "gmtime", lambda seconds=None: _real_gmtime(later if seconds is None else seconds))
    second = packaging.build("insert", cache)

    assert first.sha256 == second.sha256
    archive = zipfile.ZipFile(io.BytesIO(first.zip_bytes))
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in archive.infolist()} == {0o644}
    names = archive.namelist()
    assert "handler.py" in names
    assert any(n.startswith("pg8000/") for n in names)
    if packaging.runtime_python() is not None:
        # Every source ships compiled for the runtime, valid whatever the unzipped files' times.
        sources = [n for n in names if n.endswith(".py")]
        compiled = [n for n in names if n.endswith(".pyc")]
        assert {packaging.compiled_name(n) for n in sources} == set(compiled)
        for name in ("handler.py", "indexer/store.py", "pg8000/core.py"):
            flags = int.from_bytes(archive.read(packaging.compiled_name(name))[4:8], "little")
            assert flags == 0b01, f"{name}: bytecode checked against its source, or by time (flags {flags:#b})"


def test_each_zip_carries_the_shared_core_and_its_own_handler():
    cache = config.load().build_dir
    for function, own in (("extract", "extractor/sync.py"), ("insert", "indexer/sync.py")):
        names = set(zipfile.ZipFile(io.BytesIO(packaging.build(function, cache).zip_bytes)).namelist())
        core = {name for name in names if name.startswith("pipeline_core/")}
        assert {"pipeline_core/keys.py", "pipeline_core/document.py", "pipeline_core/records.py"} <= core
        assert "handler.py" in names and own in names
        assert not any(name.startswith("common/") or name == "pyproject.toml" for name in names)


def test_zips_without_bytecode_are_announced_with_the_fix(monkeypatch):
    monkeypatch.setattr(packaging, "runtime_python", lambda: None)
    warning = packaging.missing_bytecode_warning()
    assert warning is not None
    assert f"no Python {packaging.LAMBDA_PYTHON} found" in warning and "sources only" in warning
    assert f"pyenv install {packaging.LAMBDA_PYTHON}" in warning
    monkeypatch.setattr(packaging, "runtime_python", lambda: "/usr/bin/python3.12")
    assert packaging.missing_bytecode_warning() is None
