"""One place for settings: defaults, environment overrides, and the DSN each side uses."""

from __future__ import annotations

from settings import config


def test_defaults_match_the_documented_table(monkeypatch):
    for name in config.SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(config, "_load_dotenv", lambda path: None)

    cfg = config.load()

    assert cfg.bucket == "file-upload-extraction-example"
    assert (cfg.upload_prefix, cfg.extracted_prefix) == ("uploads/", "extracted/")
    assert cfg.endpoint_url == "http://127.0.0.1:4566"
    assert cfg.localstack_image == "localstack/localstack:4.14.0"
    assert cfg.state_dir == config.PROJECT_ROOT / ".state"


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("LOCALSTACK_HOST_PORT", "4999")
    monkeypatch.setenv("BUCKET", "other-bucket")

    cfg = config.load()

    assert cfg.endpoint_url == "http://127.0.0.1:4999"
    assert cfg.bucket == "other-bucket"


def test_lambda_dsn_uses_the_compose_service_in_docker_mode_only(monkeypatch):
    monkeypatch.setenv("POSTGRES_HOST_PORT", "5433")
    cfg = config.load()

    assert cfg.database_dsn(for_lambda=True, stack="docker") == "postgresql://search:search@postgres:5432/search"
    assert cfg.database_dsn(for_lambda=True, stack="host") == "postgresql://search:search@127.0.0.1:5433/search"
    assert cfg.database_dsn() == "postgresql://search:search@127.0.0.1:5433/search"


def test_dotenv_fills_only_unset_variables(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nBUCKET='from-dotenv'\nUPLOAD_PREFIX=incoming/\n")
    # A private environment: what .env sets must not leak into later tests.
    environ = {"UPLOAD_PREFIX": "from-shell/"}
    monkeypatch.setattr(config.os, "environ", environ)

    config._load_dotenv(env_file)

    assert environ == {"BUCKET": "from-dotenv", "UPLOAD_PREFIX": "from-shell/"}
