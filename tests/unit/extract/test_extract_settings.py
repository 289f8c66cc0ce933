import pytest
from extractor.settings import ConfigurationError, Settings


def test_defaults_match_the_documented_values():
    settings = Settings.from_environ({})
    assert settings == Settings("uploads/", "extracted/", 1_000_000, 104_857_600)


def test_environment_overrides_defaults_and_empty_values_mean_default():
    settings = Settings.from_environ(
        {"UPLOAD_PREFIX": "in/", "EXTRACTED_PREFIX": "", "MAX_CONTENT_CHARS": "10", "MAX_OBJECT_BYTES": "20"}
    )
    assert settings == Settings("in/", "extracted/", 10, 20)


@pytest.mark.parametrize(
    ("upload", "extracted"),
    [
        ("uploads/", "uploads/extracted/"),  # documents would land under the watched prefix
        ("extracted/uploads/", "extracted/"),  # uploads would count as documents
        ("data/", "data/"),
        ("uploads/", "uploads"),
    ],
)
def test_overlapping_prefixes_are_refused(upload, extracted):
    with pytest.raises(ConfigurationError, match="loop"):
        Settings.from_environ({"UPLOAD_PREFIX": upload, "EXTRACTED_PREFIX": extracted})


@pytest.mark.parametrize("value", ["zero", "0", "-5", "1.5"])
def test_limits_must_be_positive_integers(value):
    with pytest.raises(ConfigurationError, match="MAX_CONTENT_CHARS"):
        Settings.from_environ({"MAX_CONTENT_CHARS": value})


def test_handler_refuses_a_looping_configuration_at_cold_start(load_handler):
    with pytest.raises(ConfigurationError, match="EXTRACTED_PREFIX='uploads/out/'"):
        load_handler(EXTRACTED_PREFIX="uploads/out/")


def test_handler_starts_with_disjoint_prefixes(load_handler):
    module = load_handler(UPLOAD_PREFIX="incoming/", EXTRACTED_PREFIX="text/")
    assert module.SETTINGS.upload_prefix == "incoming/"
    assert module.SETTINGS.extracted_prefix == "text/"
