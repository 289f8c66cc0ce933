"""`make up` on a running stack changes nothing and says so."""

from __future__ import annotations

import pytest

from bootstrap.deploy import deploy
from fue import localstack_host, stack


def test_second_up_reuses_everything(cfg):
    if stack.active_mode(cfg) != "host":
        pytest.skip("host-mode services")
    said: list[str] = []
    pid_before = localstack_host.running_pid(cfg)

    assert stack.up(cfg, log=said.append) == "host"
    report = deploy(cfg, log=said.append)

    assert localstack_host.running_pid(cfg) == pid_before
    assert "localstack venv: reused" in said
    assert any(line.startswith("PostgreSQL (host): already running") for line in said), said
    assert any(line.startswith("LocalStack (host): already running") for line in said), said
    assert not report.changed, said
