"""`make invoke`: replay one file (or a hand-written event) through one function, synchronously.

Deployed: the function is invoked on the running stack (``RequestResponse``, log tail).
``--local``: the handler runs in the foreground under the Lambda runtime's Python
(``operations.local_runner``) with the deployed function's environment variables, its code
(``lambdas/<function>`` and the shared core) and its dependency layer, against the
stack's real S3 and database, so that ``breakpoint()`` stops in this terminal.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from lifecycle import venvs
from operations import events, trace
from settings import aws
from settings.config import PROJECT_ROOT, Config
from settings.errors import UserError
from settings.printable import printable

KINDS = ("extract", "insert")
LOCAL_RUNNER = PROJECT_ROOT / "operations" / "local_runner.py"


class InvokeError(UserError):
    """Nothing to invoke (missing object, bad event file); worded for people."""


def event_for(cfg: Config, kind: str, key: str, s3) -> dict:
    """The S3 event the function would get for ``key`` (uploads/…, extracted/… or relative):
    its upload for extract, the upload's document for insert."""
    upload_key = trace.normalise_key(cfg, key, s3)
    object_key = upload_key if kind == "extract" else cfg.extracted_key(upload_key)
    if object_key is None:
        raise InvokeError(f"{printable(upload_key)} has no document key: it is not under {cfg.upload_prefix}")
    try:
        head = s3.head_object(Bucket=cfg.bucket, Key=object_key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            hint = (
                f"upload it first: awslocal s3 cp FILE s3://{cfg.bucket}/{printable(object_key)}"
                if kind == "extract"
                else f"extract it first: make invoke fn=extract key={printable(upload_key)}"
            )
            raise InvokeError(f"no object s3://{cfg.bucket}/{printable(object_key)}: {hint}") from exc
        raise
    record = events.s3_record(
        cfg.bucket,
        object_key,
        "ObjectCreated:Put",
        region=cfg.region,
        size=head["ContentLength"],
        etag=head.get("ETag", ""),
    )
    return {"Records": [record]}


def load_event(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise InvokeError(f"cannot read the event file {path}: {exc}") from exc


def _report_duration(logs: str) -> str | None:
    for line in logs.splitlines():
        if line.startswith("REPORT "):
            return next((f.split(": ", 1)[1] for f in line.split("\t") if f.startswith("Duration:")), None)
    return None


def invoke_deployed(cfg: Config, kind: str, event: dict) -> int:
    lam = aws.client(cfg, "lambda")
    started = time.monotonic()
    try:
        response = lam.invoke(FunctionName=cfg.function_name(kind), Payload=json.dumps(event).encode(), LogType="Tail")
    except lam.exceptions.ClientError as exc:  # the function never ran: unknown, or its environment failed
        raise InvokeError(
            f"LocalStack could not run {cfg.function_name(kind)}: {printable(str(exc))}\n"
            "`make logs` shows why; `make up` deploys the functions again"
        ) from exc
    elapsed = (time.monotonic() - started) * 1000
    payload = response["Payload"].read().decode(errors="replace")
    logs = base64.b64decode(response.get("LogResult", "")).decode(errors="replace")
    print("--- log", flush=True)
    _print_lines(logs.rstrip("\n"))
    duration = _report_duration(logs)
    print(f"--- duration: {duration or '?'} in the function, {elapsed:.0f} ms round trip")
    if "FunctionError" in response:
        print(f"--- error ({response['FunctionError']}):")
        _print_lines(_pretty(payload))
        return 1
    print("--- result")
    _print_lines(_pretty(payload))
    return 0


def _print_lines(text: str) -> None:
    print("\n".join(printable(line) for line in text.split("\n")), flush=True)


def _pretty(payload: str) -> str:
    try:
        return json.dumps(json.loads(payload), indent=2, ensure_ascii=False)
    except ValueError:
        return payload


def local_environment(cfg: Config, kind: str) -> dict[str, str]:
    """The deployed function's variables, plus what reaches the stack from this host."""
    lam = aws.client(cfg, "lambda")
    deployed = lam.get_function_configuration(FunctionName=cfg.function_name(kind))
    variables = dict(deployed.get("Environment", {}).get("Variables", {}))
    if "DATABASE_DSN" in variables:  # Docker mode names the database by its compose service
        variables["DATABASE_DSN"] = cfg.database_dsn(insert_role=True)
    variables.pop("PYTHONPATH", None)  # the runner puts the layer after the code itself
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TERM", "HOME", "TZ")}
    env.update(variables)
    env.update(
        {
            "AWS_ENDPOINT_URL": cfg.endpoint_url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": cfg.region,
            "AWS_REGION": cfg.region,
            "AWS_LAMBDA_FUNCTION_NAME": deployed["FunctionName"],
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(deployed["MemorySize"]),
            "_HANDLER": deployed["Handler"],
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def runtime_python(cfg: Config) -> Path:
    """The Lambda runtime's interpreter (its version matches the dependency layer's wheels)."""
    for version in ("python3.12", "python3.13"):
        python = venvs.python_of(cfg.runtimes_dir / version)
        if python.exists():
            return python
    raise InvokeError("no Lambda runtime virtualenv under .state/runtimes: run `make up`")


def invoke_local(cfg: Config, kind: str, event: dict) -> int:
    from bootstrap import hot_reload

    code = hot_reload.assemble(kind, cfg)
    env = local_environment(cfg, kind)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(event, file)
    try:
        command = [
            str(runtime_python(cfg)),
            str(LOCAL_RUNNER),
            "--code-dir",
            str(code.code_dir),
            "--layer",
            str(code.layer_dir),
            "--event-file",
            file.name,
        ]
        return subprocess.call(command, env=env, cwd=code.code_dir)
    finally:
        os.unlink(file.name)


def run(cfg: Config, kind: str, *, key: str | None, event_file: str | None, local: bool) -> int:
    if event_file:
        event = load_event(event_file)
    elif key:
        event = event_for(cfg, kind, key, aws.client(cfg, "s3"))
    else:
        raise InvokeError("say what to invoke with: make invoke fn=extract key=uploads/report.pdf (or event=FILE)")
    return invoke_local(cfg, kind, event) if local else invoke_deployed(cfg, kind, event)
