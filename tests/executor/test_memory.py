"""MemorySize is enforced in host mode, and running past it is reported as AWS does."""

import re

import pytest

from lifecycle import stack
from settings import config

GREEDY_HANDLER = """
import os

def handler(event, context):
    print("allocating", event["mb"], "MB", flush=True)
    block = b"x" * (event["mb"] * 1024 * 1024)  # touched, so it is resident
    return {"pid": os.getpid(), "allocated": len(block)}
"""

pytestmark = pytest.mark.skipif(stack.active_mode(config.load()) == "docker", reason="host mode's executor only")


def _max_memory_used(log_tail: str) -> int:
    match = re.search(r"Max Memory Used: (\d+) MB", log_tail)
    assert match, log_tail
    return int(match.group(1))


def test_memory_within_memory_size_is_available(make_function):
    function = make_function({"app.py": GREEDY_HANDLER}, memory=256)

    result = function.invoke({"mb": 150})

    assert result.function_error is None, result.payload
    assert result.payload["allocated"] == 150 * 1024 * 1024
    assert _max_memory_used(result.log_tail) >= 150


def test_memory_past_memory_size_is_out_of_memory_and_the_environment_restarts(make_function):
    function = make_function({"app.py": GREEDY_HANDLER}, memory=128)
    first_pid = function.invoke({"mb": 1})

    result = function.invoke({"mb": 1024})

    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.OutOfMemory", result.payload
    assert result.payload["errorMessage"] == (
        f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed"
    )
    assert "allocating 1024 MB" in result.log_tail
    assert "Status: error\tError Type: Runtime.OutOfMemory" in result.log_tail
    assert _max_memory_used(result.log_tail) > 0

    after = function.invoke({"mb": 1})
    assert after.function_error is None, after.payload
    assert after.payload["pid"] != first_pid.payload["pid"], "a fresh environment after running out of memory"
