"""The project's command line: ``python -m fue <command>`` (the Makefile targets call this)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from botocore.exceptions import EndpointConnectionError

from bootstrap.deploy import NotRunning, deploy
from bootstrap.storage import RecursionLoopError
from fue import compose, config, db, dlq, function_logs, localstack_host, reconcile, stack, trace
from fue.printable import printable


def cmd_up(cfg: config.Config, args) -> int:
    mode = stack.up(cfg)
    report = deploy(cfg)
    print(report.summary())
    print(f"stack is up ({mode} mode): try `make search q=...` or see README.md")
    return 0


def cmd_down(cfg: config.Config, args) -> int:
    stack.down(cfg, delete_data=args.delete_data)
    return 0


def cmd_status(cfg: config.Config, args) -> int:
    print("\n".join(stack.status(cfg)))
    return 0


def cmd_logs(cfg: config.Config, args) -> int:
    if args.function:
        return function_logs.tail(cfg, cfg.function_name(args.function), minutes=args.minutes, follow=args.follow)
    if stack.active_mode(cfg) == "docker":
        return subprocess.call(compose.compose_command(cfg, "logs", "--tail", "200", *(["--follow"] if args.follow else [])))
    logfile = cfg.localstack_dir / "localstack.log"
    if not logfile.exists():
        print("no LocalStack log yet: run `make up`", file=sys.stderr)
        return 1
    return subprocess.call(["tail", "-n", "200"] + (["-F"] if args.follow else []) + [str(logfile)])


def cmd_search(cfg: config.Config, args) -> int:
    from fue import search

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
    search = sub.add_parser("search", help="full-text search (see `python -m fue search --help`)", add_help=False)
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cfg = config.load()
    try:
        return args.func(cfg, args)
    except (stack.StackError, localstack_host.StartError, NotRunning, RecursionLoopError,
            db.DatabaseUnavailable, db.MigrationError) as exc:
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
