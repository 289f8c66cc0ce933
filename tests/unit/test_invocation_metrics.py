"""Invocation metrics are counted on the invocation's path and sent summed: no count lost, none twice."""

from __future__ import annotations

import threading

from localstack_process_executor.invocation_metrics import InvocationMetrics, metric_threads_inline
from tests.support import poll_until

TIMEOUT_SECONDS = 30  # a bound on a hang, never on speed
WINDOW_SECONDS = 0.3


class Published:
    def __init__(self, fail_first: int = 0) -> None:
        self.points: list[tuple[str, int, str, str, str]] = []
        self.fail_first = fail_first
        self.lock = threading.Lock()

    def __call__(self, metric: str, value: int, function_name: str, account_id: str, region_name: str) -> None:
        with self.lock:
            if self.fail_first:
                self.fail_first -= 1
                raise RuntimeError("CloudWatch is not answering")
            self.points.append((metric, value, function_name, account_id, region_name))

    def sums(self) -> dict[tuple[str, str], int]:
        with self.lock:
            totals: dict[tuple[str, str], int] = {}
            for metric, value, function_name, _, _ in self.points:
                totals[(metric, function_name)] = totals.get((metric, function_name), 0) + value
            return totals


def test_a_burst_is_sent_as_one_data_point_per_metric_and_function():
    published = Published()
    metrics = InvocationMetrics(published, WINDOW_SECONDS)

    for _ in range(40):
        metrics.invocation("extract", "000000000000", "us-east-1")
    for _ in range(3):
        metrics.error("extract", "000000000000", "us-east-1")
    for _ in range(5):
        metrics.invocation("insert", "000000000000", "eu-west-1")

    expected = {("Invocations", "extract"): 43, ("Errors", "extract"): 3, ("Invocations", "insert"): 5}
    poll_until(lambda: published.sums() == expected, timeout=TIMEOUT_SECONDS, what=f"{expected}, as {published.points}")
    assert sorted(published.points) == [
        ("Errors", 3, "extract", "000000000000", "us-east-1"),
        ("Invocations", 5, "insert", "000000000000", "eu-west-1"),
        ("Invocations", 43, "extract", "000000000000", "us-east-1"),
    ]


def test_counts_from_many_threads_are_all_sent():
    published = Published()
    metrics = InvocationMetrics(published, WINDOW_SECONDS)

    def invoke() -> None:
        for _ in range(200):
            metrics.invocation("extract", "000000000000", "us-east-1")

    workers = [threading.Thread(target=invoke) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(TIMEOUT_SECONDS)

    expected = {("Invocations", "extract"): 1600}
    poll_until(lambda: published.sums() == expected, timeout=TIMEOUT_SECONDS, what=f"{expected}, as {published.sums()}")


def test_a_failed_send_loses_that_window_only():
    published = Published(fail_first=1)
    metrics = InvocationMetrics(published, WINDOW_SECONDS)
    metrics.invocation("extract", "000000000000", "us-east-1")
    poll_until(lambda: published.fail_first == 0, timeout=TIMEOUT_SECONDS, what="the first send to fail")

    metrics.invocation("extract", "000000000000", "us-east-1")

    poll_until(lambda: published.points, timeout=TIMEOUT_SECONDS, what="the next window to be sent")
    assert published.points == [("Invocations", 1, "extract", "000000000000", "us-east-1")]


def test_a_metric_thread_runs_its_function_at_once_and_starts_no_thread():
    started: list[str] = []
    ran: list[str] = []
    start_thread = metric_threads_inline(lambda method, *args, name=None, **kwargs: started.append(name))

    result = start_thread(
        lambda *args, **kwargs: ran.append("counted"), name="record-cloudwatch-metric-extract:$LATEST"
    )

    assert result is None
    assert ran == ["counted"]
    assert started == []


def test_other_threads_start_as_before():
    started: list[tuple[object, str | None, dict]] = []
    start_thread = metric_threads_inline(
        lambda method, *args, name=None, **kwargs: started.append((method, name, kwargs))
    )

    def provision() -> None:
        """Not run here: LocalStack's own start_thread runs it."""

    start_thread(provision, quiet=True)
    start_thread(provision, name="lambda-provisioning")

    assert started == [(provision, None, {"quiet": True}), (provision, "lambda-provisioning", {})]
