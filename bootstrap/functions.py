"""Lambda functions: code, configuration, S3 invoke permission and async failure handling."""

from __future__ import annotations

import json
import time

from bootstrap.hot_reload import HotReloadCode
from bootstrap.packaging import RUNTIME, Package
from bootstrap.report import CREATED, UNCHANGED, UPDATED, Report
from pipeline_core.settings import EXTRACT_VARIABLES, INSERT_VARIABLES
from settings.config import Config

HANDLER = "handler.handler"
EVENT_POLLER_LONG_POLL_SECONDS = 2
_WAIT = {"Delay": 1, "MaxAttempts": 120}


def environment(cfg: Config, kind: str, *, mode: str) -> dict[str, str]:
    """The environment of the ``extract`` or ``insert`` function: every setting it reads, always.

    The functions have no defaults of their own (``pipeline_core.settings``); the values
    come from ``settings.config``, the one place for defaults.
    """
    values = {
        "UPLOAD_PREFIX": cfg.upload_prefix,
        "EXTRACTED_PREFIX": cfg.extracted_prefix,
        "MAX_CONTENT_CHARS": str(cfg.max_content_chars),
        "MAX_OBJECT_BYTES": str(cfg.max_object_bytes),
        "DATABASE_DSN": cfg.database_dsn(for_lambda=True, stack=mode, insert_role=True),
    }
    names = {"extract": EXTRACT_VARIABLES, "insert": INSERT_VARIABLES}[kind]
    return {
        **{name: values[name] for name in names},
        "LOG_LEVEL": "INFO",
        "POWERTOOLS_SERVICE_NAME": kind,
    }


def _desired_config(role_arn: str, timeout: int, memory: int, env: dict[str, str]) -> dict:
    return {
        "Runtime": RUNTIME,
        "Handler": HANDLER,
        "Role": role_arn,
        "Timeout": timeout,
        "MemorySize": memory,
        "Environment": {"Variables": env},
    }


def _config_differs(current: dict, desired: dict) -> bool:
    return (
        any(current.get(key) != value for key, value in desired.items() if key != "Environment")
        or current.get("Environment", {}).get("Variables", {}) != desired["Environment"]["Variables"]
    )


def _code_argument(code: Package | HotReloadCode) -> dict:
    if isinstance(code, HotReloadCode):
        return code.code
    return {"ZipFile": code.zip_bytes}


def _describe(code: Package | HotReloadCode) -> str:
    if isinstance(code, HotReloadCode):
        return f"hot reload from {code.code_dir}"
    return f"{code.size / 1e6:.1f} MB"


def _code_differs(lam, name: str, current: dict, code: Package | HotReloadCode) -> bool:
    """Hot-reloaded code has a constant CodeSha256 (LocalStack): compare its location instead."""
    if isinstance(code, HotReloadCode):
        return lam.get_function(FunctionName=name)["Code"].get("Location") != code.location
    return current.get("CodeSha256") != code.sha256


def _create(lam, name: str, package: Package | HotReloadCode, desired: dict, architecture: str) -> None:
    # A role created a moment ago may not be assumable yet on AWS; retry briefly.
    for attempt in range(10):
        try:
            lam.create_function(
                FunctionName=name,
                Code=_code_argument(package),
                Architectures=[architecture],
                **desired,
            )
            return
        except lam.exceptions.InvalidParameterValueException:
            if attempt == 9:
                raise
            time.sleep(1)


def ensure_function(
    lam,
    name: str,
    package: Package | HotReloadCode,
    role_arn: str,
    *,
    timeout: int,
    memory: int,
    env: dict[str, str],
    architecture: str,
    report: Report,
) -> tuple[str, str]:
    """Create or update the function; skips unchanged code (same hash, or same hot-reload folder).

    Returns its ARN and the outcome."""
    desired = _desired_config(role_arn, timeout, memory, env)
    try:
        current = lam.get_function_configuration(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        _create(lam, name, package, desired, architecture)
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=_WAIT)
        outcome = report.record(CREATED, f"function {name} ({_describe(package)})")
        return lam.get_function_configuration(FunctionName=name)["FunctionArn"], outcome

    updates = []
    if _code_differs(lam, name, current, package):
        updates.append(("code", lambda: lam.update_function_code(FunctionName=name, **_code_argument(package))))
    if _config_differs(current, desired):
        updates.append(("configuration", lambda: lam.update_function_configuration(FunctionName=name, **desired)))
    if isinstance(package, HotReloadCode):
        # The dependencies' folder goes on PYTHONPATH (configuration) before the code that needs it, and
        # a zip, which carries its own, comes before PYTHONPATH goes: no version in between lacks them.
        updates.reverse()
    changes = []
    for change, update in updates:
        update()
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=_WAIT)
        changes.append(change)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=_WAIT)
    detail = f" ({', '.join(changes)})" if changes else ""
    outcome = report.record(UPDATED if changes else UNCHANGED, f"function {name}{detail}")
    return current["FunctionArn"], outcome


def wait_for_event_pollers_to_drain() -> None:
    """Let the retired version's event poller finish its last receive before events arrive.

    LocalStack 4.14.0 keeps a function's internal event queue across an update
    but stops the old poller: a message that poller receives during its final
    long poll (up to 2 s) is dropped and only becomes visible again after
    timeout + 60 s. Waiting out that poll keeps the first uploads after a
    deploy from being delayed by minutes. There is no state to poll for this.
    """
    time.sleep(EVENT_POLLER_LONG_POLL_SECONDS + 1)


def ensure_s3_permission(lam, name: str, bucket: str, account: str, report: Report) -> None:
    statement_id = f"s3-invoke-{bucket}"
    try:
        policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
        if any(s.get("Sid") == statement_id for s in policy.get("Statement", [])):
            report.record(UNCHANGED, f"permission s3:{bucket} -> {name}")
            return
    except lam.exceptions.ResourceNotFoundException:
        pass
    lam.add_permission(
        FunctionName=name,
        StatementId=statement_id,
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
        SourceAccount=account,
    )
    report.record(CREATED, f"permission s3:{bucket} -> {name}")


def ensure_failure_destination(
    lam, name: str, dlq_arn: str, *, max_retries: int, max_event_age: int, report: Report
) -> None:
    """Bounded async retries, then the event goes to the dead-letter queue with the error."""
    desired = {
        "MaximumRetryAttempts": max_retries,
        "MaximumEventAgeInSeconds": max_event_age,
        "DestinationConfig": {"OnFailure": {"Destination": dlq_arn}},
    }
    try:
        current = lam.get_function_event_invoke_config(FunctionName=name)
        same = (
            current.get("MaximumRetryAttempts") == max_retries
            and current.get("MaximumEventAgeInSeconds") == max_event_age
            and current.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination") == dlq_arn
        )
        if same:
            report.record(UNCHANGED, f"async invoke config {name}")
            return
        outcome = UPDATED
    except lam.exceptions.ResourceNotFoundException:
        outcome = CREATED
    lam.put_function_event_invoke_config(FunctionName=name, **desired)
    report.record(outcome, f"async invoke config {name} (retries {max_retries}, DLQ)")
