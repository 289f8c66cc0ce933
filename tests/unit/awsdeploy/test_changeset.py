"""Change-set handling as AWS answers it (the LocalStack answers are covered by tests/cloudformation)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber

from awsdeploy import changeset

STACK = "pipeline"
CHANGE_SET = "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/pipeline-1/abc"


@pytest.fixture()
def cfn():
    client = boto3.client("cloudformation", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b")
    with Stubber(client) as stub:
        client.stub = stub
        yield client
        stub.assert_no_pending_responses()


def _stack(status: str) -> dict:
    return {"Stacks": [{"StackName": STACK, "StackStatus": status, "CreationTime": "2026-01-01T00:00:00Z"}]}


def _change_set(status: str, reason: str = "") -> dict:
    return {
        "ChangeSetId": CHANGE_SET,
        "StackName": STACK,
        "Status": status,
        "StatusReason": reason,
        "ExecutionStatus": "UNAVAILABLE",
        "Changes": [],
    }


def test_an_update_without_changes_is_reported_as_none_and_its_change_set_dropped(cfn):
    cfn.stub.add_response("describe_stacks", _stack("UPDATE_COMPLETE"), {"StackName": STACK})
    cfn.stub.add_response(
        "create_change_set",
        {"Id": CHANGE_SET, "StackId": "s"},
        {
            "StackName": STACK,
            "ChangeSetName": ANY,
            "ChangeSetType": "UPDATE",
            "TemplateBody": "{}",
            "Parameters": [],
            "Capabilities": changeset.CAPABILITIES,
        },
    )
    reason = "The submitted information didn't contain changes. Submit different information to create a change set."
    cfn.stub.add_response("describe_change_set", _change_set("FAILED", reason), {"ChangeSetName": CHANGE_SET})
    cfn.stub.add_response("describe_change_set", _change_set("FAILED", reason), {"ChangeSetName": CHANGE_SET})
    cfn.stub.add_response("delete_change_set", {}, {"ChangeSetName": CHANGE_SET})

    planned = changeset.plan(cfn, STACK, "{}", [], poll=0.01)

    assert planned.change_set_id is None
    assert planned.describe() == "stack pipeline: no changes"


def test_a_failed_change_set_says_why(cfn):
    cfn.stub.add_response("describe_stacks", _stack("UPDATE_COMPLETE"), {"StackName": STACK})
    cfn.stub.add_response("create_change_set", {"Id": CHANGE_SET, "StackId": "s"}, None)
    reason = "Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application Specification"
    cfn.stub.add_response("describe_change_set", _change_set("FAILED", reason), {"ChangeSetName": CHANGE_SET})
    cfn.stub.add_response("describe_change_set", _change_set("FAILED", reason), {"ChangeSetName": CHANGE_SET})

    with pytest.raises(changeset.DeployError, match="Invalid Serverless Application Specification"):
        changeset.plan(cfn, STACK, "{}", [], poll=0.01)


@pytest.mark.parametrize(
    "status, message",
    [
        ("UPDATE_IN_PROGRESS", "is busy"),
        ("ROLLBACK_COMPLETE", "delete it first"),
    ],
)
def test_a_stack_that_cannot_take_a_change_set_is_refused(cfn, status, message):
    cfn.stub.add_response("describe_stacks", _stack(status), {"StackName": STACK})
    with pytest.raises(changeset.DeployError, match=message):
        changeset.plan(cfn, STACK, "{}", [])


def test_a_failed_deployment_names_each_failed_resource(cfn):
    planned = changeset.Plan(STACK, CHANGE_SET, "CREATE", ["Add Bucket AWS::S3::Bucket"])
    cfn.stub.add_response("execute_change_set", {}, {"ChangeSetName": CHANGE_SET})
    cfn.stub.add_response("describe_stacks", _stack("ROLLBACK_COMPLETE"), {"StackName": STACK})  # the waiter
    cfn.stub.add_response("describe_stacks", _stack("ROLLBACK_COMPLETE"), {"StackName": STACK})
    events = [
        {
            "StackId": "s",
            "EventId": "1",
            "StackName": STACK,
            "LogicalResourceId": "Bucket",
            "Timestamp": "2026-01-01T00:00:00Z",
            "ResourceType": "AWS::S3::Bucket",
            "ResourceStatus": "CREATE_FAILED",
            "ResourceStatusReason": "acme-uploads already exists",
        },
        {
            "StackId": "s",
            "EventId": "2",
            "StackName": STACK,
            "LogicalResourceId": "DeadLetterQueue",
            "Timestamp": "2026-01-01T00:00:00Z",
            "ResourceType": "AWS::SQS::Queue",
            "ResourceStatus": "CREATE_COMPLETE",
        },
    ]
    cfn.stub.add_response("describe_stack_events", {"StackEvents": events}, {"StackName": STACK})

    with pytest.raises(changeset.DeployError) as failure:
        changeset.apply(cfn, planned, poll=0.01)

    assert str(failure.value) == (
        "stack pipeline did not deploy (ROLLBACK_COMPLETE):\n  Bucket (AWS::S3::Bucket): acme-uploads already exists"
    )
