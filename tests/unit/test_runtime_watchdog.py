"""The runtime's timeout watchdog: one thread per environment, the armed invocation's report at its deadline."""

from __future__ import annotations

import threading
import time

from localstack_process_executor.bootstrap import Watchdog

BOUND_SECONDS = 10  # a bound on a hang, never on speed


def watchdog_threads() -> int:
    return sum(thread.name == "invocation-timeout" for thread in threading.enumerate())


def sleeping_towards_a_deadline(watchdog: Watchdog) -> None:
    """Wait until the watchdog's thread sleeps towards the armed deadline (it has taken it in)."""
    deadline = time.monotonic() + BOUND_SECONDS
    while watchdog._waiting_until is None:
        assert time.monotonic() < deadline, "the watchdog's thread never took the armed deadline in"
        time.sleep(0.001)


def test_the_armed_callback_runs_once_the_deadline_passes():
    fired = threading.Event()
    Watchdog().arm(0.05, fired.set)

    assert fired.wait(BOUND_SECONDS), "the watchdog did not report a timed-out invocation"


def test_a_disarmed_invocation_is_never_reported():
    watchdog, first = Watchdog(), threading.Event()
    watchdog.arm(0.5, first.set)
    watchdog.disarm()

    # Nothing else is armed, so nothing replaces the disarmed deadline: four times it passes without a report.
    assert not first.wait(2), "a finished (disarmed) invocation was reported as timed out"


def test_a_later_invocation_is_reported_after_an_earlier_one_finished():
    watchdog, first, second = Watchdog(), threading.Event(), threading.Event()
    watchdog.arm(0.05, first.set)
    watchdog.disarm()
    watchdog.arm(0.2, second.set)

    # The later deadline passing means the earlier one has passed too.
    assert second.wait(BOUND_SECONDS), "the second invocation's timeout was not reported"
    assert not first.is_set(), "a finished (disarmed) invocation was reported as timed out"


def test_an_earlier_deadline_wakes_a_watchdog_waiting_for_a_later_one():
    watchdog, fired = Watchdog(), threading.Event()
    watchdog.arm(3600, lambda: None)
    sleeping_towards_a_deadline(watchdog)
    watchdog.disarm()
    watchdog.arm(0.05, fired.set)

    assert fired.wait(BOUND_SECONDS), "the watchdog kept sleeping towards the hour-long deadline"


def test_the_watchdog_keeps_serving_after_a_report():
    watchdog, first, second = Watchdog(), threading.Event(), threading.Event()
    watchdog.arm(0.05, first.set)
    assert first.wait(BOUND_SECONDS)

    watchdog.arm(0.05, second.set)
    assert second.wait(BOUND_SECONDS), "after one report the watchdog reported nothing more"


def test_invocations_share_one_thread():
    before = watchdog_threads()
    watchdog = Watchdog()
    for _ in range(50):
        watchdog.arm(3600, lambda: None)
        watchdog.disarm()

    assert watchdog_threads() == before + 1
