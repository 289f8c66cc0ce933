"""A search or key that S3 and PostgreSQL cannot hold is refused up front, with the reason."""

from __future__ import annotations

import pytest

from dashboard import files
from operations import search, trace
from settings.text_input import NotText, require_text

UNDECODABLE = b"caf\xe9".decode("utf-8", "surrogateescape")  # what a Latin-1 terminal hands Python


@pytest.mark.parametrize("value", ["", "invoice -draft", "東京 Ünïcödé 🙂", "tab\tand\nnewline", "\x01\x7f\u202e"])
def test_text_is_returned_unchanged(value):
    assert require_text(value, "the search") is value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a\x00b", "the key contains a NUL character (\\x00), which S3 keys and the index cannot hold"),
        (UNDECODABLE, "the key is not UTF-8 text (byte 0xe9): type it in a UTF-8 terminal (e.g. LANG=C.UTF-8)"),
        ("x\ud800", "the key is not UTF-8 text (\\ud800): type it in a UTF-8 terminal (e.g. LANG=C.UTF-8)"),
    ],
)
def test_what_cannot_be_stored_is_named(value, message):
    with pytest.raises(NotText) as raised:
        require_text(value, "the key")
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("char", "named"),
    [("\udc80", "byte 0x80"), ("\udcff", "byte 0xff"), ("\udc7f", "\\udc7f"), ("\udd00", "\\udd00")],
)
def test_only_bytes_a_terminal_could_not_decode_are_named_as_bytes(char, named):
    """Python turns undecodable bytes 0x80-0xff into U+DC80-U+DCFF; other lone surrogates are shown as such."""
    with pytest.raises(NotText) as raised:
        require_text(f"a{char}", "the search")
    assert f"({named})" in str(raised.value)


def test_a_search_is_checked_before_the_database_is_asked():
    with pytest.raises(NotText, match="the search is not UTF-8 text"):
        search.search(None, UNDECODABLE)


def test_a_key_is_checked_before_s3_is_asked(cfg):
    with pytest.raises(NotText, match="the key contains a NUL"):
        trace.normalise_key(cfg, "extracted/a\x00b.txt", s3=object())


def test_the_dashboard_refuses_such_keys_as_bad_keys(cfg):
    with pytest.raises(files.BadKey, match="NUL"):
        files.upload_key(cfg, "uploads/a\x00.txt")
    with pytest.raises(files.BadKey, match="the folder or file name is not UTF-8 text"):
        files.key_for_upload(cfg, "notes", UNDECODABLE)
