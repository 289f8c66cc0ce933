"""Commands that start, deploy, inspect and stop the stack."""

from __future__ import annotations

import subprocess

import click

from bootstrap.deploy import deploy
from lifecycle import compose, stack
from operations import function_logs
from settings.config import Config
from settings.errors import UserError

pass_config = click.make_pass_decorator(Config)


@click.command()
@pass_config
def up(cfg: Config) -> int:
    """Start LocalStack + PostgreSQL (Docker if an engine answers, else on the host) and deploy.

    \b
    Example:
      pipeline up                 (make up)
      HOT_RELOAD=1 pipeline up    (make dev: functions run from lambdas/)
    """
    from dashboard import service

    with stack.exclusive(cfg):
        mode = stack.up(cfg)
        click.echo(deploy(cfg).summary())
        click.echo(f"dashboard: {service.start(cfg)}")
    click.echo(f"stack is up ({mode} mode): try `make search q=...` or see README.md")
    return 0


@click.command()
@pass_config
def bootstrap(cfg: Config) -> int:
    """Create or update the bucket, functions, notifications and schema (idempotent).

    \b
    Example:
      pipeline bootstrap          (make bootstrap)
    """
    with stack.exclusive(cfg):
        click.echo(deploy(cfg).summary())
    return 0


@click.command()
@click.option("--delete-data", is_flag=True, help="Also delete the database and LocalStack's data.")
@pass_config
def down(cfg: Config, delete_data: bool) -> int:
    """Stop everything `pipeline up` started.

    \b
    Example:
      pipeline down               (make down)
      pipeline down --delete-data (make clean)
    """
    from dashboard import service

    with stack.exclusive(cfg):
        click.echo(f"dashboard: {service.stop(cfg)}")
        stack.down(cfg, delete_data=delete_data)
    return 0


@click.command()
@pass_config
def status(cfg: Config) -> int:
    """Show what is running.

    \b
    Example:
      pipeline status             (make status)
    """
    from dashboard import service

    click.echo("\n".join([*stack.status(cfg), service.status(cfg)]))
    return 0


@click.command()
@click.option("--function", "-f", "function", help="extract, insert or a function name: its CloudWatch log.")
@click.option("--follow", is_flag=True, help="Keep printing new lines.")
@click.option("--minutes", type=click.IntRange(min=1), default=60, show_default=True, help="How far back to start.")
@pass_config
def logs(cfg: Config, function: str | None, follow: bool, minutes: int) -> int:
    """LocalStack's log, or one function's log.

    \b
    Example:
      pipeline logs --function extract --follow   (make logs fn=extract follow=1)
    """
    if function:
        return function_logs.tail(cfg, cfg.function_name(function), minutes=minutes, follow=follow)
    if stack.active_mode(cfg) == "docker":
        return subprocess.call(compose.compose_command(cfg, "logs", "--tail", "200", *(["--follow"] if follow else [])))
    logfile = cfg.localstack_dir / "localstack.log"
    if not logfile.exists():
        raise UserError("no LocalStack log yet: run `make up`")
    return subprocess.call(["tail", "-n", "200", *(["-F"] if follow else []), str(logfile)])


@click.command()
@pass_config
def ui(cfg: Config) -> int:
    """Serve the dashboard on 127.0.0.1:UI_PORT, unless `pipeline up` already started it.

    \b
    Example:
      pipeline ui                 (make ui; then open http://127.0.0.1:8080)
    """
    from dashboard import __main__ as dashboard_main
    from dashboard import service

    if service.answers(cfg.ui_port):
        click.echo(f"the dashboard already runs on {cfg.ui_url} (started by `make up`)")
        return 0
    return dashboard_main.main([])


COMMANDS = [up, bootstrap, down, status, logs, ui]
