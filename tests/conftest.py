"""Fixtures for every test suite: configuration and clients come from `fue.config`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fue import config  # noqa: E402


@pytest.fixture(scope="session")
def cfg() -> config.Config:
    return config.load()
