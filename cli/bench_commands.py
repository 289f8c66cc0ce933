"""`pipeline bench ...`: the benchmarks, one subcommand each. Not part of `make test`.

Each benchmark keeps its own option parser (``--help`` after the subcommand shows it); this
group only names them, so that ``pipeline --help`` lists every benchmark in one place.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import click

# subcommand -> (module whose main(argv) runs it, one line of help, an example)
BENCHMARKS: dict[str, tuple[str, str, str]] = {
    "pipeline": (
        "bench.__main__",
        "Latency upload -> extracted -> searchable, burst throughput and cold start on the running stack.",
        "pipeline bench pipeline --count 1000   (make bench n=1000)",
    ),
    "extract": (
        "bench.extract_bench",
        "Worst-case files through the extractors: time and peak memory per case (no stack needed).",
        "pipeline bench extract --cases html,docx-bomb   (make bench-extract cases=html,docx-bomb)",
    ),
    "reload": (
        "bench.reload_bench",
        "Edit -> live time of a hot-reloaded function (its own copy of extract).",
        "pipeline bench reload --edits 10   (make bench-reload edits=10)",
    ),
    "executor": (
        "bench.executor_bench",
        "Invoke latency of a trivial function: cold start and warm invokes.",
        "pipeline bench executor --warm 200",
    ),
    "dashboard": (
        "bench.dashboard_bench",
        "Render time of the dashboard's pages for many files; --live also uploads them.",
        "pipeline bench dashboard --count 1000 --live",
    ),
}


def _benchmark(name: str, module: str, summary: str, example: str) -> click.Command:
    @click.command(
        name=name,
        help=f"{summary}\n\nOptions: `pipeline bench {name} --help`.",
        epilog=f"\b\nExample:\n  {example}",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        add_help_option=False,
    )
    @click.argument("options", nargs=-1, type=click.UNPROCESSED)
    def run(options: tuple[str, ...]) -> int:
        main: Callable[[list[str]], int] = importlib.import_module(module).main
        return main(list(options))

    return run


@click.group(name="bench")
def bench() -> None:
    """Benchmarks: figures printed, JSON kept; not part of `make test`."""


for _name, (_module, _summary, _example) in BENCHMARKS.items():
    bench.add_command(_benchmark(_name, _module, _summary, _example))

COMMANDS = [bench]
