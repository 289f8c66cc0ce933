"""Timers on one shared thread keep ``threading.Timer``'s promises: run once, late never early, not after cancel."""

from __future__ import annotations

import threading
import time

import pytest

from localstack_process_executor.shared_timers import COMPACT_AFTER, TimerThread
from tests.support import poll_until

TIMEOUT_SECONDS = 30  # a bound on a hang, never on speed
LONG = 3600.0  # a deadline no test reaches


class Calls:
    def __init__(self) -> None:
        self.seen: list[tuple[str, float, int]] = []
        self.lock = threading.Lock()

    def record(self, label: str) -> None:
        with self.lock:
            self.seen.append((label, time.monotonic(), threading.get_ident()))

    def labels(self) -> list[str]:
        with self.lock:
            return [label for label, _, _ in self.seen]


def test_a_timer_runs_its_function_with_its_arguments_once_its_interval_has_passed():
    timers, calls = TimerThread(), Calls()
    started = time.monotonic()

    timers.timer(0.2, calls.record, args=["due"]).start()

    poll_until(calls.labels, timeout=TIMEOUT_SECONDS, what="the timer to fire")
    ((label, fired_at, _),) = calls.seen
    assert label == "due"
    assert fired_at - started >= 0.2


def test_timers_fire_in_the_order_of_their_deadlines_not_of_their_starts():
    timers, calls = TimerThread(), Calls()
    for label, interval in (("third", 0.6), ("first", 0.2), ("second", 0.4)):
        timers.timer(interval, calls.record, kwargs={"label": label}).start()

    poll_until(lambda: len(calls.labels()) == 3, timeout=TIMEOUT_SECONDS, what="three timers to fire")
    assert calls.labels() == ["first", "second", "third"]


@pytest.mark.parametrize("cancelled_before_start", [False, True], ids=["after-start", "before-start"])
def test_a_cancelled_timer_never_runs(cancelled_before_start):
    """LocalStack also cancels an environment's first keep-alive timer without ever starting it."""
    timers, calls = TimerThread(), Calls()
    cancelled = timers.timer(0.5, calls.record, args=["cancelled"])
    if cancelled_before_start:
        cancelled.cancel()
        cancelled.start()
    else:
        cancelled.start()
        cancelled.cancel()
    timers.timer(0.8, calls.record, args=["witness"]).start()

    poll_until(calls.labels, timeout=TIMEOUT_SECONDS, what="the witness timer to fire")
    assert calls.labels() == ["witness"]


def test_a_timer_starts_only_once():
    timer = TimerThread().timer(LONG, lambda: None)
    timer.start()
    with pytest.raises(RuntimeError):
        timer.start()


def test_a_slow_function_holds_up_no_other_timer():
    """A fired keep-alive stops an environment, which can take seconds: each runs on a thread of its own."""
    timers, calls = TimerThread(), Calls()
    release = threading.Event()

    def slow() -> None:
        calls.record("slow")
        assert release.wait(TIMEOUT_SECONDS)

    timers.timer(0, slow).start()
    timers.timer(0.2, calls.record, args=["after"]).start()
    try:
        poll_until(lambda: calls.labels() == ["slow", "after"], timeout=TIMEOUT_SECONDS, what="the second timer")
    finally:
        release.set()
    assert calls.seen[0][2] != calls.seen[1][2]


def test_a_sooner_timer_wakes_a_thread_waiting_for_a_later_one():
    timers, calls = TimerThread(), Calls()
    timers.timer(LONG, calls.record, args=["later"]).start()

    timers.timer(0.1, calls.record, args=["sooner"]).start()

    poll_until(calls.labels, timeout=TIMEOUT_SECONDS, what="the sooner timer to fire")
    assert calls.labels() == ["sooner"]


def test_cancelled_timers_do_not_pile_up_until_their_deadlines():
    """Each invocation cancels a keep-alive of minutes: the queue stays near the timers still running."""
    timers, calls = TimerThread(), Calls()
    for number in range(10):
        timers.timer(2.0, calls.record, args=[f"running {number}"]).start()

    for _ in range(20 * COMPACT_AFTER):
        timer = timers.timer(LONG, calls.record, args=["cancelled"])
        timer.start()
        timer.cancel()

    assert timers.queued <= 10 + 2 * COMPACT_AFTER + 2
    poll_until(lambda: len(calls.labels()) >= 10, timeout=TIMEOUT_SECONDS, what="the running timers to fire")
    assert sorted(calls.labels()) == [f"running {number}" for number in range(10)]


def test_one_thread_waits_for_all_timers():
    before = threading.active_count()
    timers = TimerThread()
    for _ in range(50):
        timers.timer(LONG, lambda: None).start()
    assert threading.active_count() == before + 1


def test_cancel_after_firing_changes_nothing():
    timers, calls = TimerThread(), Calls()
    timer = timers.timer(0, calls.record, args=["fired"])
    timer.start()
    poll_until(calls.labels, timeout=TIMEOUT_SECONDS, what="the timer to fire")

    timer.cancel()

    assert timer.fired and not timer.cancelled
