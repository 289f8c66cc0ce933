"""Edges of the shared core: the smallest positive setting, events that are not objects, and the
fields an outcome is logged with."""

import pytest

from pipeline_core.converge import Outcome
from pipeline_core.events import records
from pipeline_core.settings import ExtractSettings


def test_one_is_a_positive_setting():
    env = {"UPLOAD_PREFIX": "u/", "EXTRACTED_PREFIX": "x/", "MAX_CONTENT_CHARS": "1", "MAX_OBJECT_BYTES": "1"}
    settings = ExtractSettings.from_environ(env)
    assert (settings.max_content_chars, settings.max_object_bytes) == (1, 1)


@pytest.mark.parametrize("event", [None, "Records", ["Records"], 7, {"Records": "not a list"}, {}])
def test_an_event_that_is_no_object_with_a_list_of_records_has_none(event):
    assert records(event) == []


def test_an_outcome_is_logged_with_its_action_key_passes_and_details():
    assert Outcome("written", "uploads/a.txt", 2, {"target": "extracted/a.txt"}).fields() == {
        "action": "written",
        "key": "uploads/a.txt",
        "passes": 2,
        "target": "extracted/a.txt",
    }
