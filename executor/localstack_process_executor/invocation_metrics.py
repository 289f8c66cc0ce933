"""The CloudWatch metrics of function invocations, counted as they happen and sent once a window.

LocalStack 4.14.0 starts a thread for every invocation, which sends ``Invocations`` (and
``Errors`` for a failed one) with one ``PutMetricData`` when CloudWatch is enabled: a thread
start on the invocation's path, and a request per invocation. Here an invocation adds one to
a count; one thread sends each function's sums a window later, one data point per metric and
function. Sums over any period stay the same; ``SampleCount`` counts windows, not invocations.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)

# (metric name, function name, account, region)
MetricKey = tuple[str, str, str, str]
Publish = Callable[[str, int, str, str, str], None]
# LocalStack 4.14.0 names the threads that send an invocation's metrics with this prefix.
METRIC_THREAD_NAME = "record-cloudwatch-metric"


class InvocationMetrics:
    """``record_cw_metric_invocation`` and ``record_cw_metric_error`` of LocalStack, summed per window."""

    def __init__(self, publish: Publish, window_seconds: float, name: str = "lambda-metrics") -> None:
        self._publish = publish
        self._window_seconds = window_seconds
        self._name = name
        self._counts: Counter[MetricKey] = Counter()
        self._pending = threading.Condition()
        self._thread: threading.Thread | None = None

    def invocation(self, function_name: str, account_id: str, region_name: str) -> None:
        self._add([("Invocations", function_name, account_id, region_name)])

    def error(self, function_name: str, account_id: str, region_name: str) -> None:
        self._add(
            [
                ("Invocations", function_name, account_id, region_name),
                ("Errors", function_name, account_id, region_name),
            ]
        )

    def _add(self, keys: list[MetricKey]) -> None:
        with self._pending:
            self._counts.update(keys)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._pending.notify()

    def _run(self) -> None:
        while True:
            with self._pending:
                while not self._counts:
                    self._pending.wait()
            time.sleep(self._window_seconds)
            with self._pending:
                counts, self._counts = self._counts, Counter()
            for (metric, function_name, account_id, region_name), value in counts.items():
                try:
                    self._publish(metric, value, function_name, account_id, region_name)
                except Exception as e:  # as LocalStack's own: a lost data point, never a stopped thread
                    LOG.debug("Failed to send CloudWatch metric %s of %s: %s", metric, function_name, e)


def metric_threads_inline(start_thread: Callable[..., Any]) -> Callable[..., Any]:
    """LocalStack's ``start_thread``, except that a metric thread's function runs at once: it only counts now."""

    def start(method: Callable[..., Any], *args: Any, name: str | None = None, **kwargs: Any) -> Any:
        if name and name.startswith(METRIC_THREAD_NAME):
            method()
            return None
        return start_thread(method, *args, name=name, **kwargs)

    return start
