"""Environment variables of a runtime process.

A function sees exactly what LocalStack passes for its execution environment,
plus ``PATH``, ``LANG``, a private ``TMPDIR`` and ``HOME`` (the same private
directory, so the host user's ``~/.aws`` and other dotfiles stay out of reach).
Nothing else of LocalStack's own environment (its virtualenv, host AWS
credentials, proxies) is inherited.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from localstack_process_executor.process import BOOTSTRAP
from localstack_process_executor.runtimes import Interpreter


def function_environment(
    env_vars: Mapping[str, object], interpreter: Interpreter, code_dir: Path, private_dir: Path
) -> dict[str, str]:
    env = {
        "PATH": search_path(interpreter),
        "LANG": os.environ.get("LANG") or "C.UTF-8",
        "TMPDIR": str(private_dir),
        "HOME": str(private_dir),
    }
    env.update({name: str(value) for name, value in env_vars.items()})
    # LocalStack passes the container paths (/var/task, /var/runtime); point at the real ones.
    env["LAMBDA_TASK_ROOT"] = str(code_dir)
    env["LAMBDA_RUNTIME_DIR"] = str(BOOTSTRAP.parent)
    return env


def search_path(interpreter: Interpreter) -> str:
    """The interpreter's own ``bin`` first, then the host's PATH without LocalStack's virtualenv."""
    own_venv = Path(sys.prefix) if sys.prefix != sys.base_prefix else None
    entries = [str(interpreter.bin_dir)]
    for entry in os.environ.get("PATH", os.defpath).split(os.pathsep):
        if not entry or entry in entries:
            continue
        if own_venv is not None and Path(entry).is_relative_to(own_venv):
            continue
        entries.append(entry)
    return os.pathsep.join(entries)
