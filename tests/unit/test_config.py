"""One place for settings: defaults, environment overrides, and the DSN each side uses."""

from __future__ import annotations

import sys
import typing

import pytest

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


def test_numbers_and_flags_are_read_by_the_fields_type_and_a_bad_one_is_named(monkeypatch):
    monkeypatch.setenv("UI_AUTOSTART", "off")
    monkeypatch.setenv("HOT_RELOAD", "Yes")
    monkeypatch.setenv("LAMBDA_TIMEOUT", "90")
    cfg = config.load()
    assert (cfg.ui_autostart, cfg.hot_reload, cfg.lambda_timeout) == (False, True, 90)

    monkeypatch.setenv("LAMBDA_TIMEOUT", "1m")
    with pytest.raises(config.InvalidSetting, match="LAMBDA_TIMEOUT must be a whole number from 1 to 900, not '1m'"):
        config.load()
    monkeypatch.setenv("LAMBDA_TIMEOUT", "90")
    monkeypatch.setenv("HOT_RELOAD", "maybe")
    with pytest.raises(config.InvalidSetting, match="HOT_RELOAD must be 1 or 0"):
        config.load()


def test_every_whole_number_setting_has_its_range():
    kinds = typing.get_type_hints(config.Config)
    numbers = {name for name in config.SETTINGS if kinds[config.field_name(name)] is int}
    assert numbers == set(config.RANGES)


@pytest.mark.parametrize(
    ("name", "refused", "accepted"),
    [
        ("LAMBDA_TIMEOUT", ["0", "901", "-5"], ["1", "900"]),
        ("LAMBDA_MAX_RETRIES", ["-1", "3"], ["0", "2"]),
        ("LAMBDA_MAX_EVENT_AGE", ["59", "21601"], ["60", "21600"]),
        ("MAX_OBJECT_BYTES", ["0", "-1"], ["1", str(10**12)]),
        ("MAX_CONTENT_CHARS", ["0"], ["1"]),
        ("LOCALSTACK_HOST_PORT", ["0", "65536"], ["1", "65535"]),
        ("LAMBDA_RETRY_DELAY", ["-1"], ["0"]),
        ("LAMBDA_MAX_ENVIRONMENTS", ["-1"], ["0", "64"]),
    ],
)
def test_a_whole_number_outside_its_range_is_refused_before_anything_uses_it(monkeypatch, name, refused, accepted):
    field = config.field_name(name)
    for raw in accepted:
        monkeypatch.setenv(name, raw)
        assert getattr(config.load(), field) == int(raw)
    for raw in refused:
        monkeypatch.setenv(name, raw)
        with pytest.raises(
            config.InvalidSetting, match=f"^{name} must be a whole number from .*, not '{raw}': change it"
        ):
            config.load()


@pytest.mark.parametrize("name", sorted(config.RANGES))
def test_every_range_is_checked_at_both_edges(monkeypatch, name):
    low, high = config.RANGES[name]
    field = config.field_name(name)
    edges = [(low - 1, False), (low, True)] + ([(high, True), (high + 1, False)] if high is not None else [])
    for value, accepted in edges:
        monkeypatch.setenv(name, str(value))
        if accepted:
            assert getattr(config.load(), field) == value
        else:
            with pytest.raises(config.InvalidSetting, match=f"^{name} must be"):
                config.load()


def test_the_command_line_says_which_setting_is_wrong_without_a_traceback(monkeypatch, capsys):
    from cli import app

    monkeypatch.setenv("MAX_OBJECT_BYTES", "-5")
    assert app.main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: MAX_OBJECT_BYTES must be a whole number from 1 up, not '-5'"), err
    assert "Traceback" not in err


def test_every_setting_is_a_config_field_and_state_folders_follow_state_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    cfg = config.load()
    assert cfg.state_dir == tmp_path
    assert (cfg.localstack_dir, cfg.build_dir, cfg.runtimes_dir) == (
        tmp_path / "localstack",
        tmp_path / "build",
        tmp_path / "runtimes",
    )


def _read(tmp_path, monkeypatch, text: str) -> dict:
    env_file = tmp_path / ".env"
    env_file.write_text(text)
    environ: dict[str, str] = {}
    monkeypatch.setattr(config.os, "environ", environ)
    config._load_dotenv(env_file)
    return environ


def test_dotenv_reads_export_lines_as_the_variable(tmp_path, monkeypatch):
    assert _read(tmp_path, monkeypatch, "export STACK=host\nexport  UI_PORT=8081\n") == {
        "STACK": "host",
        "UI_PORT": "8081",
    }


def test_dotenv_drops_inline_comments_but_keeps_hashes_inside_quotes(tmp_path, monkeypatch):
    text = "POSTGRES_HOST_PORT=5440   # private cluster\nPOSTGRES_PASSWORD='pa#ss' # quoted\nBUCKET=b#1\n"
    assert _read(tmp_path, monkeypatch, text) == {
        "POSTGRES_HOST_PORT": "5440",
        "POSTGRES_PASSWORD": "pa#ss",
        "BUCKET": "b#1",  # a '#' not preceded by a space is part of the value, as in a shell
    }


def test_dotenv_quotes(tmp_path, monkeypatch):
    text = 'A="two words"\nB=\'single $NOT_EXPANDED\'\nC="line\\nbreak"\nD=\nE= spaced \n'
    assert _read(tmp_path, monkeypatch, text) == {
        "A": "two words",
        "B": "single $NOT_EXPANDED",
        "C": "line\nbreak",
        "D": "",
        "E": "spaced",
    }


def test_without_python_dotenv_the_file_is_skipped_with_a_warning(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dotenv", None)  # import dotenv now raises ImportError
    assert _read(tmp_path, monkeypatch, "STACK=host\n") == {}
    assert "python-dotenv is missing" in capsys.readouterr().err
