"""Every command of `pipeline` explains itself: --help works and shows an example."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from cli import app, bench_commands


def _leaves(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _leaves(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


COMMANDS = _leaves(app.pipeline)


def test_the_benchmarks_are_commands():
    assert {path for path, _ in COMMANDS if path[0] == "bench"} == {
        ("bench", name) for name in bench_commands.BENCHMARKS
    }


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS])
def test_every_command_has_an_example(path, command):
    with click.Context(command, info_name=" ".join(("pipeline", *path))) as ctx:
        text = command.get_help(ctx)
    assert "Example" in text, text


@pytest.mark.parametrize("name", list(bench_commands.BENCHMARKS))
def test_a_benchmark_shows_its_own_options(name, capsys):
    with pytest.raises(SystemExit) as exit_:
        app.main(["bench", name, "--help"])
    assert exit_.value.code == 0
    assert f"usage: pipeline bench {name}" in capsys.readouterr().out


def test_a_benchmark_refuses_an_unknown_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        app.main(["bench", "executor", "--no-such-option"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_the_group_lists_the_benchmarks():
    result = CliRunner().invoke(app.pipeline, ["bench", "--help"])
    assert result.exit_code == 0
    for name in bench_commands.BENCHMARKS:
        assert f"  {name} " in result.output
