"""Every word of a search is a search word: exclusions that look like options stay words."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli import app
from operations import search


@pytest.fixture
def queries(monkeypatch):
    seen = []
    monkeypatch.setattr(search, "run", lambda cfg, query, limit, as_json: seen.append((query, limit, as_json)) or 0)
    return seen


@pytest.mark.parametrize(
    ("args", "query", "limit", "as_json"),
    [
        (["-hello"], "-hello", 10, False),  # not -h -e -l -l -o
        (["invoice", "-h"], "invoice -h", 10, False),
        (["report", "-draft", "--limit", "3"], "report -draft", 3, False),
        (["--json", "--", "--limit", "-x"], "--limit -x", 10, True),
    ],
)
def test_words_that_look_like_options_are_searched(queries, args, query, limit, as_json):
    result = CliRunner().invoke(app.pipeline, ["search", *args])
    assert result.exit_code == 0, result.output
    assert queries == [(query, limit, as_json)]


def test_help_is_still_there(queries):
    result = CliRunner().invoke(app.pipeline, ["search", "--help"])
    assert result.exit_code == 0 and "Example" in result.output
    assert queries == []
