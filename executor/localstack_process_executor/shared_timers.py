"""Timers that wait on one shared thread: the part of ``threading.Timer`` LocalStack's environments use.

LocalStack 4.14.0 starts a ``threading.Timer`` each time an execution environment becomes
idle (its keep-alive) and cancels it at the environment's next invocation: a thread started
and ended per invocation, on the invocation's path. ``Thread.start`` returns only once the
new thread has run, so each start waits for a GIL that the gateway's threads want too.

Here every timer waits on one thread. A timer that comes due runs its function on a thread
of its own, as ``threading.Timer`` does, so a slow function (stopping an environment) delays
no other timer. Cancelled timers leave the queue at their deadline, or all at once when they
are most of it.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

# Below this many cancelled entries the queue is never rebuilt.
COMPACT_AFTER = 64


class SharedTimer:
    """``threading.Timer(interval, function, args, kwargs)`` with its ``start()`` and ``cancel()``."""

    def __init__(
        self,
        thread: TimerThread,
        interval: float,
        function: Callable[..., Any],
        args: Any = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.interval = interval
        self.function = function
        self.args = args if args is not None else []
        self.kwargs = kwargs if kwargs is not None else {}
        self._thread = thread
        self.started = False
        self.cancelled = False
        self.fired = False

    def start(self) -> None:
        self._thread.schedule(self)

    def cancel(self) -> None:
        """Stop the timer if it has not fired yet (like ``threading.Timer``, too late once it has)."""
        self._thread.cancel(self)


class TimerThread:
    """One daemon thread, started with the first timer, that waits for every timer's deadline."""

    def __init__(self, name: str = "shared-timers") -> None:
        self._name = name
        self._wakeup = threading.Condition()
        self._queue: list[tuple[float, int, SharedTimer]] = []
        self._order = itertools.count()
        self._cancelled_in_queue = 0
        self._thread: threading.Thread | None = None

    def timer(self, interval: float, function: Callable[..., Any], args: Any = None, kwargs: Any = None) -> SharedTimer:
        """A timer on this thread; stands in for the ``threading.Timer`` class."""
        return SharedTimer(self, interval, function, args, kwargs)

    @property
    def queued(self) -> int:
        """Entries in the queue, cancelled ones included."""
        with self._wakeup:
            return len(self._queue)

    def schedule(self, timer: SharedTimer) -> None:
        with self._wakeup:
            if timer.started:
                raise RuntimeError("threads can only be started once")
            timer.started = True
            if timer.cancelled:
                return
            entry = (time.monotonic() + timer.interval, next(self._order), timer)
            heapq.heappush(self._queue, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            elif self._queue[0] is entry:
                self._wakeup.notify()

    def cancel(self, timer: SharedTimer) -> None:
        with self._wakeup:
            if timer.cancelled or timer.fired:
                return
            timer.cancelled = True
            if not timer.started:
                return
            self._cancelled_in_queue += 1
            if self._cancelled_in_queue > COMPACT_AFTER and 2 * self._cancelled_in_queue > len(self._queue):
                self._queue = [entry for entry in self._queue if not entry[2].cancelled]
                heapq.heapify(self._queue)
                self._cancelled_in_queue = 0

    def _run(self) -> None:
        while True:
            timer = self._next_due()
            threading.Thread(
                target=timer.function, args=timer.args, kwargs=timer.kwargs, name=f"{self._name}-fired", daemon=True
            ).start()

    def _next_due(self) -> SharedTimer:
        with self._wakeup:
            while True:
                while self._queue and self._queue[0][2].cancelled:
                    heapq.heappop(self._queue)
                    self._cancelled_in_queue -= 1
                if not self._queue:
                    self._wakeup.wait()
                    continue
                wait = self._queue[0][0] - time.monotonic()
                if wait > 0:
                    self._wakeup.wait(wait)
                    continue
                timer = heapq.heappop(self._queue)[2]
                timer.fired = True
                return timer
