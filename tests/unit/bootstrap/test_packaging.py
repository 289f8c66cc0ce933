"""Deployment zips are deterministic: same sources, same CodeSha256."""

from __future__ import annotations

import io
import zipfile

from bootstrap import packaging
from fue import config


def test_zip_is_reproducible_and_contains_handler_and_dependencies(tmp_path):
    cache = config.load().build_dir  # reuse the vendored-dependency cache between runs

    first = packaging.build("insert", cache)
    second = packaging.build("insert", cache)

    assert first.sha256 == second.sha256
    names = zipfile.ZipFile(io.BytesIO(first.zip_bytes)).namelist()
    assert "handler.py" in names
    assert any(n.startswith("pg8000/") for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_each_zip_carries_the_shared_core_and_its_own_handler():
    cache = config.load().build_dir
    for function, own in (("extract", "extractor/sync.py"), ("insert", "indexer/sync.py")):
        names = set(zipfile.ZipFile(io.BytesIO(packaging.build(function, cache).zip_bytes)).namelist())
        core = {name for name in names if name.startswith("pipeline_core/")}
        assert {"pipeline_core/keys.py", "pipeline_core/document.py", "pipeline_core/records.py"} <= core
        assert "handler.py" in names and own in names
        assert not any(name.startswith("common/") or name == "pyproject.toml" for name in names)
