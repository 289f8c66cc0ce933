"""mutmut's command line, with module names as the tests import them.

mutmut names a mutant after its file's path (``lambdas.common.pipeline_core.keys.x_…``) and
activates it only when the running function's ``__module__`` has that name. The functions'
packages are imported from their own folders (``pipeline_core``, ``extractor``, ``indexer``),
so the folder part is dropped from the name, as mutmut itself drops ``src.``.

    python tests/mutation/mutmut_cli.py run | results | show NAME
    python tests/mutation/mutmut_cli.py report     # JSON: every mutant, its status, file, line and diff
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import mutmut.__main__ as mutmut_main
import mutmut.mutation.file_mutation as file_mutation
import mutmut.utils.format_utils as format_utils

# Folders that are on the functions' import path, not part of their module names.
IMPORT_ROOTS = ("lambdas.common.", "lambdas.extract.", "lambdas.insert.")

_path_based_name = format_utils.get_mutant_name


def get_mutant_name(relative_source_path: Path, mutant_method_name: str) -> str:
    name = _path_based_name(relative_source_path, mutant_method_name)
    for root in IMPORT_ROOTS:
        if name.startswith(root):
            return name[len(root) :]
    return name


for module in (format_utils, file_mutation, mutmut_main):
    module.get_mutant_name = get_mutant_name


def _function_lines(path: str) -> dict[str, tuple[int, int]]:
    """function or Class.method -> (first, last) line in the original file."""
    spans = {}
    tree = ast.parse(Path(path).read_text())
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            spans[node.name] = (node.lineno, node.end_lineno)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    spans[f"{node.name}.{item.name}"] = (item.lineno, item.end_lineno)
    return spans


def report() -> list[dict]:
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    found = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        spans = _function_lines(str(path))
        for name, exit_code in sorted(data.exit_code_by_key.items()):
            status = status_by_exit_code[exit_code]
            diff = "" if status == "killed" else get_diff_for_mutant(name, path=path)
            function, cls = format_utils.orig_function_and_class_names_from_key(name)
            first, last = spans.get(f"{cls}.{function}" if cls else function, (None, None))
            line = None
            if diff and first:
                body = "\n".join(Path(path).read_text().splitlines()[first - 1 : last])
                offset = _location_in(body, diff)
                line = first + offset - 1 if offset else None
            found.append({"name": name, "status": status, "file": str(path), "line": line or first, "diff": diff})
    return found


def _location_in(text: str, diff: str) -> int | None:
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    if not removed:
        return None
    wanted = re.sub(r"\s+", " ", removed[0]).strip()
    for number, line in enumerate(text.splitlines(), start=1):
        if re.sub(r"\s+", " ", line).strip() == wanted:
            return number
    return None


if __name__ == "__main__":
    if sys.argv[1:] == ["report"]:
        json.dump(report(), sys.stdout)
    else:
        mutmut_main.cli()
