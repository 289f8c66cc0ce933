"""Commands that operate a running pipeline: search, trace, failures, repair, replay, watch, cost."""

from __future__ import annotations

import click

from operations import dlq, invoke, reconcile, search, trace, watch
from settings.config import Config
from settings.errors import UserError
from settings.printable import printable

pass_config = click.make_pass_decorator(Config)


# Every word of a query is a search word, "-draft" and "-hello" too: only the long options are options.
@click.command(name="search", context_settings={"ignore_unknown_options": True, "help_option_names": ["--help"]})
@click.argument("words", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="At most this many hits.")
@pass_config
def search_command(cfg: Config, words: tuple[str, ...], as_json: bool, limit: int) -> int:
    """Full-text search of the extracted documents: words, "a phrase", or, -exclude.

    Words that start with "-" exclude; after "--" even "--json" is a word.

    \b
    Example:
      pipeline search invoice -draft --limit 5   (make search q='invoice -draft' limit=5)
      pipeline search --json '"annual report"'   (make search q='"annual report"' json=1)
    """
    return search.run(cfg, " ".join(words), limit=limit, as_json=as_json)


@click.command(name="trace")
@click.argument("key")
@pass_config
def trace_command(cfg: Config, key: str) -> int:
    """Where one file is: uploaded, extracted, indexed, failures, log lines.

    KEY is uploads/..., extracted/... or the key relative to them.

    \b
    Example:
      pipeline trace uploads/report.pdf          (make trace key=uploads/report.pdf)
    """
    if not key.strip():
        raise UserError(f"say which file: make trace key={cfg.upload_prefix}report.pdf")
    click.echo("\n".join(printable(line) for line in trace.trace(cfg, key)))
    return 0


@click.command(name="dlq")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
@pass_config
def dlq_command(cfg: Config, as_json: bool) -> int:
    """Events that failed after all retries, with the reason.

    \b
    Example:
      pipeline dlq --json                        (make dlq json=1)
    """
    return dlq.print_failed(cfg, as_json=as_json)


@click.command()
@pass_config
def redrive(cfg: Config) -> int:
    """Process the dead-letter queue's events again; a message is deleted only when its re-run worked.

    \b
    Example:
      pipeline redrive                           (make redrive)
    """
    ok, failing = dlq.redrive(cfg)
    click.echo(f"redrive: {ok} re-processed, {failing} still failing")
    return 1 if failing else 0


@click.command(name="reconcile")
@click.option("--dry-run", is_flag=True, help="Only report what is stuck.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@pass_config
def reconcile_command(cfg: Config, dry_run: bool, as_json: bool) -> int:
    """Find files stuck between uploads/, extracted/ and the index, and re-drive them.

    Exit status 1 when something is still stuck after the re-drive.

    \b
    Example:
      pipeline reconcile --dry-run               (make reconcile dry_run=1)
    """
    return reconcile.run(cfg, dry_run=dry_run, as_json=as_json)


@click.command(name="invoke")
@click.argument("function", type=click.Choice(sorted(invoke.KINDS)))
@click.argument("key", required=False)
@click.option("--event", "event_file", type=click.Path(dir_okay=False), help="A JSON event file instead of a key.")
@click.option("--local", is_flag=True, help="Run the handler in this terminal (breakpoint() works) against the stack.")
@pass_config
def invoke_command(cfg: Config, function: str, key: str | None, event_file: str | None, local: bool) -> int:
    """Replay one file (or an event) through one function, synchronously.

    Prints the result, the function's log lines and the duration; exit status 1 when the function failed.

    \b
    Example:
      pipeline invoke extract uploads/report.pdf  (make invoke fn=extract key=uploads/report.pdf)
      pipeline invoke insert --event event.json   (make invoke fn=insert event=event.json)
    """
    return invoke.run(cfg, function, key=key, event_file=event_file, local=local)


@click.command(name="watch")
@pass_config
def watch_command(cfg: Config) -> int:
    """Follow both functions' logs and each upload's or delete's stages, with latency (Ctrl-C stops).

    \b
    Example:
      pipeline watch                             (make watch)
    """
    return watch.run(cfg)


@click.command()
@click.option(
    "--minutes", type=click.IntRange(min=1), default=60, show_default=True, help="Observe the last N minutes."
)
@pass_config
def cost(cfg: Config, minutes: int) -> int:
    """What the observed workload would cost on AWS (us-east-1 prices).

    \b
    Example:
      pipeline cost --minutes 10                 (make cost minutes=10)
    """
    from dashboard import cost as cost_model

    work = cost_model.observe(cfg, minutes)
    click.echo(cost_model.format_estimate(work, cost_model.estimate(work), minutes))
    return 0


COMMANDS = [
    search_command,
    trace_command,
    dlq_command,
    redrive,
    reconcile_command,
    invoke_command,
    watch_command,
    cost,
]
