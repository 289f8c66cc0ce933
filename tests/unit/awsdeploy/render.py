"""template.yaml as CloudFormation would deploy it, without CloudFormation: the SAM transform
(the same translator LocalStack and AWS run), then the intrinsic functions the template uses,
resolved for given parameter values. Enough for the template's drift tests, not a general engine."""

from __future__ import annotations

import contextlib
import copy
import os
import re

from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform

from awsdeploy.parameters import TEMPLATE

ACCOUNT, REGION, PARTITION = "123456789012", "us-east-1", "aws"
NO_VALUE = object()


class _NoManagedPolicies:
    def load(self) -> dict:
        return {}


@contextlib.contextmanager
def _region(region: str):
    before = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        yield
    finally:
        if before is None:
            del os.environ["AWS_DEFAULT_REGION"]
        else:
            os.environ["AWS_DEFAULT_REGION"] = before


def load() -> dict:
    return cfn_yaml.loads(TEMPLATE.read_text())


def render(parameters: dict[str, str]) -> dict:
    """The transformed template's resources, intrinsics resolved. ``parameters`` override defaults."""
    template = load()
    values = {name: spec.get("Default") for name, spec in template["Parameters"].items()}
    values.update(parameters)
    with _region(REGION):  # the translator reads the region from boto3's default session
        transformed = transform(copy.deepcopy(template), values, _NoManagedPolicies())
    resources = transformed["Resources"]
    lists = {name for name, spec in template["Parameters"].items() if spec.get("Type") == "CommaDelimitedList"}
    context = _Context(values, lists, resources, transformed.get("Conditions", {}))
    rendered = {}
    for logical_id, resource in resources.items():
        if "Condition" in resource and not context.condition(resource["Condition"]):
            continue
        rendered[logical_id] = {**resource, "Properties": context.resolve(resource.get("Properties", {}))}
    return rendered


class _Context:
    def __init__(self, parameters: dict, lists: set[str], resources: dict, conditions: dict):
        self.parameters, self.lists, self.resources, self.conditions = parameters, lists, resources, conditions

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.conditions[name]))

    def ref(self, name: str):
        pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::NoValue": NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            value = self.parameters[name]
            if name in self.lists:
                return str(value).split(",")
            return value
        return self._physical(name)

    def _physical(self, logical_id: str) -> str:
        properties = self.resolve(self.resources[logical_id].get("Properties", {}))
        for name in ("FunctionName", "QueueName", "BucketName"):
            if name in properties:
                return properties[name]
        return logical_id

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind = self.resources[logical_id]["Type"]
        name = self._physical(logical_id)
        arns = {
            "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
            "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        }
        if attribute == "Arn":
            return arns[kind]
        if attribute == "QueueName":
            return name
        raise NotImplementedError(f"{logical_id}.{attribute}")

    def sub(self, text: str, variables: dict) -> str:
        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                return self.get_att(*name.split(".", 1))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def resolve(self, node):
        if isinstance(node, list):
            return [v for v in (self.resolve(item) for item in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.get_att(*(arg if isinstance(arg, list) else arg.split(".", 1)))
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
                return self.sub(text, variables)
            if key == "Fn::If":
                name, then, otherwise = arg
                return self.resolve(then if self.condition(name) else otherwise)
            if key == "Fn::Join":
                return str(arg[0]).join(str(v) for v in self.resolve(arg[1]))
            if key == "Fn::Equals":
                left, right = self.resolve(arg)
                return left == right
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Condition":
                return self.condition(arg)
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in node.items()) if v is not NO_VALUE}
