"""The uploads/ <-> extracted/ key mapping, including keys too long to map one to one."""

import pytest

from pipeline_core.keys import MAX_KEY_BYTES, KeyMap, PrefixesOverlap, cut_utf8

KEYS = KeyMap("uploads/", "extracted/")


def key_of_bytes(total: int, filler: str = "ü") -> str:
    head = "uploads/long/"
    room = total - len(head.encode())
    per = len(filler.encode())
    return head + filler * (room // per) + "x" * (room % per)


@pytest.mark.parametrize(
    ("upload", "document"),
    [
        ("uploads/a.txt", "extracted/a.txt"),
        ("uploads/a/b/c d.pdf", "extracted/a/b/c d.pdf"),
        ("uploads/2024 Q1/Résumé+final 100% 東京.txt", "extracted/2024 Q1/Résumé+final 100% 東京.txt"),
        ("uploads/", None),  # the prefix itself
        ("uploads/folder/", None),  # folder placeholder
        ("extracted/a.txt", None),
        ("uploadsX/a.txt", None),
        ("other/uploads/a.txt", None),
    ],
)
def test_an_upload_maps_to_the_same_relative_key_under_the_extracted_prefix(upload, document):
    assert KEYS.document_key(upload) == document
    if document:
        assert KEYS.upload_key(document) == upload
        assert KEYS.belongs_to(document, upload)


@pytest.mark.parametrize("total", [1000, 1014, 1015, 1016, 1023, 1024])
def test_every_key_s3_accepts_gets_a_document_key_s3_accepts(total):
    upload = key_of_bytes(total)
    assert len(upload.encode()) == total
    document = KEYS.document_key(upload)
    assert len(document.encode()) <= MAX_KEY_BYTES
    assert document == KEYS.document_key(upload)  # deterministic
    assert document.encode().decode("utf-8") == document  # never cut inside a character


def test_a_key_that_fits_is_not_shortened_and_one_that_does_not_is():
    fits = key_of_bytes(MAX_KEY_BYTES - 2, filler="a")  # extracted/ is 2 bytes longer than uploads/
    too_long = key_of_bytes(MAX_KEY_BYTES - 1, filler="a")
    assert KEYS.document_key(fits) == "extracted/" + fits[len("uploads/") :]
    shortened = KEYS.document_key(too_long)
    assert len(shortened.encode()) == MAX_KEY_BYTES
    assert shortened.startswith("extracted/long/aaa")
    assert KEYS.is_shortened(shortened) and not KEYS.is_shortened(KEYS.document_key(fits))
    assert KEYS.upload_key(shortened) is None  # only the document's SourceKey tells
    assert KEYS.belongs_to(shortened, too_long)


def test_long_keys_that_share_their_start_get_different_document_keys():
    first, second = key_of_bytes(1024)[:-1] + "1", key_of_bytes(1024)[:-1] + "2"
    assert KEYS.document_key(first) != KEYS.document_key(second)


def test_a_short_key_that_looks_shortened_cannot_take_another_uploads_document_key():
    long_upload = key_of_bytes(1024)
    taken = KEYS.document_key(long_upload)
    impostor = "uploads/" + taken[len("extracted/") :]
    assert len(impostor.encode()) <= MAX_KEY_BYTES
    assert KEYS.document_key(impostor) != taken
    assert KEYS.is_shortened(KEYS.document_key(impostor))


def test_cut_utf8_keeps_whole_characters():
    assert cut_utf8("aé東", 1) == "a"
    assert cut_utf8("aé東", 2) == "a"
    assert cut_utf8("aé東", 3) == "aé"
    assert cut_utf8("aé東", 6) == "aé東"


@pytest.mark.parametrize(
    ("upload", "extracted"),
    [("uploads/", "uploads/extracted/"), ("data/", "data/"), ("a/b/", "a/"), ("", "extracted/")],
)
def test_overlapping_or_empty_prefixes_are_refused(upload, extracted):
    with pytest.raises(PrefixesOverlap, match="overlap"):
        KeyMap(upload, extracted).check_disjoint()


def test_custom_prefixes():
    keys = KeyMap("incoming/", "text/")
    keys.check_disjoint()
    assert keys.document_key("incoming/a.txt") == "text/a.txt"
    assert keys.upload_key("text/a.txt") == "incoming/a.txt"
