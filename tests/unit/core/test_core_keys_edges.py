"""The key mapping's edges: no room at all, the prefix itself, folder placeholders under extracted/."""

import pytest

from pipeline_core.keys import KeyMap, PrefixesOverlap, cut_utf8

KEYS = KeyMap("uploads/", "extracted/")


@pytest.mark.parametrize("room", [0, -1, -64])
def test_no_room_keeps_nothing(room):
    assert cut_utf8("abc", room) == ""


def test_a_cut_never_splits_a_character():
    assert [cut_utf8("aü東", n) for n in range(7)] == ["", "a", "a", "aü", "aü", "aü", "aü東"]


@pytest.mark.parametrize("document_key", ["extracted/", "extracted/folder/", "uploads/a.txt", "extractedX/a.txt"])
def test_keys_that_are_no_document_of_an_upload_map_to_none(document_key):
    assert KEYS.upload_key(document_key) is None


def test_overlapping_prefixes_are_refused_with_the_fix():
    with pytest.raises(PrefixesOverlap) as refused:
        KeyMap("data/", "data/out/").check_disjoint()
    assert str(refused.value) == (
        "EXTRACTED_PREFIX='data/out/' and UPLOAD_PREFIX='data/' are empty or overlap: documents written "
        "under one would be read back under the other and the functions would trigger "
        "themselves in a loop. Use two disjoint prefixes such as 'uploads/' and 'extracted/'."
    )
