"""template.yaml and bootstrap describe the same pipeline: resource by resource, from one Config.

The template is rendered offline (SAM transform + intrinsics) for the parameters the deploy step
derives from the configuration, and compared with what bootstrap's own functions build from the
same configuration. The live comparison of both deployments on LocalStack, environment variables
included, is in tests/cloudformation.
"""

from __future__ import annotations

import pytest

from awsdeploy import parameters
from awsdeploy.parameters import Deployment
from bootstrap import deploy, functions, iam, packaging, storage
from settings import config
from tests.unit.awsdeploy.render import ACCOUNT, REGION, load, render

DEPLOYMENT = Deployment(
    stack_name="s", bucket="acme-uploads", database_secret_id="pipeline/dsn", code_bucket="acme-code"
)
CODE_KEYS = {"extract": "functions/extract-1.zip", "insert": "functions/insert-1.zip"}


@pytest.fixture(scope="module")
def cfg() -> config.Config:
    return config.load()


@pytest.fixture(scope="module")
def resources(cfg) -> dict:
    return render(parameters.values(cfg, DEPLOYMENT, CODE_KEYS))


def of_type(resources: dict, kind: str) -> dict:
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == kind}


def dlq_arn() -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{DEPLOYMENT.dlq_name}"


def test_default_names_are_bootstraps(cfg):
    defaults = Deployment(stack_name="s", bucket="b", database_secret_id="x", code_bucket="c")
    assert defaults.function_name("extract") == config.Config.extract_function
    assert defaults.function_name("insert") == config.Config.insert_function
    assert defaults.dlq_name == config.Config.dlq_name


PARAMETER_SETTINGS = (
    ("UploadPrefix", "UPLOAD_PREFIX"),
    ("ExtractedPrefix", "EXTRACTED_PREFIX"),
    ("FunctionTimeout", "LAMBDA_TIMEOUT"),
    ("MaxRetries", "LAMBDA_MAX_RETRIES"),
    ("MaxEventAge", "LAMBDA_MAX_EVENT_AGE"),
    ("MaxContentChars", "MAX_CONTENT_CHARS"),
    ("MaxObjectBytes", "MAX_OBJECT_BYTES"),
)


def test_parameter_defaults_are_the_settings_defaults():
    declared = load()["Parameters"]
    for parameter, setting in PARAMETER_SETTINGS:
        assert str(declared[parameter]["Default"]) == config.SETTINGS[setting][0], parameter


def test_number_parameters_accept_what_the_settings_accept():
    declared = load()["Parameters"]
    for parameter, setting in PARAMETER_SETTINGS:
        if setting in config.RANGES:
            spec = declared[parameter]
            assert (spec.get("MinValue"), spec.get("MaxValue")) == config.RANGES[setting], parameter


def test_deploy_step_fills_every_parameter_without_a_default(cfg):
    declared = load()["Parameters"]
    given = parameters.values(cfg, DEPLOYMENT, CODE_KEYS)
    assert set(given) <= set(declared)
    assert {p for p, spec in declared.items() if "Default" not in spec} <= set(given)


@pytest.mark.parametrize("kind, memory", [("extract", deploy.EXTRACT_MEMORY_MB), ("insert", deploy.INSERT_MEMORY_MB)])
def test_functions_match_bootstrap(cfg, resources, kind, memory):
    function = resources[f"{kind.capitalize()}Function"]["Properties"]
    assert function["FunctionName"] == DEPLOYMENT.function_name(kind)
    assert function["Runtime"] == packaging.RUNTIME
    assert function["Handler"] == functions.HANDLER
    assert function["MemorySize"] == memory
    assert int(function["Timeout"]) == cfg.lambda_timeout
    assert function["Architectures"] == [packaging.architecture()]
    assert function["Code"] == {"S3Bucket": DEPLOYMENT.code_bucket, "S3Key": CODE_KEYS[kind]}
    expected = functions.environment(cfg, kind, mode="host")
    if "DATABASE_DSN" in expected:  # on AWS the same variable, resolved from the secret at deploy time
        expected["DATABASE_DSN"] = "{{resolve:secretsmanager:pipeline/dsn}}"
    assert {k: str(v) for k, v in function["Environment"]["Variables"].items()} == expected


