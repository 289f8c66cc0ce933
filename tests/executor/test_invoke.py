"""Results and errors of invocations, as AWS reports them."""

import importlib.util
import uuid
from pathlib import Path

CONTEXT_HANDLER = """
import os, sys, tempfile

def handler(event, context):
    return {
        "event": event,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "cwd": os.getcwd(),
        "sys_path_0": sys.path[0],
        "tempdir": tempfile.gettempdir(),
        "env": dict(os.environ),
    }
"""


def test_success_returns_result_and_context(make_function):
    function = make_function({"app.py": CONTEXT_HANDLER}, timeout=7)

    result = function.invoke({"hello": "world"})

    assert result.status == 200
    assert result.function_error is None
    body = result.payload
    assert body["event"] == {"hello": "world"}
    assert body["function_name"] == function.name
    assert body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"].endswith(f":function:{function.name}")
    assert body["memory_limit_in_mb"] == "128"
    assert body["aws_request_id"] == result.request_id
    assert body["log_group_name"] == f"/aws/lambda/{function.name}"
    assert body["log_stream_name"]
    assert 0 < body["remaining_ms"] <= 7000
    task_root = body["env"]["LAMBDA_TASK_ROOT"]
    assert body["cwd"] == task_root == body["sys_path_0"]
    assert (Path(task_root) / "app.py").is_file()
    assert body["tempdir"] == body["env"]["TMPDIR"]


def test_function_sees_only_its_own_environment(make_function, cfg):
    function = make_function({"app.py": CONTEXT_HANDLER}, environment={"GREETING": "hi"})

    env = function.invoke().payload["env"]

    assert env["GREETING"] == "hi"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == function.name
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{cfg.localstack_port}"
    assert env["AWS_ACCESS_KEY_ID"] != "test", "credentials come from the function's role"
    for leaked in ("VIRTUAL_ENV", "LAMBDA_RUNTIME_EXECUTOR", "GATEWAY_LISTEN", "PYTHONPATH", "SERVICES"):
        assert leaked not in env


def test_plain_boto3_client_reaches_localstack(make_function, s3_client):
    bucket = f"executor-test-{uuid.uuid4().hex[:10]}"
    s3_client.create_bucket(Bucket=bucket)
    code = """
import boto3

def handler(event, context):
    return [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
"""
    try:
        function = make_function({"app.py": code})
        result = function.invoke()
    finally:
        s3_client.delete_bucket(Bucket=bucket)

    assert result.function_error is None, result.payload
    assert bucket in result.payload


def test_handler_exception_is_reported_like_aws(make_function):
    code = """
def fail(reason):
    raise ValueError(reason)

def handler(event, context):
    fail("no luck")
"""
    function = make_function({"app.py": code})

    result = function.invoke()

    assert result.status == 200
    assert result.function_error == "Unhandled"
    error = result.payload
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "no luck"
    assert error["requestId"] == result.request_id
    assert len(error["stackTrace"]) == 2
    assert "in handler" in error["stackTrace"][0]
    assert "in fail" in error["stackTrace"][1] and "app.py" in error["stackTrace"][1]
    assert "[ERROR] ValueError: no luck" in result.log_tail


def test_missing_module_is_an_import_error(make_function):
    function = make_function({"app.py": "def handler(event, context):\n    return 1\n"}, handler="missing.handler")

    result = function.invoke()

    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.ImportModuleError"
    assert result.payload["errorMessage"].startswith("Unable to import module 'missing':")


def test_failing_import_names_the_cause(make_function):
    function = make_function({"app.py": "import not_installed_anywhere\n"})

    result = function.invoke()

    assert result.payload["errorType"] == "Runtime.ImportModuleError"
    assert "not_installed_anywhere" in result.payload["errorMessage"]


def test_exception_at_import_is_reported_with_the_module_frames(make_function):
    function = make_function({"app.py": "raise RuntimeError('bad config')\n"})

    result = function.invoke()

    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "RuntimeError"
    assert result.payload["errorMessage"] == "bad config"
    assert len(result.payload["stackTrace"]) == 1
    assert "app.py" in result.payload["stackTrace"][0]


def test_missing_handler_function(make_function):
    function = make_function({"app.py": "def other(event, context):\n    return 1\n"})

    result = function.invoke()

    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.HandlerNotFound"
    assert result.payload["errorMessage"] == "Handler 'handler' missing on module 'app'"


def test_result_that_is_not_json_is_a_marshal_error(make_function):
    function = make_function({"app.py": "def handler(event, context):\n    return {'when': object()}\n"})

    result = function.invoke()

    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.MarshalError"
    assert "not JSON serializable" in result.payload["errorMessage"]


def test_handler_in_a_package_directory(make_function):
    function = make_function(
        {"pkg/__init__.py": "", "pkg/main.py": "def run(event, context):\n    return 'nested'\n"},
        handler="pkg/main.run",
    )

    assert function.invoke().payload == "nested"


def test_powertools_inject_lambda_context_works(make_function):
    """Powertools reads the context attributes; vendor it from this virtualenv like a build would."""
    files = {}
    for module in ("aws_lambda_powertools", "jmespath", "typing_extensions"):
        origin = Path(importlib.util.find_spec(module).origin)
        if origin.name == "__init__.py":
            for path in origin.parent.rglob("*.py"):
                files[str(path.relative_to(origin.parent.parent))] = path
        else:
            files[origin.name] = origin
    files["app.py"] = """
from aws_lambda_powertools import Logger

logger = Logger(service="executor-test")

@logger.inject_lambda_context
def handler(event, context):
    logger.info("inside")
    return "ok"
"""
    function = make_function(files, timeout=30)

    result = function.invoke()

    assert result.function_error is None, result.payload
    assert result.payload == "ok"
    assert f'"function_request_id":"{result.request_id}"' in result.log_tail.replace(" ", "")


def test_non_python_runtime_is_an_error_naming_the_supported_ones(make_function):
    function = make_function(
        {"index.js": "exports.handler = async () => 1;"}, handler="index.handler", runtime="nodejs20.x"
    )

    result = function.invoke()

    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "InvalidRuntimeException"
    assert "nodejs20.x" in result.payload["errorMessage"]
    assert "python3" in result.payload["errorMessage"]


def test_runtime_exit_is_reported_and_the_next_invoke_reinitialises(make_function):
    code = """
import os

def handler(event, context):
    if event.get("exit"):
        print("leaving", flush=True)
        os._exit(3)
    return os.getpid()
"""
    function = make_function({"app.py": code})
    first_pid = function.invoke().payload

    result = function.invoke({"exit": True})

    assert result.function_error == "Unhandled"
    assert result.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 3",
    }
    assert "leaving" in result.log_tail
    after = function.invoke()
    assert after.function_error is None, after.payload
    assert after.payload != first_pid


THREADS_HANDLER = """
import os, threading

def handler(event, context):
    return {"pid": os.getpid(), "threads": sorted((t.name, t.ident) for t in threading.enumerate())}
"""


def test_invocations_of_one_environment_start_no_thread_each(make_function):
    """The timeout is kept by one watchdog thread per environment, not a timer thread per invocation."""
    function = make_function({"app.py": THREADS_HANDLER}, timeout=30)

    seen = [function.invoke().payload for _ in range(4)]

    assert len({answer["pid"] for answer in seen}) == 1, f"expected one environment: {seen}"
    assert all(answer["threads"] == seen[0]["threads"] for answer in seen), f"threads changed: {seen}"
    assert [name for name, _ in seen[0]["threads"]].count("invocation-timeout") == 1, seen[0]
