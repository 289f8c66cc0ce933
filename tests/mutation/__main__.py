"""``make mutation``: mutmut over the core logic, the SQL mutants, one score line.

    python -m tests.mutation [--keep | --survivors] [--only PATTERN ...] [--python-only | --sql-only] [--max-children N]

Runs the suites that need no running stack (tests/unit and tests/db) against each mutant,
with the database suite on the private host-mode PostgreSQL (started here when it is not
running, and stopped again at the end). Prints every surviving mutant with its file and line,
then ``mutation score: NN% (killed K of N)``, where N leaves out the equivalent mutants
documented in pyproject.toml (``[tool.mutation.equivalent]``) and in ``sql_mutants``.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import tomllib

from lifecycle import postgres_host
from settings import config
from tests.mutation import sql_mutants

ROOT = Path(__file__).resolve().parents[2]
KILLED = {"killed", "timeout", "segfault", "caught by type check"}  # a test run that failed, hung or crashed


def equivalent_mutants() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return data.get("tool", {}).get("mutation", {}).get("equivalent", {})


@contextmanager
def private_database(cfg: config.Config):
    """The host-mode cluster the database suite uses, running for the whole run."""
    if cfg.stack == "docker":
        yield
        return
    was_running = postgres_host.state(cfg).running
    postgres_host.ensure_started(cfg)
    try:
        yield
    finally:
        if not was_running:
            postgres_host.stop(cfg)


# By path, not -m: the tests package must be imported from mutmut's copy (mutants/), not from here.
MUTMUT = [sys.executable, str(ROOT / "tests" / "mutation" / "mutmut_cli.py")]


def report() -> list[dict]:
    return json.loads(subprocess.run([*MUTMUT, "report"], cwd=ROOT, check=True, capture_output=True, text=True).stdout)


def drop_stale_test_map() -> None:
    """Make mutmut map tests to functions afresh when code or tests changed since it last did.

    mutmut records once which tests call which function, and afterwards maps only tests that
    are new. A test that now calls a function it did not (a new helper, a changed test) is
    then never run against that function's mutants, and they survive for no reason.
    """
    stats = ROOT / "mutants" / "mutmut-stats.json"
    if not stats.exists():
        return
    mapped_at = stats.stat().st_mtime
    sources = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]["source_paths"]
    changed = (path for top in [*sources, "tests"] for path in (ROOT / top).rglob("*.py"))
    if any(path.stat().st_mtime > mapped_at for path in changed):
        stats.unlink()


def run_mutmut(keep: bool, survivors: bool, only: list[str], max_children: int | None) -> list[dict]:
    """Every mutant's result: a fresh run, or (``keep``) mutmut's cached results for unchanged functions;
    ``survivors`` runs the mutants that survived last time again (after new tests; documented equivalent
    ones are left alone); ``only`` runs the
    mutants whose names match these patterns (``extractor.attempts.*``), keeping the other results."""
    if not (keep or survivors or only):
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    drop_stale_test_map()
    equivalent = equivalent_mutants()
    names = (
        [m["name"] for m in report() if m["status"] not in KILLED and m["name"] not in equivalent] if survivors else []
    )
    if only:
        names = (
            [name for name in names if any(fnmatch.fnmatch(name, pattern) for pattern in only)] if survivors else only
        )
        if not names:
            return report()
    children = ["--max-children", str(max_children)] if max_children else []
    # The copy uses this tree's virtualenv: tests that run a command needing an extra find it installed.
    (ROOT / "mutants").mkdir(exist_ok=True)
    if not (ROOT / "mutants" / ".venv").exists():
        (ROOT / "mutants" / ".venv").symlink_to(ROOT / ".venv")
    subprocess.run([*MUTMUT, "run", *children, *names], cwd=ROOT, check=True)
    return report()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="reuse mutmut's earlier results in mutants/")
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="run only the mutants that survived the last run again (after adding tests)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="report mutmut's results in mutants/ without running anything (with --python-only)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        default=[],
        metavar="PATTERN",
        help="run only the mutants whose names match (e.g. 'extractor.attempts.*'); other results are kept",
    )
    parser.add_argument("--max-children", type=int, help="test processes at a time (default: one per CPU)")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--python-only", action="store_true", help="skip the SQL mutants")
    only.add_argument("--sql-only", action="store_true", help="skip mutmut")
    args = parser.parse_args(argv)

    cfg = config.load()  # reads .env into the environment the test runs inherit
    os.environ["STATE_DIR"] = str(cfg.state_dir)  # mutants/ is a copy of the tree: keep the real state
    equivalent = equivalent_mutants()
    with private_database(cfg):
        if args.sql_only:
            python = []
        elif args.report_only:
            python = report()
        else:
            python = run_mutmut(args.keep, args.survivors, args.only, args.max_children)
        sql = {} if args.python_only else sql_mutants.run()

    killed = survived = documented = unchecked = 0
    print("\nsurviving mutants:")
    for mutant in python:
        if mutant["name"] in equivalent:
            documented += 1
        elif mutant["status"] == "not checked":
            unchecked += 1
        elif mutant["status"] in KILLED:
            killed += 1
        else:
            survived += 1
            print(f"  {mutant['file']}:{mutant['line']}  {mutant['name']}  ({mutant['status']})")
            print("\n".join("      " + line for line in mutant["diff"].splitlines()[2:]))
    stale = sorted(set(equivalent) - {mutant["name"] for mutant in python})
    for name, status in sql.items():
        if status == "equivalent":
            documented += 1
        elif status == "killed":
            killed += 1
        else:
            survived += 1
            mutant = next(m for m in sql_mutants.MUTANTS if m.name == name)
            print(f"  {mutant.file}  sql:{name}  ({status})\n      - {mutant.old!r}\n      + {mutant.new!r}")
    if python and stale:
        print(f"\nequivalent mutants listed in pyproject.toml that no longer exist: {', '.join(stale)}")
    if unchecked:
        print(f"\n{unchecked} mutants were not checked (an interrupted run): the score leaves them out")
    total = killed + survived
    score = 100 * killed / total if total else 100.0
    print(f"\n{documented} equivalent mutants not counted (pyproject.toml [tool.mutation.equivalent], sql_mutants)")
    print(f"mutation score: {score:.0f}% (killed {killed} of {total})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
