"""LocalStack runs every start-up hook that the executor package declares.

A hook that LocalStack never finds fails silently: it only loses what the hook does
(a cheaper path, a log setting). plux's cached plugin index once hid hooks added by a
reinstall (``localstack_host._forget_plugin_index``).
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest brings tomli
    import tomli as tomllib

from settings import config

PYPROJECT = Path(__file__).resolve().parents[2] / "executor" / "pyproject.toml"
NAMESPACE = "localstack.hooks.on_infra_start"


def declared_hooks() -> set[str]:
    entry_points = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"]
    return set(entry_points[NAMESPACE])


def loaded_plugins(cfg: config.Config) -> dict[str, dict]:
    with urllib.request.urlopen(f"{cfg.endpoint_url}/_localstack/plugins", timeout=10) as response:
        plugins = json.load(response)
    return {plugin["name"]: plugin for plugin in plugins.get(NAMESPACE, [])}


def test_localstack_loaded_every_declared_hook(cfg):
    declared = declared_hooks()
    assert declared, f"no {NAMESPACE} entry points in {PYPROJECT}"
    plugins = loaded_plugins(cfg)

    missing = sorted(name for name in declared if not plugins.get(name, {}).get("is_loaded"))

    assert not missing, f"declared in {PYPROJECT.name} but not loaded by LocalStack: {missing}; it has: {plugins}"
