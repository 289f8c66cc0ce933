"""The decoding policy's rules at their edges: UTF-16/32 told by where the NULs are, symbols
inside words, and which legacy code page wins (charset-normalizer's guess is fixed here)."""

from __future__ import annotations

import io
import threading

import charset_normalizer
import pytest

from extractor import text_decoding
from extractor.text_decoding import _control_ratio, _symbols_in_words, _wide_encoding, choose_encoding


def quads(*groups: bytes) -> bytes:
    assert all(len(group) == 4 for group in groups)
    return b"".join(groups)


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("abcdefghij".encode("utf-32-le"), "utf-32-le"),
        ("abcdefghij".encode("utf-32-be"), "utf-32-be"),
        ("abc\0defghi".encode("utf-32-le"), "utf-32-le"),  # one NUL character among ten
        ("ab\0\0cd\0\0ef".encode("utf-32-le"), "utf-32-le"),  # four among ten: still under half
        (quads(*[b"\0\0\0\0"] * 5, *[b"a\0\0\0"] * 5), None),  # half the characters NUL: not sure enough
        (quads(*[b"\0\0\0\0"] * 5, *[b"\0\0\0a"] * 5), None),
        (quads(*[b"a\0\0\0"] * 9, b"a\x01\0\0"), None),  # 90% NUL in a high byte is not more than 90%
        (quads(*[b"a\0\0\0"] * 9, b"a\0\x01\0"), None),
        (quads(*[b"a\0\0\0"] * 9, b"a\0\0\x01"), None),
        (quads(*[b"\0\0\0a"] * 9, b"\x01\0\0a"), None),
        (quads(*[b"\0\0\0a"] * 9, b"\0\x01\0a"), None),
        (quads(*[b"\0\0\0a"] * 9, b"\0\0\x01a"), None),
        (quads(*[b"ab\0\0"] * 10), None),  # NULs only in the upper half: neither layout
        (quads(*[b"a\0\0b"] * 10), None),
        ("abcdefghij".encode("utf-16-le"), "utf-16-le"),
        ("abcdefghij".encode("utf-16-be"), "utf-16-be"),
        (b"\0\0" + "abcdefghijk".encode("utf-16-le"), "utf-16-le"),  # one NUL character among twelve
        (b"\0\0" + "abcdefghijk".encode("utf-16-be"), "utf-16-be"),
        (b"\0\0" + "abcdefghi".encode("utf-16-le"), None),  # one in ten is not under 10%
        (b"\0\0" + "abcdefghi".encode("utf-16-be"), None),
        (b"a\0" * 6 + b"ab" * 4, None),  # 60% NUL high bytes is not more than 60%
        (b"\0a" * 6 + b"ab" * 4, None),
        (b"a\0b\0", "utf-16-le"),  # the shortest sample told
        (b"a\0b", None),
        (b"a\0b\0\0\0\0", "utf-16-le"),  # only whole four-byte groups count
    ],
)
def test_wide_encodings_are_told_by_where_the_nuls_are(sample, expected):
    assert _wide_encoding(sample) == expected


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a\ufffdb", 1),  # an undecodable byte
        ("cia³o", 1),  # Polish ł read as Windows-1252
        ("l’été", 0),  # typography inside words
        ("a\u00a0b", 0),  # a no-break space is a space
        ("a\u00a0b cia³o", 1),
        ("•ab", 0),  # a bullet before a word is typography
        ("a€b", 1),  # but not inside one
        ("a€ ", 0),
        ("a¦", 1),  # any other symbol touching a letter on one side
        ("a¦ ", 1),
        (" ¦a", 1),
        ("a b¦ ", 1),
        ("¦", 0),
    ],
)
def test_symbols_are_counted_where_western_text_has_letters(text, count):
    assert _symbols_in_words(text) == count


def test_the_control_ratio_is_the_share_of_control_bytes():
    assert _control_ratio(b"\x01" + b"a" * 19) == 0.05
    assert _control_ratio(b"\x01") == 1.0
    assert _control_ratio(b"") == 0.0


class Guess:
    """charset-normalizer's answer, fixed: its best match names ``encoding``."""

    def __init__(self, encoding: str | None):
        self.encoding = encoding

    def best(self):
        return self if self.encoding else None


@pytest.fixture
def guess(monkeypatch):
    def set_guess(encoding: str | None) -> None:
        monkeypatch.setattr(charset_normalizer, "from_bytes", lambda sample: Guess(encoding))

    return set_guess


def legacy(sample: bytes) -> tuple[str, str]:
    found = choose_encoding(sample, True)
    assert found is not None
    return found.codec, found.reason


