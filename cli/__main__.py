"""The project's command line: ``python -m cli <command>`` (the Makefile targets call this)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from botocore.exceptions import EndpointConnectionError

from awsdeploy import cli as awsdeploy_cli
from bootstrap.deploy import NotRunning, deploy
from bootstrap.hot_reload import NotReadable
from bootstrap.storage import RecursionLoopError
from lifecycle import compose, localstack_host, stack
from operations import dlq, function_logs, invoke, reconcile, trace, watch
from settings import config, db
from settings.printable import printable


def cmd_up(cfg: config.Config, args) -> int:
    mode = stack.up(cfg)
    report = deploy(cfg)
    print(report.summary())
    from dashboard import service

    print(f"dashboard: {service.start(cfg)}")
    print(f"stack is up ({mode} mode): try `make search q=...` or see README.md")
    return 0


def cmd_down(cfg: config.Config, args) -> int:
    from dashboard import service

    print(f"dashboard: {service.stop(cfg)}")
    stack.down(cfg, delete_data=args.delete_data)
    return 0


def cmd_status(cfg: config.Config, args) -> int:
    from dashboard import service

    print("\n".join([*stack.status(cfg), service.status(cfg)]))
    return 0


def cmd_logs(cfg: config.Config, args) -> int:
    if args.function:
        return function_logs.tail(cfg, cfg.function_name(args.function), minutes=args.minutes, follow=args.follow)
    if stack.active_mode(cfg) == "docker":
        return subprocess.call(
            compose.compose_command(cfg, "logs", "--tail", "200", *(["--follow"] if args.follow else []))
        )
    logfile = cfg.localstack_dir / "localstack.log"
    if not logfile.exists():
        print("no LocalStack log yet: run `make up`", file=sys.stderr)
        return 1
    return subprocess.call(["tail", "-n", "200"] + (["-F"] if args.follow else []) + [str(logfile)])


def cmd_search(cfg: config.Config, args) -> int:
    from operations import search

    return search.main(args.rest)


def cmd_dlq(cfg: config.Config, args) -> int:
    return dlq.print_failed(cfg, as_json=args.json)


def cmd_redrive(cfg: config.Config, args) -> int:
    ok, failing = dlq.redrive(cfg)
    print(f"redrive: {ok} re-processed, {failing} still failing")
    return 1 if failing else 0


def cmd_reconcile(cfg: config.Config, args) -> int:
    return reconcile.run(cfg, dry_run=args.dry_run, as_json=args.json)


def cmd_trace(cfg: config.Config, args) -> int:
    print("\n".join(printable(line) for line in trace.trace(cfg, args.key)))
    return 0


def cmd_invoke(cfg: config.Config, args) -> int:
    return invoke.main(cfg, args)


def cmd_watch(cfg: config.Config, args) -> int:
    return watch.run(cfg)


def cmd_ui(cfg: config.Config, args) -> int:
    from dashboard import __main__ as dashboard_main
    from dashboard import service

    if service.answers(cfg.ui_port):
        print(f"the dashboard already runs on {cfg.ui_url} (started by `make up`)")
        return 0
    return dashboard_main.main([])


def cmd_cost(cfg: config.Config, args) -> int:
    from dashboard import cost

    work = cost.observe(cfg, args.minutes)
    print(cost.format_estimate(work, cost.estimate(work), args.minutes))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fue", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the stack (Docker or host mode) and deploy the pipeline").set_defaults(func=cmd_up)
    down = sub.add_parser("down", help="stop everything the stack started")
    down.add_argument("--delete-data", action="store_true", help="also delete Docker mode's volumes")
    down.set_defaults(func=cmd_down)
    sub.add_parser("status", help="what is running").set_defaults(func=cmd_status)
    logs = sub.add_parser("logs", help="LocalStack's log, or a function's CloudWatch log with --function")
    logs.add_argument("--function", "-f", help="extract, insert or a function name")
    logs.add_argument("--follow", action="store_true")
    logs.add_argument("--minutes", type=int, default=60, help="how far back to start (default 60)")
    logs.set_defaults(func=cmd_logs)
    search = sub.add_parser("search", help="full-text search (see `python -m cli search --help`)", add_help=False)
    search.add_argument("rest", nargs=argparse.REMAINDER)
    search.set_defaults(func=cmd_search)
    dlq_parser = sub.add_parser("dlq", help="list events that failed after all retries, with the reason")
    dlq_parser.add_argument("--json", action="store_true")
    dlq_parser.set_defaults(func=cmd_dlq)
    sub.add_parser("redrive", help="process the dead-letter queue's events again").set_defaults(func=cmd_redrive)
    rec = sub.add_parser("reconcile", help="find files stuck at a stage and re-drive them")
    rec.add_argument("--dry-run", action="store_true", help="only report")
    rec.add_argument("--json", action="store_true")
    rec.set_defaults(func=cmd_reconcile)
    tr = sub.add_parser("trace", help="where one file is: uploaded, extracted, indexed, failures, log lines")
    tr.add_argument("key", help="uploads/..., extracted/... or the relative key")
    tr.set_defaults(func=cmd_trace)
    inv = sub.add_parser("invoke", help="replay one file (or an event) through one function, synchronously")
    inv.add_argument("function", help="extract or insert")
    inv.add_argument("key", nargs="?", help="uploads/... (insert: its document is used)")
    inv.add_argument("--event", help="a JSON event file instead of a key")
    inv.add_argument(
        "--local",
        action="store_true",
        help="run the handler in this terminal (breakpoint() works) against the running stack",
    )
    inv.set_defaults(func=cmd_invoke)
    sub.add_parser("watch", help="follow both functions' logs and each new upload's stages").set_defaults(
        func=cmd_watch
    )
    sub.add_parser("ui", help="serve the dashboard on 127.0.0.1:UI_PORT (unless `make up` already did)").set_defaults(
        func=cmd_ui
    )
    cost_parser = sub.add_parser("cost", help="what the observed workload would cost on AWS (us-east-1)")
    cost_parser.add_argument("--minutes", type=int, default=60, help="observe the last N minutes (default 60)")
    cost_parser.set_defaults(func=cmd_cost)
    awsdeploy_cli.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cfg = config.load()
    try:
        return args.func(cfg, args)
    except (
        stack.StackError,
        localstack_host.StartError,
        NotRunning,
        NotReadable,
        RecursionLoopError,
        db.DatabaseUnavailable,
        db.MigrationError,
        *awsdeploy_cli.ERRORS,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except EndpointConnectionError:
        print(f"error: LocalStack does not answer on {cfg.endpoint_url}: run `make up`", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # Output piped into e.g. `head`, which stopped reading: not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
