"""Timeouts end the invocation like on AWS and reset the environment."""

# Longer than the invoke client waits for an answer: only the executor's timeout can end such a call.
FOREVER = 3600

SLEEPY_HANDLER = """
import ctypes, os, time

def handler(event, context):
    print("started", flush=True)
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("hold_gil"):
        # A C call made while holding the GIL: no Python thread of the runtime can run meanwhile.
        ctypes.PyDLL(None).sleep(event["hold_gil"])
    return os.getpid()
"""


def test_timeout_reports_sandbox_timedout_and_resets(make_function):
    function = make_function({"app.py": SLEEPY_HANDLER}, timeout=1)
    first_pid = function.invoke().payload

    # The handler would sleep for an hour: an answer at all means the timeout ended it (no wall-clock bound).
    result = function.invoke({"sleep": FOREVER})

    message = f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds"
    assert result.function_error == "Unhandled"
    assert result.payload == {"errorType": "Sandbox.Timedout", "errorMessage": message}
    assert "started" in result.log_tail
    assert message in result.log_tail
    assert "Status: timeout" in result.log_tail

    after = function.invoke()
    assert after.function_error is None, after.payload
    assert after.payload != first_pid, "the runtime process is restarted after a timeout"


def test_executor_enforces_timeout_when_runtime_cannot_report(make_function):
    function = make_function({"app.py": SLEEPY_HANDLER}, timeout=1)

    result = function.invoke({"hold_gil": FOREVER})

    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Sandbox.Timedout"
    assert result.payload["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert "started" in result.log_tail

    after = function.invoke()
    assert after.function_error is None, after.payload
