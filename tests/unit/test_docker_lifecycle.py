"""Docker mode's lifecycle against a fake ``docker`` on PATH (tests/unit/fake_docker.py).

One test per way Docker mode used to go wrong: a failed ``up``, a lost state file, ``clean``
after ``down``, a missing Compose plugin, images that cannot be pulled, a non-UTF8 database,
a failing ``compose down``, and a host whose only Python is 3.10.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from lifecycle import compose, interpreters, localstack_host, stack, venvs
from settings import config

FAKE = Path(__file__).with_name("fake_docker.py")
STANDINS = ["localstack/localstack:4.14.0", "postgres:15.10"]


class Engine:
    def __init__(self, path: Path):
        self.path = path

    @property
    def state(self) -> dict:
        return json.loads(self.path.read_text())

    def set(self, **values) -> None:
        self.path.write_text(json.dumps({**self.state, **values}))

    def calls(self, *prefix: str) -> list[list[str]]:
        return [c for c in self.state.get("calls", []) if c[: len(prefix)] == list(prefix)]

    def compose_calls(self, command: str) -> list[list[str]]:
        return [c for c in self.calls("compose") if command in c]

    def leftovers(self) -> dict:
        return {k: self.state.get(k, []) for k in ("containers", "networks", "volumes") if self.state.get(k)}


@pytest.fixture()
def engine(tmp_path, monkeypatch) -> Engine:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(f"#!{sys.executable}\n" + FAKE.read_text())
    (bin_dir / "docker").chmod(0o755)
    state = tmp_path / "engine.json"
    state.write_text(json.dumps({"images": STANDINS}))
    monkeypatch.setenv("FAKE_DOCKER_STATE", str(state))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return Engine(state)


@pytest.fixture()
def cfg(tmp_path) -> config.Config:
    return dataclasses.replace(
        config.load(),
        state_dir=tmp_path / "state",
        stack="docker",
        docker_lambda_executor="docker",
        localstack_image=STANDINS[0],
        postgres_image=STANDINS[1],
        lambda_python_image="python:3.12-slim",
    )


def quiet(*_):
    pass


def test_up_then_down_then_clean_leaves_nothing(engine, cfg):
    assert stack.up(cfg, log=quiet) == "docker"
    assert stack.active_mode(cfg) == "docker"

    stack.down(cfg, log=quiet)
    assert engine.leftovers() == {
        "volumes": ["file-upload-extraction_localstack-data", "file-upload-extraction_postgres-data"]
    }
    # `make clean` after `make down`: no state file, nothing runs, yet the volumes go.
    assert not (cfg.state_dir / "stack").exists()
    stack.down(cfg, log=quiet, delete_data=True)
    assert engine.leftovers() == {}
    assert engine.compose_calls("down")[-1][-1] == "--volumes"


def test_failed_up_stops_what_started_and_says_why(engine, cfg):
    engine.set(up_fails="dependency failed to start: container file-upload-extraction-postgres-1 is unhealthy")

    with pytest.raises(stack.StackError) as error:
        stack.up(cfg, log=quiet)

    message = str(error.value)
    assert "did not become healthy" in message and "is unhealthy" in message
    assert "make logs" in message
    assert engine.state["running"] == [] and engine.state["containers"] == []
    # A later bootstrap must not take the half-started stack for a running one.
    assert stack.running_mode(cfg) is None


def test_lost_state_file_mode_comes_from_the_running_project(engine, cfg):
    stack.up(cfg, log=quiet)
    shutil.rmtree(cfg.state_dir)

    assert stack.active_mode(cfg) == "docker"
    assert stack.active_mode(dataclasses.replace(cfg, stack="auto")) == "docker"
    stack.down(dataclasses.replace(cfg, stack="auto"), log=quiet, delete_data=True)
    assert engine.leftovers() == {}


def test_bootstrap_after_a_failed_up_gives_functions_the_right_database_host(engine, cfg):
    engine.set(
        up_fails="Error response from daemon: driver failed programming external connectivity: "
        "Bind for 127.0.0.1:5433 failed: port is already allocated"
    )
    with pytest.raises(stack.StackError, match="POSTGRES_HOST_PORT"):
        stack.up(cfg, log=quiet)
    assert engine.state["running"] == []
    # bootstrap asks active_mode: still Docker mode, so functions get the compose service's address.
    assert stack.running_mode(cfg) is None and stack.active_mode(cfg) == "docker"
    assert "@postgres:5432/" in cfg.database_dsn(for_lambda=True, stack=stack.active_mode(cfg))


def test_missing_compose_plugin_says_what_to_install(engine, cfg):
    engine.set(compose=False)

    with pytest.raises(stack.StackError) as error:
        stack.up(cfg, log=quiet)

    assert "Compose v2" in str(error.value)
    assert "docker-compose-plugin" in str(error.value) and "STACK=host" in str(error.value)


def test_images_that_cannot_be_pulled_give_advice(engine, cfg):
    engine.set(images=[])

    with pytest.raises(stack.StackError) as error:
        stack.up(cfg, log=quiet)

    message = str(error.value)
    assert "could not be pulled" in message and "no such host" in message
    assert "docker/standins/build.sh" in message and "STACK=host" in message
    assert engine.compose_calls("up") == []


def test_process_executor_builds_the_project_image_from_present_images(engine, cfg):
    engine.set(images=[*STANDINS, cfg.lambda_python_image])

    stack.up(dataclasses.replace(cfg, docker_lambda_executor="process"), log=quiet)

    built = engine.calls("build")
    assert len(built) == 1 and f"LOCALSTACK_IMAGE={cfg.localstack_image}" in built[0]
    up = engine.compose_calls("up")[-1]
    assert str(compose.PROCESS_EXECUTOR_FILE) in up


def test_a_new_project_image_removes_the_earlier_ones_no_container_uses(engine, cfg):
    stale, in_use = f"{compose.PROCESS_IMAGE_REPOSITORY}:old", f"{compose.PROCESS_IMAGE_REPOSITORY}:running"
    engine.set(images=[*STANDINS, cfg.lambda_python_image, stale, in_use], in_use=[in_use])

    stack.up(dataclasses.replace(cfg, docker_lambda_executor="process"), log=quiet)

    [built] = [call[call.index("--tag") + 1] for call in engine.calls("build")]
    assert stale not in engine.state["images"]
    assert in_use in engine.state["images"] and built in engine.state["images"]
    assert cfg.localstack_image in engine.state["images"]  # only the project's own images go


def test_make_clean_removes_the_images_the_project_built(engine, cfg):
    process = dataclasses.replace(cfg, docker_lambda_executor="process")
    engine.set(images=[*STANDINS, cfg.lambda_python_image])
    stack.up(process, log=quiet)
    assert any(i.startswith(compose.PROCESS_IMAGE_REPOSITORY) for i in engine.state["images"])

    stack.down(process, log=quiet, delete_data=True)

    assert not any(i.startswith(compose.PROCESS_IMAGE_REPOSITORY) for i in engine.state["images"])
    assert set(STANDINS) <= set(engine.state["images"])
    assert engine.leftovers() == {}


def test_non_utf8_database_is_reported_with_the_fix(engine, cfg):
    engine.set(encoding="SQL_ASCII")

    with pytest.raises(stack.StackError) as error:
        stack.up(cfg, log=quiet)

    message = str(error.value)
    assert "SQL_ASCII" in message and "UTF8" in message and "make clean && make up" in message
    assert engine.state["running"] == []


def test_failing_compose_down_is_an_error(engine, cfg):
    stack.up(cfg, log=quiet)
    engine.set(down_fails="Error response from daemon: error while removing network: network has active endpoints")

    with pytest.raises(stack.StackError, match="active endpoints"):
        stack.down(cfg, log=quiet)


def test_host_setting_keeps_commands_away_from_docker(engine, cfg):
    stack.up(cfg, log=quiet)
    before = len(engine.state["calls"])

    stack.down(dataclasses.replace(cfg, stack="host"), log=quiet)

    assert engine.state["running"] != []
    assert not [c for c in engine.state["calls"][before:] if c[:1] == ["compose"]]


def test_database_restart_waits_until_the_container_is_healthy(engine, cfg):
    stack.up(cfg, log=quiet)
    engine.set(health=["starting", "starting", "healthy"])

    stack.stop_database(cfg)
    stack.start_database(cfg)

    assert engine.compose_calls("stop")[-1][-1] == "postgres"
    assert len([c for c in engine.compose_calls("ps") if "{{.Health}}" in c]) == 3


def test_database_that_stays_unhealthy_is_an_error(engine, cfg):
    stack.up(cfg, log=quiet)
    engine.set(health=["unhealthy"])

    with pytest.raises(compose.ComposeError, match=r"did not become healthy.*make logs"):
        compose.service(cfg, "start", "postgres", timeout=1)


def test_function_architecture_comes_from_the_engine(engine):
    engine.set(architecture="aarch64")
    assert compose.engine_architecture() == "arm64"
    engine.set(architecture="x86_64")
    assert compose.engine_architecture() == "x86_64"


def test_a_host_with_only_python_310_gets_a_tools_venv_and_a_clear_host_mode_error(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python3.10"
    fake.write_text("#!/bin/sh\necho 3.10\n")
    fake.chmod(0o755)
    for name in ("PYENV_ROOT", "PYTHON313", "PYTHON312", "PYTHON311", "PYTHON310"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "uv"))
    monkeypatch.setattr(
        interpreters,
        "_candidates",
        lambda v, real=interpreters._candidates: [c for c in real(v) if c.startswith(str(bin_dir))],
    )

    python = interpreters.find_first(venvs.TOOLS_PYTHON_VERSIONS)
    spec = venvs.tools_spec(interpreters.version_of(python))

    assert python == str(fake)
    assert spec.installs[0] == ["-r", str(config.PROJECT_ROOT / "requirements" / "tools-py310.lock")]
    cfg = dataclasses.replace(config.load(), state_dir=tmp_path / "state")
    monkeypatch.setattr(localstack_host, "runtime_user", lambda: None)  # the user question comes after Python's
    with pytest.raises(localstack_host.StartError, match=r"needs Python 3\.13"):
        localstack_host.install(cfg, log=quiet)
