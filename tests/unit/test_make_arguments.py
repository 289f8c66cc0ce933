"""`make` hands what follows `q=`, `key=`, ... to the CLI exactly as typed, one word each.

Each case runs the real Makefile with the CLI replaced by a script that prints its
arguments, and ``tools`` made a no-op (``PYTHON=true``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Everything a shell or make would otherwise read: `$` (make and shell), both quotes,
# a backslash, a backquote, `#` (make's comment) and spaces.
AWKWARD = 'it\'s a "$100" \\ `id` $(HOME) $$x #1'

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


@pytest.fixture
def make(tmp_path):
    script = tmp_path / "argv.py"
    script.write_text("import json, sys\nprint(json.dumps(sys.argv[1:]))\n")

    def run(target: str, *variables: str) -> list[str]:
        done = subprocess.run(
            [
                "make",
                "-s",
                "--no-print-directory",
                "-C",
                str(ROOT),
                "PYTHON=true",
                f"CLI={sys.executable} {script}",
                target,
                *variables,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


@pytest.mark.parametrize(
    ("target", "variables", "argv"),
    [
        ("search", [f"q={AWKWARD}"], ["search", "--", AWKWARD]),
        ("search", ["q=-draft", "limit=3", "json=1"], ["search", "--json", "--limit", "3", "--", "-draft"]),
        ("search", [], ["search", "--", ""]),  # the CLI says the query is empty
        ("trace", [f"key=uploads/{AWKWARD}"], ["trace", "--", f"uploads/{AWKWARD}"]),
        ("trace", ["key=-x.txt"], ["trace", "--", "-x.txt"]),
        ("invoke", ["fn=extract", f"key=uploads/{AWKWARD}"], ["invoke", "--", "extract", f"uploads/{AWKWARD}"]),
        (
            "invoke",
            ["fn=insert", "event=my event.json", "local=1"],
            ["invoke", "--event", "my event.json", "--local", "--", "insert"],
        ),
        ("logs", ["fn=extract", "follow=1"], ["logs", "--function", "extract", "--follow"]),
        (
            "migrate",
            [f"DATABASE_URL=postgresql://u:{AWKWARD}@db/search"],
            ["migrate", "--database-url", f"postgresql://u:{AWKWARD}@db/search"],
        ),
        (
            "plan-aws",
            ["profile=dev", "bucket=b", f"secret={AWKWARD}"],
            ["plan-aws", "--profile", "dev", "--bucket", "b", "--secret", AWKWARD],
        ),
        ("cost", ["minutes=5"], ["cost", "--minutes", "5"]),
    ],
)
def test_values_reach_the_cli_as_typed(make, target, variables, argv):
    assert make(target, *variables) == argv


def test_the_aws_profile_defaults_to_the_environments(make, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "from-env")
    assert make("plan-aws", "bucket=b", "secret=s")[:3] == ["plan-aws", "--profile", "from-env"]
    assert make("plan-aws", "profile=given", "bucket=b", "secret=s")[:3] == ["plan-aws", "--profile", "given"]
