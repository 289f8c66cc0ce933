"""The template's parameters, taken from the project's configuration (``settings.config``).

Settings that bootstrap hands the functions locally (prefixes, timeout, retries, limits) reach
the template from the same ``Config``; what only a cloud deployment has (bucket name, the
database secret, VPC placement, where the code lives) comes from the deploy command.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from awsdeploy.changeset import DeployError
from bootstrap import packaging
from settings.config import PROJECT_ROOT, Config

TEMPLATE = PROJECT_ROOT / "template.yaml"
DEFAULT_NAME_PREFIX = "file-extraction"


@dataclass(frozen=True)
class Deployment:
    """What a deployment of the template needs besides the project's configuration."""

    stack_name: str
    bucket: str
    database_secret_id: str
    code_bucket: str
    name_prefix: str = DEFAULT_NAME_PREFIX
    subnet_ids: list[str] = field(default_factory=list)
    security_group_ids: list[str] = field(default_factory=list)

    def function_name(self, kind: str) -> str:
        return f"{self.name_prefix}-{kind}"

    @property
    def dlq_name(self) -> str:
        return f"{self.name_prefix}-dlq"


def template_body() -> str:
    return TEMPLATE.read_text()


def values(cfg: Config, deployment: Deployment, code_keys: dict[str, str]) -> dict[str, str]:
    if bool(deployment.subnet_ids) != bool(deployment.security_group_ids):
        raise DeployError("the insert function's VPC placement needs both subnets and security groups")
    return {
        "BucketName": deployment.bucket,
        "NamePrefix": deployment.name_prefix,
        "UploadPrefix": cfg.upload_prefix,
        "ExtractedPrefix": cfg.extracted_prefix,
        "DatabaseSecretId": deployment.database_secret_id,
        "SubnetIds": ",".join(deployment.subnet_ids),
        "SecurityGroupIds": ",".join(deployment.security_group_ids),
        "CodeBucket": deployment.code_bucket,
        "ExtractCodeKey": code_keys["extract"],
        "InsertCodeKey": code_keys["insert"],
        "Architecture": packaging.architecture(),
        "FunctionTimeout": str(cfg.lambda_timeout),
        "MaxRetries": str(cfg.lambda_max_retries),
        "MaxEventAge": str(cfg.lambda_max_event_age),
        "MaxContentChars": str(cfg.max_content_chars),
        "MaxObjectBytes": str(cfg.max_object_bytes),
    }


def as_cloudformation(parameters: dict[str, str]) -> list[dict]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]