def test_role_policies_are_bootstraps(cfg, resources):
    bucket = DEPLOYMENT.bucket
    expected = {
        "ExtractRole": iam.extract_policy(
            DEPLOYMENT.function_name("extract"), bucket, cfg.upload_prefix, cfg.extracted_prefix, dlq_arn()
        ),
        "InsertRole": iam.insert_policy(
            DEPLOYMENT.function_name("insert"), bucket, cfg.upload_prefix, cfg.extracted_prefix, dlq_arn()
        ),
    }
    for role_id, policy in expected.items():
        role = resources[role_id]["Properties"]
        assert role["AssumeRolePolicyDocument"] == iam.TRUST_POLICY
        assert [p["PolicyName"] for p in role["Policies"]] == [iam.POLICY_NAME]
        assert role["Policies"][0]["PolicyDocument"] == policy, role_id
        assert "ManagedPolicyArns" not in role, "no managed policy outside a VPC"
    roles = of_type(resources, "AWS::IAM::Role")
    assert set(roles) == set(expected), "the transform must not add roles"


def test_async_invoke_config_is_bootstraps(cfg, resources):
    configs = of_type(resources, "AWS::Lambda::EventInvokeConfig")
    assert len(configs) == 2
    for props in configs.values():
        assert props["Qualifier"] == "$LATEST"
        assert int(props["MaximumRetryAttempts"]) == cfg.lambda_max_retries
        assert int(props["MaximumEventAgeInSeconds"]) == cfg.lambda_max_event_age
        assert props["DestinationConfig"]["OnFailure"]["Destination"] == dlq_arn()


def test_dead_letter_queue_is_bootstraps(resources):
    queue = resources["DeadLetterQueue"]["Properties"]
    assert queue["QueueName"] == DEPLOYMENT.dlq_name
    assert queue["MessageRetentionPeriod"] == storage.DLQ_RETENTION_SECONDS


def _triples(configurations: list[dict]) -> set[tuple[str, str, str]]:
    """(function, event, prefix) of S3 notification configurations in the API's form."""
    triples = set()
    for c in configurations:
        rules = {r["Name"].lower(): r["Value"] for r in c["Filter"]["Key"]["FilterRules"]}
        triples |= {(c["LambdaFunctionArn"], event, rules["prefix"]) for event in c["Events"]}
    return triples


def test_notifications_are_bootstraps(cfg, resources):
    bucket = resources["Bucket"]["Properties"]
    from_template = [  # CloudFormation's spelling -> the API's
        {
            "LambdaFunctionArn": c["Function"],
            "Events": [c["Event"]],
            "Filter": {"Key": {"FilterRules": c["Filter"]["S3Key"]["Rules"]}},
        }
        for c in bucket["NotificationConfiguration"]["LambdaConfigurations"]
    ]
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
    from_bootstrap = [
        storage.lambda_notification("extract", arn + DEPLOYMENT.function_name("extract"), cfg.upload_prefix),
        storage.lambda_notification("insert", arn + DEPLOYMENT.function_name("insert"), cfg.extracted_prefix),
    ]
    assert _triples(from_template) == _triples(from_bootstrap)


def test_s3_may_invoke_the_functions_only_from_the_pipelines_bucket(resources):
    permissions = of_type(resources, "AWS::Lambda::Permission")
    assert len(permissions) == 2, "one per function; the SAM S3 event's account-wide permission is not used"
    for props in permissions.values():
        assert props["Principal"] == "s3.amazonaws.com"
        assert props["SourceArn"] == f"arn:aws:s3:::{DEPLOYMENT.bucket}"
        assert props["SourceAccount"] == ACCOUNT


def test_bucket_is_retained_and_private(resources):
    bucket = resources["Bucket"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    assert bucket["Properties"]["BucketName"] == DEPLOYMENT.bucket
    assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values())
    assert set(bucket["DependsOn"]) == {"ExtractInvokePermission", "InsertInvokePermission"}


def test_insert_joins_the_vpc_only_when_subnets_are_given(cfg):
    in_vpc = Deployment(
        **{**DEPLOYMENT.__dict__, "subnet_ids": ["subnet-1", "subnet-2"], "security_group_ids": ["sg-1"]}
    )
    resources = render(parameters.values(cfg, in_vpc, CODE_KEYS))
    insert = resources["InsertFunction"]["Properties"]
    assert insert["VpcConfig"] == {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]}
    assert resources["InsertRole"]["Properties"]["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess"
    ]
    assert "VpcConfig" not in resources["ExtractFunction"]["Properties"]
    assert "VpcConfig" not in render(parameters.values(cfg, DEPLOYMENT, CODE_KEYS))["InsertFunction"]["Properties"]


def test_vpc_placement_needs_subnets_and_security_groups(cfg):
    half = Deployment(**{**DEPLOYMENT.__dict__, "subnet_ids": ["subnet-1"]})
    with pytest.raises(Exception, match="both subnets and security groups"):
        parameters.values(cfg, half, CODE_KEYS)
