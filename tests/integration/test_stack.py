"""`make up` on a running stack changes nothing and says so."""

from __future__ import annotations

import pytest

from bootstrap.deploy import deploy
from lifecycle import localstack_host, stack


@pytest.mark.host_only
def test_second_up_reuses_everything(cfg):
    said: list[str] = []
    pid_before = localstack_host.running_pid(cfg)

    assert stack.up(cfg, log=said.append) == "host"
    report = deploy(cfg, log=said.append)

    assert localstack_host.running_pid(cfg) == pid_before
    assert "localstack venv: reused" in said
    assert any(line.startswith("PostgreSQL (host): already running") for line in said), said
    assert any(line.startswith("LocalStack (host): already running") for line in said), said
    assert not report.changed, said
