"""The runtime's template mode without LocalStack: fork an environment, invoke it, report its exit."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from localstack_process_executor import bootstrap
from localstack_process_executor.bootstrap import receive_frame, send_frame

HANDLER = """
import os, sys, threading

IMPORTED_BY = os.getpid()
print("imported once", flush=True)

def handler(event, context):
    if event.get("exit"):
        os._exit(event["exit"])
    return {"pid": os.getpid(), "imported_by": IMPORTED_BY, "who": os.environ.get("WHO"),
            "stream": context.log_stream_name, "session": os.getsid(0)}
"""
TIMEOUT_SECONDS = 30  # a bound on a hang, never on speed


def expect(channel: socket.socket, kind: str) -> tuple[dict, bytes]:
    frame = receive_frame(channel)
    assert frame is not None, f"the channel closed while waiting for {kind!r}"
    assert frame[0]["type"] == kind, frame
    return frame


@pytest.fixture
def start_template(tmp_path):
    """Start ``bootstrap.py --template`` on a handler's source; yields the process, its channel, the folder."""
    started = []

    def start(source: str = HANDLER):
        code = tmp_path / "code"
        code.mkdir()
        (code / "app.py").write_text(source)
        ours, theirs = socket.socketpair()
        ours.settimeout(TIMEOUT_SECONDS)
        env = {"_HANDLER": "app.handler", "WHO": "template", "PATH": os.environ.get("PATH", "")}
        argv = [sys.executable, "-u", bootstrap.__file__, "--channel-fd", str(theirs.fileno())]
        argv += ["--code-dir", str(code), "--env-dir", str(tmp_path), "--parent-pid", str(os.getpid()), "--template"]
        with open(tmp_path / "template.log", "ab") as log:
            process = subprocess.Popen(argv, env=env, stdout=log, stderr=log, pass_fds=(theirs.fileno(),))
        theirs.close()
        started.append((process, ours))
        return process, ours, tmp_path

    yield start
    for process, channel in started:
        channel.close()  # a template exits when its channel closes
        process.wait(TIMEOUT_SECONDS)


def fork(channel: socket.socket, folder: Path, who: str) -> tuple[int, socket.socket]:
    env_dir = folder / who
    env_dir.mkdir()
    mine, for_child = socket.socketpair()
    mine.settimeout(TIMEOUT_SECONDS)
    env = {"_HANDLER": "app.handler", "WHO": who, "AWS_LAMBDA_LOG_STREAM_NAME": f"stream-{who}"}
    with open(env_dir / "environment.log", "ab") as log:
        body = json.dumps({"env": env, "env_dir": str(env_dir)}).encode()
        send_frame(channel, {"type": "fork"}, body, fds=(for_child.fileno(), log.fileno()))
    for_child.close()
    header, _ = expect(channel, "forked")
    expect(mine, "ready")
    return header["pid"], mine


def invoke(channel: socket.socket, request_id: str, event: dict) -> tuple[dict, bytes]:
    payload = {"invoke-id": request_id, "invoked-function-arn": "arn", "payload": json.dumps(event)}
    send_frame(channel, {"type": "invoke"}, json.dumps(payload).encode())
    return expect(channel, "result")


def test_environments_forked_from_a_template_have_their_own_state_and_report_their_exit(start_template):
    process, channel, folder = start_template()
    expect(channel, "ready")

    first_pid, first = fork(channel, folder, "first")
    second_pid, second = fork(channel, folder, "second")
    header, body = invoke(first, "r1", {})
    result = json.loads(body)
    assert not header["is_error"] and result["pid"] == first_pid
    assert result["imported_by"] == process.pid, "the handler was imported again"
    assert (result["who"], result["stream"], result["session"]) == ("first", "stream-first", first_pid)
    assert "imported once" in header["logs"] and "Init Duration" in header["logs"]
    assert json.loads(invoke(second, "r2", {})[1])["who"] == "second"

    invoke_exit = {"invoke-id": "r3", "invoked-function-arn": "arn", "payload": json.dumps({"exit": 3})}
    send_frame(second, {"type": "invoke"}, json.dumps(invoke_exit).encode())
    header, _ = expect(channel, "exited")
    assert header == {"type": "exited", "pid": second_pid, "returncode": 3}

    send_frame(channel, {"type": "retire"})
    first.close()  # the environment's channel closing ends it; then the retired template exits
    header, _ = expect(channel, "exited")
    assert header["pid"] == first_pid
    assert process.wait(TIMEOUT_SECONDS) == 0


@pytest.mark.parametrize(
    ("source", "error_type"),
    [
        ("raise RuntimeError('bad config')\n", "RuntimeError"),
        (
            "import threading, time\nthreading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
            "def handler(event, context):\n    return 1\n",
            "Template.Threads",
        ),
    ],
)
def test_a_template_that_cannot_fork_safely_reports_why_and_exits(start_template, source, error_type):
    process, channel, _ = start_template(source)

    _, body = expect(channel, "init_error")

    assert json.loads(body)["errorType"] == error_type
    assert process.wait(TIMEOUT_SECONDS) == 1
