"""Execution environments: concurrency, warm reuse, interpreter choice, clean shutdown."""

import os
import re
import threading
from pathlib import Path

import pytest

SHUTDOWN_DEADLINE_SECONDS = 20

PID_HANDLER = """
import os, sys, time

def meet(event):
    # Rendezvous: announce this invocation, then wait until every expected one has arrived. Only
    # invocations that run at the same time can all arrive; one environment serving them in turn
    # would leave the first waiting alone until the deadline. Returns how many arrived.
    folder = event.get("meet")
    if not folder:
        return 1
    open(os.path.join(folder, context_id()), "w").close()
    deadline = time.monotonic() + event["deadline"]
    while len(os.listdir(folder)) < event["count"] and time.monotonic() < deadline:
        time.sleep(0.01)
    return len(os.listdir(folder))

def context_id():
    return f"{os.getpid()}-{time.monotonic_ns()}"

def handler(event, context):
    met = meet(event)
    return {"pid": os.getpid(), "version": list(sys.version_info[:2]), "prefix": sys.prefix, "met": met}
"""

# Leaves a child behind that ignores SIGTERM; its command line names the code directory.
LINGERING_CHILD_HANDLER = (
    PID_HANDLER.replace("import os, sys, time", "import os, subprocess, sys, time")
    + """
CHILD = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"

def lingering(event, context):
    subprocess.Popen([sys.executable, "-c", CHILD, os.environ["LAMBDA_TASK_ROOT"]])
    return {**handler(event, context), "task_root": os.environ["LAMBDA_TASK_ROOT"]}
"""
)
# How long an invocation waits for the others before it answers anyway (then the test fails
# with what it saw); far above any start-up time, never a bound on speed.
MEET_DEADLINE_SECONDS = 60


def invoke_concurrently(function, event, count=2):
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        barrier.wait()
        results[index] = function.invoke(event)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def processes_mentioning(text: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            pids.append(int(entry.name))
    return pids


def test_concurrent_invocations_get_their_own_environments(make_function, meeting_point):
    function = make_function({"app.py": PID_HANDLER}, timeout=MEET_DEADLINE_SECONDS + 30)

    results = invoke_concurrently(function, {"meet": meeting_point, "count": 2, "deadline": MEET_DEADLINE_SECONDS})

    assert all(r.function_error is None for r in results), [r.payload for r in results]
    assert [r.payload["met"] for r in results] == [2, 2], "both invocations ran at the same time"
    assert results[0].payload["pid"] != results[1].payload["pid"]


def test_warm_environment_is_reused(make_function):
    function = make_function({"app.py": PID_HANDLER})

    first = function.invoke()
    second = function.invoke()

    assert first.function_error is None and second.function_error is None
    assert first.payload["pid"] == second.payload["pid"]
    assert "Init Duration" in first.log_tail
    assert "Init Duration" not in second.log_tail


def available_runtimes(runtimes_dir: Path) -> dict[tuple[int, int], Path]:
    found = {}
    if runtimes_dir.is_dir():
        for entry in runtimes_dir.iterdir():
            match = re.fullmatch(r"python(\d+)\.(\d+)", entry.name)
            if match and (entry / "bin" / "python").exists():
                found[(int(match.group(1)), int(match.group(2)))] = entry
    return found


@pytest.mark.parametrize("runtime", ["python3.12", "python3.13"])
def test_function_runs_under_its_runtime_interpreter(make_function, runtimes_dir, runtime):
    version = tuple(int(part) for part in runtime.removeprefix("python").split("."))
    venv = available_runtimes(runtimes_dir).get(version)
    if venv is None:
        pytest.skip(f"no {runtime} virtualenv in {runtimes_dir}")
    function = make_function({"app.py": PID_HANDLER}, runtime=runtime)

    result = function.invoke()

    assert tuple(result.payload["version"]) == version
    assert Path(result.payload["prefix"]).resolve() == venv.resolve()


def test_missing_runtime_falls_back_to_the_closest_version(make_function, runtimes_dir):
    available = available_runtimes(runtimes_dir)
    if not available or (3, 11) in available:
        pytest.skip(f"needs runtimes without python3.11 in {runtimes_dir}")
    closest = min(available, key=lambda v: (abs(v[1] - 11), -v[1]))
    function = make_function({"app.py": PID_HANDLER}, runtime="python3.11")

    result = function.invoke()

    assert tuple(result.payload["version"]) == closest


def test_no_process_survives_its_environments(make_function, lambda_client, poll, meeting_point):
    function = make_function(
        {"app.py": LINGERING_CHILD_HANDLER}, handler="app.lingering", timeout=MEET_DEADLINE_SECONDS + 30
    )
    results = invoke_concurrently(function, {"meet": meeting_point, "count": 2, "deadline": MEET_DEADLINE_SECONDS})
    assert all(r.function_error is None for r in results), [r.payload for r in results]
    assert [r.payload["met"] for r in results] == [2, 2], "two environments, each with its child"
    task_root = results[0].payload["task_root"]
    runtimes = {r.payload["pid"] for r in results}
    running = processes_mentioning(task_root)
    assert runtimes <= set(running) and len(running) >= 4, "two runtimes and their children"

    lambda_client.delete_function(FunctionName=function.name)

    poll(
        lambda: not processes_mentioning(task_root),
        SHUTDOWN_DEADLINE_SECONDS,
        f"no process mentioning {task_root}",
    )
