"""The functions' environment: every setting they read, from settings.config, and nothing they do not read."""

import pytest

from bootstrap import functions
from pipeline_core.settings import EXTRACT_VARIABLES, INSERT_VARIABLES, ExtractSettings, InsertSettings
from settings import config


@pytest.mark.parametrize(
    ("kind", "names", "settings"),
    [("extract", EXTRACT_VARIABLES, ExtractSettings), ("insert", INSERT_VARIABLES, InsertSettings)],
)
def test_bootstrap_passes_every_setting_the_function_reads(kind, names, settings):
    cfg = config.load()
    env = functions.environment(cfg, kind, mode="host")
    assert set(names) <= set(env) and env["POWERTOOLS_SERVICE_NAME"] == kind
    assert set(env) - set(names) == {"LOG_LEVEL", "POWERTOOLS_SERVICE_NAME"}
    read = settings.from_environ(env)  # the function starts with exactly this environment
    assert (read.keys.upload_prefix, read.keys.extracted_prefix) == (cfg.upload_prefix, cfg.extracted_prefix)


def test_insert_reaches_the_database_by_service_name_in_docker_mode():
    cfg = config.load()
    assert "@postgres:5432/" in functions.environment(cfg, "insert", mode="docker")["DATABASE_DSN"]
    assert "@127.0.0.1:" in functions.environment(cfg, "insert", mode="host")["DATABASE_DSN"]
