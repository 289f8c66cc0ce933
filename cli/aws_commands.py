"""Commands for AWS: the SAM template planned or deployed with an explicit profile, and the
search schema migrated on any PostgreSQL."""

from __future__ import annotations

import functools

import click

from awsdeploy import commands
from awsdeploy.parameters import DEFAULT_NAME_PREFIX
from settings.config import Config

pass_config = click.make_pass_decorator(Config)

EXAMPLE = "--profile prod --region eu-west-1 --bucket acme-uploads --secret file-upload-extraction/database-dsn"


def aws_options(command):
    """The options plan-aws and deploy-aws share."""
    options = [
        click.option("--profile", default="", help="AWS profile (required; never the default one implied)."),
        click.option("--region", default="", help="AWS region (default: the profile's)."),
        click.option("--stack", default=commands.DEFAULT_STACK_NAME, show_default=True, help="CloudFormation stack."),
        click.option("--bucket", default="", help="Name of the uploads bucket to create (globally unique)."),
        click.option("--secret", default="", help="Secrets Manager secret holding the database DSN."),
        click.option("--name-prefix", default=DEFAULT_NAME_PREFIX, show_default=True, help="Function/queue prefix."),
        click.option("--subnets", default="", help="Comma-separated subnet ids for the insert function."),
        click.option("--security-groups", default="", help="Comma-separated security group ids for insert."),
        click.option(
            "--code-bucket", default="", help="Bucket for the zips (default <stack>-artifacts-<account>-<region>)."
        ),
    ]
    return functools.reduce(lambda wrapped, option: option(wrapped), reversed(options), command)


@click.command(name="plan-aws", epilog=f"\b\nExample:\n  pipeline plan-aws {EXAMPLE}")
@aws_options
@pass_config
def plan_aws(cfg: Config, **options: str) -> int:
    """Package the functions and show the change set AWS would apply, without applying it (make plan-aws)."""
    return commands.plan_aws(cfg, commands.AwsRequest(command="plan-aws", **options))


@click.command(name="deploy-aws", epilog=f"\b\nExample:\n  pipeline deploy-aws {EXAMPLE}")
@aws_options
@pass_config
def deploy_aws(cfg: Config, **options: str) -> int:
    """Package the functions and deploy template.yaml to AWS (make deploy-aws)."""
    return commands.deploy_aws(cfg, commands.AwsRequest(command="deploy-aws", **options))


@click.command(epilog="\b\nExample:\n  pipeline migrate --database-url postgresql://u:p@db:5432/search")
@click.option("--database-url", default="", help="postgresql://user:password@host:port/database")
def migrate(database_url: str) -> int:
    """Apply the search schema's migrations to any PostgreSQL (make migrate DATABASE_URL=...)."""
    return commands.migrate(database_url)


COMMANDS = [plan_aws, deploy_aws, migrate]
