"""The host-mode memory limit: its size, and how its breach is reported (the rest is in tests/executor)."""

from __future__ import annotations

from localstack_process_executor import memory_limit
from localstack_process_executor.bootstrap import out_of_memory_error, report_line


def test_the_limit_is_the_memory_size_plus_the_measured_headroom():
    assert memory_limit.address_space_limit(512) == (512 + memory_limit.HEADROOM_MB) * 1024 * 1024
    assert memory_limit.runtime_arguments(128) == ["--address-space-limit", str(384 * 1024 * 1024)]


def test_out_of_memory_is_reported_as_aws_does():
    assert out_of_memory_error("r1") == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": "RequestId: r1 Error: Runtime exited with error: signal: killed",
    }
    line = report_line("r1", 12.3, 128, 128, status="error", error_type="Runtime.OutOfMemory")
    assert line.endswith("Memory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory")
