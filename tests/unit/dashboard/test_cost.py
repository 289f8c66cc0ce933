"""The cost model against figures computed by hand."""

from __future__ import annotations

import pytest

from dashboard import cost
from dashboard.cost import FunctionUsage, Workload

REPORT = (
    "REPORT RequestId: 0f1e\tDuration: 199.20 ms\tBilled Duration: 200 ms\tMemory Size: 512 MB\t"
    "Max Memory Used: 61 MB\tInit Duration: 812.00 ms"
)


def usage(invocations: int, billed_ms: int, memory_mb: int, architecture: str = "x86_64") -> FunctionUsage:
    u = FunctionUsage(architecture=architecture)
    for _ in range(invocations):
        u.add(billed_ms, memory_mb)
    return u


def hand_workload() -> Workload:
    # 100 files in an hour: extract 200 ms at 512 MB, insert 50 ms at 256 MB, 1 GiB stored per file.
    return Workload(
        window_seconds=3600,
        file_events=100,
        functions={"extract": usage(100, 200, 512), "insert": usage(100, 50, 256)},
        stored_bytes=100 * 1024**3,
        stored_files=100,
    )


def test_report_lines_give_billed_duration_and_memory():
    assert cost.parse_report(REPORT) == (200, 512)
    assert cost.parse_report(
        "REPORT RequestId: a Duration: 2.45 ms Billed Duration: 3 ms Memory Size: 128 MB Max Memory Used: 128 MB"
    ) == (3, 128)
    assert cost.parse_report("START RequestId: 0f1e Version: $LATEST") is None
    assert cost.parse_report('{"message": "Billed Duration: 5 ms"}') is None


def test_gb_seconds_are_billed_duration_times_memory():
    assert usage(100, 200, 512).gb_seconds == pytest.approx(10.0)  # 100 x 0.2 s x 0.5 GB
    assert usage(100, 50, 256).gb_seconds == pytest.approx(1.25)  # 100 x 0.05 s x 0.25 GB


def test_cost_per_1000_files_by_hand():
    est = cost.estimate(hand_workload())
    lines = {line.item: line for line in est.lines}
    # 2 invocations per file -> 2,000 requests x $0.20 / 1 M
    assert lines["Lambda requests"].per_1000_quantity == pytest.approx(2000)
    assert lines["Lambda requests"].per_1000_cost == pytest.approx(0.0004)
    # extract: 0.1 GB-s per file -> 100 GB-s x $0.0000166667
    assert lines["Lambda duration: extract (x86_64)"].per_1000_cost == pytest.approx(0.00166667)
    # insert: 0.0125 GB-s per file -> 12.5 GB-s
    assert lines["Lambda duration: insert (x86_64)"].per_1000_cost == pytest.approx(0.000208333750)
    # 2,000 PUT-class x $0.005 / 1,000 and 4,000 GET-class x $0.0004 / 1,000
    assert lines["S3 PUT/COPY/POST/LIST requests"].per_1000_cost == pytest.approx(0.01)
    assert lines["S3 GET/HEAD requests"].per_1000_cost == pytest.approx(0.0016)
    # 1 GiB per file -> 1,000 GB-months x $0.023
    assert lines["S3 Standard storage, one month"].per_1000_cost == pytest.approx(23.0)
    assert est.per_1000 == pytest.approx(23.01387500375)


def test_cost_per_month_at_the_observed_rate_by_hand():
    est = cost.estimate(hand_workload())
    assert est.files_per_month == pytest.approx(73_000)  # 100 an hour x 730 hours
    lines = {line.item: line for line in est.lines}
    assert lines["Lambda requests"].monthly_quantity == pytest.approx(146_000)
    assert est.monthly == pytest.approx(23.01387500375 * 73)


def test_arm64_duration_is_priced_as_arm64():
    work = Workload(window_seconds=3600, file_events=1000, functions={"extract": usage(1000, 1000, 1024, "arm64")})
    line = next(x for x in cost.estimate(work).lines if x.item.startswith("Lambda duration"))
    assert line.per_1000_cost == pytest.approx(1000 * 0.0000133334)  # 1 GB-s per file


def test_nothing_observed_gives_no_estimate():
    assert cost.estimate(Workload(window_seconds=3600, file_events=0)) is None


def test_money_for_people():
    assert cost.money(1680.0128) == "$1,680.01"
    assert cost.money(0.0016) == "$0.0016"
    assert cost.money(0.00002) == "< $0.0001"
    assert cost.money(0) == "$0.0000"


def test_report_prints_every_line_and_the_assumptions():
    work = hand_workload()
    text = cost.format_estimate(work, cost.estimate(work), 60)
    assert "$23.01" in text and "$1,680.01" in text
    assert all(a in text for a in cost.ASSUMPTIONS)
    assert "no function invocations" in cost.format_estimate(work, None, 60)
