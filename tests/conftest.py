"""Fixtures for every test suite: configuration and clients come from `fue.config`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# The functions' shared core from this tree, ahead of the editable install in .venv: under
# `make mutation` this tree is mutmut's copy (mutants/), whose pipeline_core is the mutated one.
CORE = str(ROOT / "lambdas" / "common")
if CORE not in sys.path:
    sys.path.insert(0, CORE)

from fue import config  # noqa: E402


@pytest.fixture(scope="session")
def cfg() -> config.Config:
    return config.load()
