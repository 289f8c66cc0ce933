"""The command group and the one place where errors meet people.

Commands return an exit status. A :class:`~settings.errors.UserError` (or LocalStack not
answering) is printed as one ``error:`` line, exit status 1; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import os
import sys

import click
from botocore.exceptions import EndpointConnectionError

from cli import aws_commands, bench_commands, pipeline_commands, stack_commands
from settings import config
from settings.errors import UserError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.pass_context
def pipeline(ctx: click.Context) -> None:
    """file-upload-extraction: run, deploy and operate the S3 -> extract -> insert -> search pipeline
    on LocalStack. Settings come from the environment or .env (README, "Configuration").

    \b
    Examples:
      pipeline up                      start the stack and deploy (make up)
      pipeline search invoice -draft   full-text search (make search q='invoice -draft')
      pipeline trace uploads/report.pdf
    """
    ctx.obj = config.load()


for module in (stack_commands, pipeline_commands, aws_commands, bench_commands):
    for command in module.COMMANDS:
        pipeline.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Run one command; the exit status for ``sys.exit``."""
    try:
        status = pipeline.main(args=argv, prog_name="pipeline", standalone_mode=False)
    except UserError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except EndpointConnectionError:
        click.echo(f"error: LocalStack does not answer on {config.load().endpoint_url}: run `make up`", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        return 130
    except BrokenPipeError:
        # Output piped into e.g. `head`, which stopped reading: not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return status if isinstance(status, int) else 0
