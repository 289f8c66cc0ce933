"""Package, plan and deploy the template: the steps `make plan-aws` / `make deploy-aws` and the
CloudFormation test share, whatever the clients point at."""

from __future__ import annotations

from awsdeploy import artifacts, changeset, parameters
from awsdeploy.parameters import Deployment
from bootstrap import storage
from bootstrap.report import Report
from settings.config import Config


def prepare(cfg: Config, deployment: Deployment, s3, region: str, log=print) -> list[dict]:
    """Build and upload the function zips; returns the stack's parameters."""
    storage.check_prefixes(cfg.upload_prefix, cfg.extracted_prefix)
    log(f"packaging functions into s3://{deployment.code_bucket}/{artifacts.KEY_PREFIX}")
    packages = artifacts.build(cfg.build_dir)
    storage.ensure_bucket(s3, deployment.code_bucket, region, Report(log))  # private by default on AWS
    keys = artifacts.upload(s3, deployment.code_bucket, packages, log=log)
    return parameters.as_cloudformation(parameters.values(cfg, deployment, keys))


def plan(cfg: Config, deployment: Deployment, *, s3, cfn, region: str, log=print) -> changeset.Plan:
    stack_parameters = prepare(cfg, deployment, s3, region, log=log)
    return changeset.plan(cfn, deployment.stack_name, parameters.template_body(), stack_parameters)


def deploy(cfg: Config, deployment: Deployment, *, s3, cfn, region: str, log=print) -> dict[str, str]:
    """Plan and apply; returns the stack's outputs."""
    planned = plan(cfg, deployment, s3=s3, cfn=cfn, region=region, log=log)
    log(planned.describe())
    return changeset.apply(cfn, planned)
