"""Fixtures for the insert function's unit tests: moto S3 and an in-memory index.

lambdas/extract also has a handler.py, so the insert function's modules are
loaded under names of their own instead of putting its folder on sys.path.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from insert_samples import BUCKET, FUNCTION_ENVIRONMENT, FakeIndex

from tests.fakes import offline_s3

INSERT_DIR = Path(__file__).resolve().parents[3] / "lambdas" / "insert"


def _load(name: str, path: Path, package_dir: Path | None = None):
    locations = [str(package_dir)] if package_dir else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=locations)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


if "indexer" not in sys.modules:
    _load("indexer", INSERT_DIR / "indexer" / "__init__.py", INSERT_DIR / "indexer")


@pytest.fixture
def load_handler(monkeypatch):
    """Import handler.py afresh (it reads its settings at import) as insert_handler."""

    def load(dsn: str = FUNCTION_ENVIRONMENT["DATABASE_DSN"]):
        for name, value in {**FUNCTION_ENVIRONMENT, "DATABASE_DSN": dsn}.items():
            monkeypatch.setenv(name, value)
        return _load("insert_handler", INSERT_DIR / "handler.py")

    return load


@pytest.fixture
def s3(monkeypatch):
    with offline_s3(monkeypatch, BUCKET) as client:
        yield client


@pytest.fixture
def index():
    return FakeIndex()
