"""docker-compose.yml is right for Docker mode, even where no Docker engine runs to try it."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from lifecycle import compose as lifecycle_compose
from lifecycle import localstack_host
from settings import config
from settings.config import LOCALSTACK_VERSION, PROJECT_ROOT, SETTINGS

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
PROCESS_EXECUTOR = PROJECT_ROOT / "docker" / "compose.process-executor.yml"
HOT_RELOAD = PROJECT_ROOT / "docker" / "compose.hot-reload.yml"
SCHEMA = Path(__file__).with_name("schema") / "compose-spec.json"


class _ComposeLoader(yaml.SafeLoader):
    """YAML as Compose reads it: the merge tags `!override` and `!reset` keep their value."""


for _tag in ("!override", "!reset"):
    _ComposeLoader.add_constructor(
        _tag,
        lambda loader, node: (
            loader.construct_sequence(node)
            if isinstance(node, yaml.SequenceNode)
            else loader.construct_mapping(node)
            if isinstance(node, yaml.MappingNode)
            else loader.construct_scalar(node)
        ),
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_localstack_is_pinned_and_overridable(compose):
    image = compose["services"]["localstack"]["image"]
    assert image == f"${{LOCALSTACK_IMAGE:-localstack/localstack:{LOCALSTACK_VERSION}}}"
    assert "LOCALSTACK_AUTH_TOKEN" in compose["services"]["localstack"]["environment"]


def test_localstacks_calls_to_itself_stay_in_process_as_in_host_mode(compose):
    assert compose["services"]["localstack"]["environment"]["IN_MEMORY_CLIENT"] == "1"


def test_gateway_bound_to_loopback(compose):
    assert compose["services"]["localstack"]["ports"] == ["127.0.0.1:${LOCALSTACK_HOST_PORT:-4566}:4566"]


def test_lambda_containers_join_the_compose_network(compose):
    localstack = compose["services"]["localstack"]
    assert "/var/run/docker.sock:/var/run/docker.sock" in localstack["volumes"]
    assert localstack["environment"]["LAMBDA_DOCKER_NETWORK"] == compose["networks"]["default"]["name"]


def test_services_are_limited_to_the_pipeline(compose):
    services = set(compose["services"]["localstack"]["environment"]["SERVICES"].split(","))
    # cloudformation and secretsmanager: the SAM template's test deploys through them (tests/cloudformation).
    assert services == {"s3", "lambda", "iam", "sts", "logs", "sqs", "cloudformation", "secretsmanager"}
    assert services == set(localstack_host.SERVICES.split(","))


def test_every_service_has_a_healthcheck_and_postgres_a_volume(compose):
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert any(v.startswith("postgres-data:") for v in compose["services"]["postgres"]["volumes"])
    assert compose["services"]["postgres"]["image"] == "${POSTGRES_IMAGE:-postgres:15.10}", "postgres must be pinned"


needs_compose = pytest.mark.skipif(
    not shutil.which("docker") or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode,
    reason="docker compose is not installed",
)


@needs_compose
@pytest.mark.parametrize("files", [[COMPOSE], [COMPOSE, PROCESS_EXECUTOR]], ids=["default", "process-executor"])
def test_docker_compose_config_accepts_the_files(files):
    command = ["docker", "compose", *(a for f in files for a in ("-f", str(f))), "config", "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", [COMPOSE, PROCESS_EXECUTOR, HOT_RELOAD], ids=lambda p: p.name)
def test_compose_files_follow_the_compose_specification(path):
    schema = json.loads(SCHEMA.read_text())
    document = yaml.load(path.read_text(), Loader=_ComposeLoader)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(document)
    ]
    assert errors == []


def test_the_schema_check_would_catch_a_mistake():
    schema = json.loads(SCHEMA.read_text())
    broken = yaml.safe_load(COMPOSE.read_text())
    broken["services"]["postgres"]["ports"] = {"5432": 5433}
    broken["services"]["localstack"]["restart_policy"] = "always"
    assert len(list(jsonschema.Draft7Validator(schema).iter_errors(broken))) == 2


def test_lambda_runtime_image_is_pinned_to_a_dated_tag(compose):
    mapping = compose["services"]["localstack"]["environment"]["LAMBDA_RUNTIME_IMAGE_MAPPING"]
    default = SETTINGS["LAMBDA_RUNTIME_IMAGE"][0]
    assert mapping == '{"python3.12": "${LAMBDA_RUNTIME_IMAGE:-' + default + '}"}'
    repository, tag = default.split(":")
    assert repository == "public.ecr.aws/lambda/python"
    assert tag.startswith("3.12.20") and len(tag.split(".")) == 6, "a dated tag, e.g. 3.12.2025.04.01.18"


def test_process_executor_mounts_no_docker_socket():
    override = yaml.load(PROCESS_EXECUTOR.read_text(), Loader=_ComposeLoader)
    assert override["services"]["localstack"]["volumes"] == ["localstack-data:/var/lib/localstack"]
    assert "!override" in PROCESS_EXECUTOR.read_text(), "the socket mount must be replaced, not merged"


@needs_compose
def test_the_process_executor_sees_the_hot_reload_folders_at_their_own_paths(tmp_path):
    """The executor inside LocalStack's container runs hot-reloaded functions from host paths."""
    cfg = dataclasses.replace(config.load(), state_dir=tmp_path)
    command = lifecycle_compose.compose_command(cfg, "config", "--format", "json", process_image="process:tag")
    result = subprocess.run(
        command, env=lifecycle_compose._environment(cfg, "process:tag"), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    volumes = json.loads(result.stdout)["services"]["localstack"]["volumes"]
    binds = {(v["source"], v["target"], v.get("read_only", False)) for v in volumes if v["type"] == "bind"}
    folders = (PROJECT_ROOT / "lambdas", tmp_path / "hot-reload", tmp_path / "build")
    assert binds == {(str(f.resolve()), str(f.resolve()), True) for f in folders}, "and no Docker socket"
