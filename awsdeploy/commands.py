"""What ``pipeline plan-aws``, ``deploy-aws`` (the template on AWS) and ``migrate`` (the search
schema on any PostgreSQL) do; the options are parsed by ``cli.aws_commands``."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from awsdeploy import changeset, deploy, target
from awsdeploy.parameters import DEFAULT_NAME_PREFIX, Deployment
from pipeline_core.dsn import redact
from settings import db
from settings.config import BUCKET_NAME, BUCKET_RULE, Config

DEFAULT_STACK_NAME = "file-upload-extraction"


@dataclass(frozen=True)
class AwsRequest:
    """Where and what to deploy, as given on the command line."""

    command: str
    profile: str
    region: str = ""
    stack: str = DEFAULT_STACK_NAME
    bucket: str = ""
    secret: str = ""
    name_prefix: str = DEFAULT_NAME_PREFIX
    subnets: str = ""
    security_groups: str = ""
    code_bucket: str = ""


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _deployment(args: AwsRequest, aws_session) -> Deployment:
    missing = [flag for flag, value in (("bucket", args.bucket), ("secret", args.secret)) if not value]
    if missing:
        raise target.TargetError(
            f"missing {' and '.join(missing)}: e.g. `make {args.command} profile={aws_session.profile_name} "
            "bucket=my-uploads-bucket secret=file-upload-extraction/database-dsn` (see README, Deploying to AWS)"
        )
    if not BUCKET_NAME.fullmatch(args.bucket):  # the template creates it
        raise target.TargetError(f"bucket must be {BUCKET_RULE}, not {args.bucket!r}")
    account = target.account_id(aws_session)
    code_bucket = args.code_bucket or f"{args.stack}-artifacts-{account}-{aws_session.region_name}".lower()
    if not args.code_bucket and not BUCKET_NAME.fullmatch(code_bucket):
        raise target.TargetError(
            f"the zips' bucket would be {code_bucket!r}, not a valid S3 bucket name: "
            "name an existing one with code_bucket=, or a shorter stack="
        )
    return Deployment(
        stack_name=args.stack,
        bucket=args.bucket,
        database_secret_id=args.secret,
        code_bucket=code_bucket,
        name_prefix=args.name_prefix,
        subnet_ids=_csv(args.subnets),
        security_group_ids=_csv(args.security_groups),
    )


def _on_aws(args: AwsRequest, action) -> int:
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


def plan_aws(cfg: Config, args: AwsRequest) -> int:
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


def deploy_aws(cfg: Config, args: AwsRequest) -> int:
    def apply(deployment: Deployment, s3, cfn, region: str) -> int:
        outputs = deploy.deploy(cfg, deployment, s3=s3, cfn=cfn, region=region)
        for key, value in sorted(outputs.items()):
            print(f"  {key}: {value}")
        print(f"stack {deployment.stack_name} is deployed in {region}")
        return 0

    return _on_aws(args, apply)


def migrate(database_url: str) -> int:
    if not database_url:
        raise db.MigrationError(
            "no database given: `make migrate DATABASE_URL=postgresql://user:password@host:5432/search`"
        )
    try:
        conn = db.connect(database_url)
    except ValueError as exc:
        raise db.MigrationError(str(exc)) from None
    try:
        applied = db.migrate(conn)
    finally:
        conn.close()
    where = redact(database_url)
    print(f"migrated {where}: applied {', '.join(applied)}" if applied else f"{where}: schema up to date")
    return 0
