"""trace's parts that need no stack: which upload a key names, and how a stale stage reads."""

from dataclasses import replace

from pipeline_core.document import SourceVersion

from fue import config
from fue.trace import _stale, normalise_key

CFG = replace(config.load(), upload_prefix="uploads/", extracted_prefix="extracted/")
NOW = SourceVersion("e2", 12, 1_767_225_601_000)


def test_a_key_can_be_given_as_upload_document_or_relative_key():
    for spelling in ("a/b.txt", "uploads/a/b.txt", "extracted/a/b.txt"):
        assert normalise_key(CFG, spelling) == "uploads/a/b.txt"


def test_a_stage_of_the_current_version_is_not_marked():
    assert _stale("indexed", NOW, NOW) == ""


def test_a_stage_of_another_version_names_both_versions():
    mark = _stale("extracted", SourceVersion("e1", 10, 1_767_225_600_000), NOW)
    assert "STALE: extracted from ETag e1, 10 bytes, uploaded 2026-01-01 00:00:00 UTC" in mark
    assert "the upload is now ETag e2, 12 bytes, uploaded 2026-01-01 00:00:01 UTC" in mark
    assert "a version that was not recorded" in _stale("indexed", None, NOW)
