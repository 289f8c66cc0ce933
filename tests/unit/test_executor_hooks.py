"""LocalStack finds the executor's start-up hooks through entry points only: each one must be declared."""

from __future__ import annotations

import re
from pathlib import Path

EXECUTOR = Path(__file__).resolve().parents[2] / "executor"
SECTION = '[project.entry-points."localstack.hooks.on_infra_start"]'


def test_every_start_up_hook_is_declared_as_an_entry_point():
    pyproject = (EXECUTOR / "pyproject.toml").read_text()
    section = pyproject.split(SECTION, 1)[1].split("\n[", 1)[0]
    declared = dict(re.findall(r'^(\w+) = "([\w.:]+)"$', section, re.MULTILINE))
    defined = {}
    for module in (EXECUTOR / "localstack_process_executor").glob("*.py"):
        for name in re.findall(r"@hooks\.on_infra_start\(\)\ndef (\w+)", module.read_text()):
            defined[name] = f"localstack_process_executor.{module.stem}:{name}"
    assert defined, "no hooks found: the pattern no longer matches how hooks are written"
    assert declared == defined
