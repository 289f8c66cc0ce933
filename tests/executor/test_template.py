"""Template processes: environments are forks of a process that imported the handler once."""

import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from settings import config
from tests.executor.test_environments import MEET_DEADLINE_SECONDS, invoke_concurrently

pytestmark = pytest.mark.skipif(
    not config.load().lambda_template_process, reason="template processes are switched off (LAMBDA_TEMPLATE_PROCESS=0)"
)

FORK_HANDLER = """
import os, tempfile, time

IMPORTED_BY = os.getpid()

def handler(event, context):
    folder = event.get("meet")
    if folder:  # wait until every expected invocation runs (see test_environments.PID_HANDLER)
        open(os.path.join(folder, str(os.getpid())), "w").close()
        deadline = time.monotonic() + event["deadline"]
        while len(os.listdir(folder)) < event["count"] and time.monotonic() < deadline:
            time.sleep(0.01)
    return {
        "pid": os.getpid(),
        "parent": os.getppid(),
        "session": os.getsid(0),
        "imported_by": IMPORTED_BY,
        "stream": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
        "context_stream": context.log_stream_name,
        "tmpdir": tempfile.gettempdir(),
    }
"""


def test_environments_are_forks_of_one_template_with_their_own_state(make_function, meeting_point):
    function = make_function({"app.py": FORK_HANDLER}, timeout=MEET_DEADLINE_SECONDS + 30)

    results = invoke_concurrently(function, {"meet": meeting_point, "count": 2, "deadline": MEET_DEADLINE_SECONDS})

    assert all(r.function_error is None for r in results), [r.payload for r in results]
    first, second = (r.payload for r in results)
    assert first["pid"] != second["pid"], "both invocations ran in one environment"
    # Both imported the handler in the same process, their parent: the version's template.
    assert first["imported_by"] == second["imported_by"] == first["parent"] == second["parent"]
    for env in (first, second):
        assert env["pid"] != env["imported_by"]
        assert env["session"] == env["pid"], "a forked environment leads its own session (process group)"
        assert env["stream"] == env["context_stream"]
    assert first["stream"] != second["stream"], "each environment has its own log stream"
    assert first["tmpdir"] != second["tmpdir"], "each environment has its own TMPDIR"
    assert "Init Duration" in results[0].log_tail


def test_the_template_goes_with_its_function(make_function, lambda_client, poll):
    function = make_function({"app.py": FORK_HANDLER})
    template = function.invoke().payload["imported_by"]
    assert Path(f"/proc/{template}").exists()

    lambda_client.delete_function(FunctionName=function.name)

    poll(lambda: not Path(f"/proc/{template}").exists(), 30, f"template process {template} to exit")


def test_a_killed_template_is_replaced_and_its_environments_live_on(make_function, meeting_point, poll):
    function = make_function({"app.py": FORK_HANDLER}, timeout=MEET_DEADLINE_SECONDS + 30)
    first = function.invoke().payload
    os.kill(first["imported_by"], signal.SIGKILL)
    poll(lambda: not Path(f"/proc/{first['imported_by']}").exists(), 30, "the killed template to be reaped")

    both = invoke_concurrently(function, {"meet": meeting_point, "count": 2, "deadline": MEET_DEADLINE_SECONDS})

    assert all(r.function_error is None for r in both), [r.payload for r in both]
    pids = {r.payload["pid"]: r.payload for r in both}
    assert first["pid"] in pids, "the warm environment did not survive its template"
    (new,) = (payload for pid, payload in pids.items() if pid != first["pid"])
    assert new["imported_by"] != first["imported_by"] and new["parent"] == new["imported_by"], new


@pytest.fixture
def hot_reload_folder():
    """A code folder LocalStack's user can read, deployed as hot-reloaded code."""
    folder = tempfile.mkdtemp(prefix="executor-hot-reload-", dir="/tmp")
    os.chmod(folder, 0o755)
    yield Path(folder)
    shutil.rmtree(folder, ignore_errors=True)


def versioned_handler(version: int) -> str:
    return (
        FORK_HANDLER
        + f"\nVERSION = {version}\n\ndef versioned(event, context):\n"
        + ("    return {**handler(event, context), 'version': VERSION}\n")
    )


def test_a_changed_hot_reloaded_function_never_forks_its_old_code(
    hot_reload_folder,
    lambda_client,
    make_function,
    meeting_point,
    poll,
):
    (hot_reload_folder / "app.py").write_text(versioned_handler(1))
    os.chmod(hot_reload_folder / "app.py", 0o644)
    function = make_function(
        {"unused.py": ""}, handler="app.versioned", timeout=MEET_DEADLINE_SECONDS + 30
    )  # replaced by the folder below
    lambda_client.update_function_code(FunctionName=function.name, S3Bucket="hot-reload", S3Key=str(hot_reload_folder))
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=function.name, WaiterConfig={"Delay": 1})
    old = function.invoke().payload
    assert old["version"] == 1, old

    (hot_reload_folder / "app.py").write_text(versioned_handler(2))
    new = poll(lambda: (p := function.invoke().payload)["version"] == 2 and p, 30, "the edit to be live", interval=0.5)

    assert new["imported_by"] != old["imported_by"], "the template was not replaced"
    # A second environment, started now, is a fork of the new template too.
    both = invoke_concurrently(function, {"meet": meeting_point, "count": 2, "deadline": MEET_DEADLINE_SECONDS})
    assert [r.payload["version"] for r in both] == [2, 2], [r.payload for r in both]
