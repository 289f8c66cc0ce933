"""Subcommands of ``python -m cli``: ``plan-aws``, ``deploy-aws`` (the template on AWS) and
``migrate`` (the search schema on any PostgreSQL)."""

from __future__ import annotations

import argparse

from botocore.exceptions import ClientError

from awsdeploy import changeset, deploy, target
from awsdeploy.parameters import DEFAULT_NAME_PREFIX, Deployment
from pipeline_core.dsn import redact
from settings import db
from settings.config import Config

ERRORS = (target.TargetError, changeset.DeployError)
DEFAULT_STACK_NAME = "file-upload-extraction"


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _deployment(args, aws_session) -> Deployment:
    missing = [flag for flag, value in (("bucket", args.bucket), ("secret", args.secret)) if not value]
    if missing:
        raise target.TargetError(
            f"missing {' and '.join(missing)}: e.g. `make {args.command} profile={aws_session.profile_name} "
            "bucket=my-uploads-bucket secret=file-upload-extraction/database-dsn` (see README, Deploying to AWS)"
        )
    account = target.account_id(aws_session)
    return Deployment(
        stack_name=args.stack,
        bucket=args.bucket,
        database_secret_id=args.secret,
        code_bucket=args.code_bucket or f"{args.stack}-artifacts-{account}-{aws_session.region_name}",
        name_prefix=args.name_prefix,
        subnet_ids=_csv(args.subnets),
        security_group_ids=_csv(args.security_groups),
    )


def _on_aws(args, action) -> int:
    """Run ``action(deployment, s3, cfn, region)`` with checked AWS clients; AWS's refusals
    (access denied, a bucket name taken, ...) become one clear line instead of a traceback."""
    try:
        aws_session = target.session(args.profile, args.region)
        deployment = _deployment(args, aws_session)
        s3, cfn = target.client(aws_session, "s3"), target.client(aws_session, "cloudformation")
        return action(deployment, s3, cfn, aws_session.region_name)
    except ClientError as exc:
        error = exc.response["Error"]
        raise changeset.DeployError(
            f"AWS refused {exc.operation_name}: {error.get('Code')}: {error.get('Message')}"
        ) from None


def cmd_plan_aws(cfg: Config, args) -> int:
    def show(deployment: Deployment, s3, cfn, region: str) -> int:
        planned = deploy.plan(cfg, deployment, s3=s3, cfn=cfn, region=region)
        print(planned.describe())
        if planned.change_set_id:
            print(
                f"change set {planned.change_set_id} was not executed; `make deploy-aws` with the same "
                "settings applies it"
            )
        return 0

    return _on_aws(args, show)


def cmd_deploy_aws(cfg: Config, args) -> int:
    def apply(deployment: Deployment, s3, cfn, region: str) -> int:
        outputs = deploy.deploy(cfg, deployment, s3=s3, cfn=cfn, region=region)
        for key, value in sorted(outputs.items()):
            print(f"  {key}: {value}")
        print(f"stack {deployment.stack_name} is deployed in {region}")
        return 0

    return _on_aws(args, apply)


def cmd_migrate(cfg: Config, args) -> int:
    if not args.database_url:
        raise db.MigrationError(
            "no database given: `make migrate DATABASE_URL=postgresql://user:password@host:5432/search`"
        )
    try:
        conn = db.connect(args.database_url)
    except ValueError as exc:
        raise db.MigrationError(str(exc)) from None
    try:
        applied = db.migrate(conn)
    finally:
        conn.close()
    where = redact(args.database_url)
    print(f"migrated {where}: applied {', '.join(applied)}" if applied else f"{where}: schema up to date")
    return 0


def add_commands(sub) -> None:
    for name, func, what in (
        ("plan-aws", cmd_plan_aws, "package the functions and show the change set AWS would apply, unapplied"),
        ("deploy-aws", cmd_deploy_aws, "package the functions and deploy template.yaml to AWS"),
    ):
        parser = sub.add_parser(
            name,
            help=what,
            formatter_class=argparse.ArgumentDefaultsHelpFormatter,
            epilog="example: python -m cli " + name + " --profile prod --region eu-west-1 "
            "--bucket acme-uploads --secret file-upload-extraction/database-dsn",
        )
        parser.add_argument("--profile", default="", help="AWS profile (required; never the default one implied)")
        parser.add_argument("--region", default="", help="AWS region (default: the profile's)")
        parser.add_argument("--stack", default=DEFAULT_STACK_NAME, help="CloudFormation stack name")
        parser.add_argument("--bucket", default="", help="name of the uploads bucket to create (globally unique)")
        parser.add_argument("--secret", default="", help="Secrets Manager secret holding the database DSN")
        parser.add_argument("--name-prefix", default=DEFAULT_NAME_PREFIX, help="prefix of function and queue names")
        parser.add_argument("--subnets", default="", help="comma-separated subnet ids for the insert function")
        parser.add_argument("--security-groups", default="", help="comma-separated security group ids for insert")
        parser.add_argument(
            "--code-bucket",
            default="",
            help="bucket for the function zips (default <stack>-artifacts-<account>-<region>)",
        )
        parser.set_defaults(func=func)
    migrate = sub.add_parser(
        "migrate",
        help="apply the search schema's migrations to any PostgreSQL",
        epilog="example: python -m cli migrate --database-url postgresql://u:p@db:5432/search",
    )
    migrate.add_argument("--database-url", default="", help="postgresql://user:password@host:port/database")
    migrate.set_defaults(func=cmd_migrate)
