"""Plan, apply and delete the stack through CloudFormation change sets.

The same calls serve AWS (``make plan-aws`` / ``make deploy-aws``) and LocalStack (the
CloudFormation test): planning creates a change set and lists what it would do; applying
executes that change set and waits for the stack to settle, reporting each failed resource.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from botocore.exceptions import ClientError, WaiterError

from settings.errors import UserError

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]  # AUTO_EXPAND: the SAM transform
_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


class DeployError(UserError):
    pass


@dataclass(frozen=True)
class Plan:
    stack_name: str
    change_set_id: str | None  # None: nothing to change
    change_set_type: str
    changes: list[str]

    def describe(self) -> str:
        if self.change_set_id is None:
            return f"stack {self.stack_name}: no changes"
        verb = "create" if self.change_set_type == "CREATE" else "update"
        lines = [f"stack {self.stack_name}: change set to {verb} it ({len(self.changes)} changes)"]
        return "\n".join(lines + [f"  {c}" for c in self.changes])


def stack_status(cfn, stack_name: str) -> str | None:
    try:
        return cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def _change_lines(cfn, change_set_id: str) -> list[str]:
    lines, token = [], None
    while True:
        page = cfn.describe_change_set(ChangeSetName=change_set_id, **({"NextToken": token} if token else {}))
        for change in page.get("Changes", []):
            rc = change["ResourceChange"]
            replace = " (replacement)" if rc.get("Replacement") == "True" else ""
            lines.append(f"{rc['Action']:<7} {rc['LogicalResourceId']:<28} {rc['ResourceType']}{replace}")
        token = page.get("NextToken")
        if not token:
            return lines


def plan(cfn, stack_name: str, template_body: str, parameters: list[dict], *, poll: float = 2) -> Plan:
    """Create a change set for the stack and describe it; nothing is applied."""
    status = stack_status(cfn, stack_name)
    if status and status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
        raise DeployError(f"stack {stack_name} is busy ({status}); try again when it has settled")
    if status == "ROLLBACK_COMPLETE":
        raise DeployError(f"stack {stack_name} failed to create earlier (ROLLBACK_COMPLETE): delete it first")
    change_set_type = "CREATE" if status in (None, "REVIEW_IN_PROGRESS") else "UPDATE"
    try:
        created = cfn.create_change_set(
            StackName=stack_name,
            ChangeSetName=f"{stack_name}-{time.strftime('%Y%m%d-%H%M%S')}",
            ChangeSetType=change_set_type,
            TemplateBody=template_body,
            Parameters=parameters,
            Capabilities=CAPABILITIES,
        )
    except ClientError as exc:
        raise DeployError(
            f"CloudFormation refused a change set for {stack_name} ({status or 'new stack'}): "
            f"{exc.response['Error']['Message']}"
        ) from None
    change_set_id = created["Id"]
    try:
        cfn.get_waiter("change_set_create_complete").wait(
            ChangeSetName=change_set_id, WaiterConfig={"Delay": poll, "MaxAttempts": int(600 / poll)}
        )
    except WaiterError:
        described = cfn.describe_change_set(ChangeSetName=change_set_id)
        reason = described.get("StatusReason", "")
        if any(text in reason for text in _NO_CHANGES):
            cfn.delete_change_set(ChangeSetName=change_set_id)
            return Plan(stack_name, None, change_set_type, [])
        raise DeployError(f"change set for {stack_name} failed: {described.get('Status')}: {reason}") from None
    changes = _change_lines(cfn, change_set_id)
    if not changes:  # AWS fails such a change set (above); LocalStack completes it empty
        cfn.delete_change_set(ChangeSetName=change_set_id)
        return Plan(stack_name, None, change_set_type, [])
    return Plan(stack_name, change_set_id, change_set_type, changes)


def discard(cfn, plan_: Plan) -> None:
    """Drop a planned change set (and the empty stack a CREATE change set leaves behind)."""
    if plan_.change_set_id is None:
        return
    cfn.delete_change_set(ChangeSetName=plan_.change_set_id)
    if plan_.change_set_type == "CREATE" and stack_status(cfn, plan_.stack_name) == "REVIEW_IN_PROGRESS":
        cfn.delete_stack(StackName=plan_.stack_name)


def _failures(cfn, stack_name: str) -> list[str]:
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    return [
        f"{e['LogicalResourceId']} ({e['ResourceType']}): {e.get('ResourceStatusReason', e['ResourceStatus'])}"
        for e in events
        if e["ResourceStatus"].endswith("_FAILED")
    ]


def apply(cfn, plan_: Plan, *, poll: float = 2) -> dict[str, str]:
    """Execute the planned change set, wait for the stack to settle, return its outputs."""
    if plan_.change_set_id is not None:
        cfn.execute_change_set(ChangeSetName=plan_.change_set_id)
        waiter = "stack_create_complete" if plan_.change_set_type == "CREATE" else "stack_update_complete"
        try:
            cfn.get_waiter(waiter).wait(
                StackName=plan_.stack_name, WaiterConfig={"Delay": poll, "MaxAttempts": int(1800 / poll)}
            )
        except WaiterError:
            status = stack_status(cfn, plan_.stack_name)
            details = "\n  ".join(_failures(cfn, plan_.stack_name)) or "no resource reported a failure"
            raise DeployError(f"stack {plan_.stack_name} did not deploy ({status}):\n  {details}") from None
    return outputs(cfn, plan_.stack_name)


def outputs(cfn, stack_name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def delete(cfn, stack_name: str, *, poll: float = 2) -> None:
    """Delete the stack and wait; resources with DeletionPolicy Retain (the bucket) stay."""
    if stack_status(cfn, stack_name) is None:
        return
    cfn.delete_stack(StackName=stack_name)
    try:
        cfn.get_waiter("stack_delete_complete").wait(
            StackName=stack_name, WaiterConfig={"Delay": poll, "MaxAttempts": int(1800 / poll)}
        )
    except WaiterError:
        details = "\n  ".join(_failures(cfn, stack_name)) or "no resource reported a failure"
        raise DeployError(f"stack {stack_name} was not deleted:\n  {details}") from None