WESTERN = ("cp1252", "legacy 8-bit text, Western by default")
L3 = b"\xb3"  # Windows-1252 superscript three, Windows-1250 l with stroke
UNDEFINED = b"\x81"  # undefined in both Windows-1250 and Windows-1252


@pytest.mark.parametrize("encoding", [None, "cp1252", "utf-16"])
def test_legacy_text_is_western_without_another_guess(guess, encoding):
    guess(encoding)
    assert legacy(b"caf\xe9 au lait") == WESTERN
    assert legacy(b"\xe9\xe8\xe0\xe7 caf\xe9") == WESTERN  # even with mostly non-ASCII letters


def test_mostly_non_latin_letters_take_the_guess(guess):
    guess("cp1251")
    assert legacy(b"ab\xe9\xe8") == ("cp1251", "legacy 8-bit text, mostly non-Latin letters")  # half


def test_symbols_inside_words_take_the_guess_from_three_on(guess):
    guess("cp1250")
    words = b"cia" + L3 + b"o bia" + L3 + b"y ma" + L3 + b"y dom"
    assert legacy(words) == ("cp1250", "legacy 8-bit text, Windows-1252 puts symbols inside words")
    assert legacy(b"cia" + L3 + b"o bia" + L3 + b"y dom i ogrod") == WESTERN


def test_the_guess_must_have_at_most_a_quarter_of_western_oddities(guess):
    guess("cp1250")
    words = b"cia" + L3 + b"o bia" + L3 + b"y ma" + L3 + b"y dom"
    assert legacy(words + b" x" + UNDEFINED) == ("cp1250", "legacy 8-bit text, Windows-1252 puts symbols inside words")
    assert legacy(words + b" x" + UNDEFINED + b" y" + UNDEFINED) == WESTERN


def test_a_guess_that_cannot_decode_every_byte_is_still_weighed(guess):
    guess("cp1253")  # Greek: 0xAA is undefined
    assert legacy(b"plain words \xaa and a caf\xe9") == WESTERN


def test_the_reasons_name_the_rule_that_chose(guess):
    assert choose_encoding(b"\xef\xbb\xbfplain", True) == text_decoding.Encoding("utf-8-sig", "byte order mark")
    assert choose_encoding("abcd".encode("utf-16-le"), True).reason == "pattern of NUL bytes"
    assert choose_encoding("plain é".encode(), True).reason == "valid UTF-8"


@pytest.mark.parametrize(
    ("sample", "kept"),
    [
        (b"ab\ncd\nef", b"ab\ncd\n"),  # up to the last line end
        (b"a\nbc", b"a\n"),
        (b"\nabc", b"\nabc"),  # a line end only at the start: nothing would be left, keep all
        (b"abc", b"abc"),
    ],
)
def test_a_partial_sample_is_cut_after_its_last_line_end(sample, kept):
    assert text_decoding._cut_at_line_end(sample) == kept


@pytest.mark.parametrize(
    ("sample", "kept"),
    [
        (b"ab cd", b"ab "),  # up to the last byte below "0"
        (b"ab\ncd/ef", b"ab\ncd/"),
        (b"\x93\x8c\x8b\x9e \x93\x8c\x8b", b"\x93\x8c\x8b\x9e "),  # Shift-JIS cut in its last character
        (b"ab0cd", b"ab0cd"),  # digits sit inside GB18030 characters: not a place to cut
        (b" abc", b" abc"),  # only the first byte: nothing would be left, keep all
        (b"a bc", b"a "),  # the second byte is the first one that counts
        (b"abc", b"abc"),
    ],
)
def test_the_guess_sample_is_cut_after_its_last_byte_between_characters(sample, kept):
    assert text_decoding._cut_between_characters(sample) == kept


def test_mostly_utf8_needs_at_least_as_many_characters_as_stray_bytes():
    assert choose_encoding("café".encode() + b"\xff", True).codec == "utf-8"  # one of each
    assert choose_encoding(b"cafe\xff\xfe", True).codec != "utf-8"


def test_the_sample_is_read_from_the_start_and_knows_whether_it_is_all():
    whole = io.BytesIO(b"x" * text_decoding.SAMPLE_BYTES)
    whole.seek(5)
    assert text_decoding.read_sample(whole) == (b"x" * text_decoding.SAMPLE_BYTES, True)
    assert whole.tell() == 0  # rewound for the reader that comes next
    longer = io.BytesIO(b"x" * (text_decoding.SAMPLE_BYTES + 1))
    assert text_decoding.read_sample(longer) == (b"x" * text_decoding.SAMPLE_BYTES, False)


def test_no_bytes_are_replaced_in_a_thread_that_read_nothing():
    counts = []
    thread = threading.Thread(target=lambda: counts.append(text_decoding.replaced_bytes()))
    thread.start()
    thread.join()
    assert counts == [0]
