"""The figures `make bench` derives: how busy the machine was and what the stack's CPU per file allows."""

from __future__ import annotations

from bench import cpu
from bench.pipeline import Result, _machine_line, cpu_bound_rate

BASE = dict(
    mode="host mode, 2 CPUs",
    count=500,
    concurrency=8,
    upload_seconds=4.0,
    total_seconds=12.7,
    cold_start_extracted_ms=None,
    cold_start_searchable_ms=None,
)


def test_busy_share_counts_all_but_idle_and_io_wait_ticks():
    before = cpu.MachineTicks(busy=1_000, total=5_000)
    after = cpu.MachineTicks(busy=1_930, total=6_000)

    assert (after - before).busy_percent() == 93
    assert cpu.MachineTicks(busy=0, total=0).busy_percent() is None


def test_machine_ticks_are_read_from_proc_stat():
    ticks = cpu.machine()

    assert ticks is not None and 0 < ticks.busy <= ticks.total


def test_cpu_bound_rate_is_cores_over_cpu_per_file():
    assert cpu_bound_rate({"localstack": 16.9, "functions": 18.1, "postgres": 9.9}, 2) == 44.5
    assert cpu_bound_rate({}, 2) is None  # Docker mode: no CPU per file
    assert cpu_bound_rate({"localstack": 20.0}, None) is None


def test_machine_line_says_how_close_the_burst_came_to_the_cpu_bound_rate():
    result = Result(
        **BASE,
        throughput_files_per_s=39.3,
        machine_busy_percent=93,
        cpu_bound_files_per_s=44.5,
        cpu_ms_per_file={"localstack": 16.9, "functions": 18.1, "postgres": 9.9},
    )

    assert _machine_line(result) == (
        "machine: 93% of all CPUs busy during the mixed burst; the stack's 44.9 ms of CPU per file "
        "allow at most 44.5 files/s on them (reached 88%)"
    )
    assert _machine_line(Result(**BASE, machine_busy_percent=93)) == (
        "machine: 93% of all CPUs busy during the mixed burst"
    )
    assert _machine_line(Result(**BASE)) == "machine: not measured (no /proc/stat)"
