"""The functions' settings: read from the environment bootstrap sets, with no defaults of their own."""

import pytest

from pipeline_core.settings import (
    EXTRACT_VARIABLES,
    INSERT_VARIABLES,
    ConfigurationError,
    ExtractSettings,
    InsertSettings,
)

EXTRACT_ENV = {
    "UPLOAD_PREFIX": "uploads/",
    "EXTRACTED_PREFIX": "extracted/",
    "MAX_CONTENT_CHARS": "10",
    "MAX_OBJECT_BYTES": "20",
}
INSERT_ENV = {"UPLOAD_PREFIX": "uploads/", "EXTRACTED_PREFIX": "extracted/", "DATABASE_DSN": "postgresql://u:p@h/d"}


def test_settings_are_read_from_the_environment():
    extract = ExtractSettings.from_environ(EXTRACT_ENV)
    assert (extract.keys.upload_prefix, extract.keys.extracted_prefix) == ("uploads/", "extracted/")
    assert (extract.max_content_chars, extract.max_object_bytes) == (10, 20)
    assert InsertSettings.from_environ(INSERT_ENV).database_dsn == "postgresql://u:p@h/d"
    assert set(EXTRACT_ENV) == set(EXTRACT_VARIABLES) and set(INSERT_ENV) == set(INSERT_VARIABLES)


@pytest.mark.parametrize("missing", EXTRACT_VARIABLES)
def test_every_extract_setting_is_required(missing):
    environ = {name: value for name, value in EXTRACT_ENV.items() if name != missing}
    with pytest.raises(ConfigurationError, match=f"{missing} is not set.*make bootstrap"):
        ExtractSettings.from_environ(environ)


@pytest.mark.parametrize("missing", INSERT_VARIABLES)
def test_every_insert_setting_is_required(missing):
    environ = {name: value for name, value in INSERT_ENV.items() if name != missing}
    with pytest.raises(ConfigurationError, match=missing):
        InsertSettings.from_environ(environ)


@pytest.mark.parametrize(("value", "message"), [("ten", "must be an integer"), ("0", "must be positive")])
def test_numbers_are_checked(value, message):
    with pytest.raises(ConfigurationError, match=message):
        ExtractSettings.from_environ({**EXTRACT_ENV, "MAX_CONTENT_CHARS": value})


def test_overlapping_prefixes_stop_the_function_at_its_cold_start():
    with pytest.raises(ConfigurationError, match="overlap"):
        ExtractSettings.from_environ({**EXTRACT_ENV, "EXTRACTED_PREFIX": "uploads/text/"})
