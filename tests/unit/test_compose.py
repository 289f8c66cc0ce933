"""docker-compose.yml is right for Docker mode, even where no Docker engine runs to try it."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from fue.config import LOCALSTACK_VERSION, PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_localstack_is_pinned_and_overridable(compose):
    image = compose["services"]["localstack"]["image"]
    assert image == f"${{LOCALSTACK_IMAGE:-localstack/localstack:{LOCALSTACK_VERSION}}}"
    assert "LOCALSTACK_AUTH_TOKEN" in compose["services"]["localstack"]["environment"]


def test_gateway_bound_to_loopback(compose):
    assert compose["services"]["localstack"]["ports"] == ["127.0.0.1:${LOCALSTACK_HOST_PORT:-4566}:4566"]


def test_lambda_containers_join_the_compose_network(compose):
    localstack = compose["services"]["localstack"]
    assert "/var/run/docker.sock:/var/run/docker.sock" in localstack["volumes"]
    assert localstack["environment"]["LAMBDA_DOCKER_NETWORK"] == compose["networks"]["default"]["name"]


def test_services_are_limited_to_the_pipeline(compose):
    services = set(compose["services"]["localstack"]["environment"]["SERVICES"].split(","))
    assert services == {"s3", "lambda", "iam", "sts", "logs", "sqs"}


def test_every_service_has_a_healthcheck_and_postgres_a_volume(compose):
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert any(v.startswith("postgres-data:") for v in compose["services"]["postgres"]["volumes"])
    assert compose["services"]["postgres"]["image"] == "${POSTGRES_IMAGE:-postgres:15.10}", "postgres must be pinned"


@pytest.mark.skipif(
    not shutil.which("docker") or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode,
    reason="docker compose is not installed",
)
def test_docker_compose_config_accepts_the_file():
    result = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
