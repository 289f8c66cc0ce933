"""Finding the character encoding of text files and reading them as text.

The decoding policy, in order (the first rule that applies wins):

1. A byte order mark names the encoding (UTF-8, UTF-16 or UTF-32).
2. Bytes without NUL are never UTF-16/32: a NUL-free file read as UTF-16 is CJK garbage.
   UTF-16/32 without a mark is recognised only by its pattern of NUL bytes. Bytes that are
   not UTF-8 (or hold NULs) and are more than 5% control codes are binary, not text.
3. Valid UTF-8 is UTF-8 (pure ASCII included). Mostly valid UTF-8 (no more stray bytes
   than well-formed multi-byte characters) is UTF-8 with the stray bytes replaced.
4. A charset declared by the uploader (``Content-Type``) or the page (HTML ``<meta>``)
   that decodes the bytes.
5. Legacy 8-bit text is Windows-1252 (Western European) unless the evidence for another
   encoding is strong: charset-normalizer's guess is taken only when most letters are
   outside ASCII (Cyrillic, Greek, CJK, ...) or when Windows-1252 would put symbols in
   the middle of words (Polish ``ł`` as ``³``) and the guess does not.

Decoding never fails: a byte that does not fit is replaced with U+FFFD and counted,
and the extraction reports the count as a warning.

A sample may end inside a multi-byte character: the detection sample and charset-normalizer's
shorter one are cut from longer text, and a truncated file ends wherever it was cut. No rule
holds such a last character against an encoding.
"""

from __future__ import annotations

import codecs
import io
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import IO

# Encoding detection looks at most at this many leading bytes.
SAMPLE_BYTES = 1 << 20
# charset-normalizer is slow; it sees at most this many bytes of a legacy 8-bit sample.
GUESS_BYTES = 64 * 1024
WESTERN = "cp1252"
# The longest character of the legacy multi-byte encodings charset-normalizer may name (GB18030).
MAX_CHARACTER_BYTES = 4
# Bytes below "0" (controls, space, ASCII punctuation and "/") are never part of a multi-byte
# character in an ASCII-compatible encoding: a sample cut after one ends between characters.
_BETWEEN_CHARACTERS = re.compile(rb"[\x00-\x2f]")
# Bytes that are neither text nor valid UTF-8 are binary when this share of them are control
# codes (NUL and the C0 range other than tab, newlines, form feed and escape).
BINARY_CONTROL_RATIO = 0.05
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32)])
REPLACE_AND_COUNT = "extract-replace-and-count"

_BOMS = (
    # UTF-32 LE starts with the UTF-16 LE mark, so it is checked first.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WIDE = ("utf-16", "utf-32", "utf_16", "utf_32", "ucs-2", "ucs-4")
# Typographic characters that legitimately touch letters in Western text; only the first
# few also sit inside words (l’été). Any other non-letter touching a letter is odd.
_INSIDE_WORDS = frozenset("’‘–—·")
_NEXT_TO_WORDS = frozenset("“”„‚…«»‹›•™®©°€£¢¥§¶†‡‰¿¡²³¹½¼¾×÷±") | _INSIDE_WORDS


@dataclass(frozen=True)
class Encoding:
    codec: str
    reason: str  # which rule of the policy chose it


def read_sample(file: IO[bytes]) -> tuple[bytes, bool]:
    """Leading bytes of ``file`` and whether they are the whole file; rewinds the file."""
    file.seek(0)
    data = file.read(SAMPLE_BYTES + 1)
    file.seek(0)
    return data[:SAMPLE_BYTES], len(data) <= SAMPLE_BYTES


def detect_encoding(sample: bytes, complete: bool, declared: str | None = None) -> str | None:
    """Codec that reads ``sample`` as text under the policy above, or None when it is not text."""
    found = choose_encoding(sample, complete, declared)
    return found.codec if found else None


def choose_encoding(sample: bytes, complete: bool, declared: str | None = None) -> Encoding | None:
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            return Encoding(codec, "byte order mark")
    if not complete:
        sample = _cut_at_line_end(sample)
    has_nul = b"\x00" in sample
    wide = _wide_encoding(sample) if has_nul else None
    if wide:
        return Encoding(wide, "pattern of NUL bytes")
    utf8 = _is_utf8(sample)
    if (has_nul or not utf8) and _control_ratio(sample) > BINARY_CONTROL_RATIO:
        return None
    if utf8:
        return Encoding("utf-8", "valid UTF-8")
    declared_codec = _codec(declared)
    if declared_codec and not declared_codec.startswith(_WIDE) and _decodes(sample, declared_codec):
        return Encoding(declared_codec, "declared charset")
    return _legacy_encoding(sample)


def open_text(file: IO[bytes], encoding: str) -> io.TextIOWrapper:
    """``file`` as text with universal newlines; bytes that do not fit become U+FFFD.

    Replacements are counted per thread: ``replaced_bytes()`` after reading.
    """
    file.seek(0)
    _counter.value = 0
    return io.TextIOWrapper(file, encoding=encoding, errors=REPLACE_AND_COUNT)


def replaced_bytes() -> int:
    """Bytes replaced since the last ``open_text`` in this thread."""
    return getattr(_counter, "value", 0)


def replacement_warning(encoding: str) -> str | None:
    count = replaced_bytes()
    if not count:
        return None
    return f"{count} byte(s) could not be decoded as {encoding} and were replaced with U+FFFD"


_counter = threading.local()


def _replace_and_count(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    _counter.value = getattr(_counter, "value", 0) + (error.end - error.start)
    return "\ufffd", error.end


codecs.register_error(REPLACE_AND_COUNT, _replace_and_count)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _decodes(sample: bytes, encoding: str) -> bool:
    """Whether ``sample`` is text in ``encoding``, but for a character cut off at its end (an
    incremental decoder keeps such a character for the input that would follow)."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample)
    except (LookupError, UnicodeDecodeError):
        return False
    return True


def _is_utf8(sample: bytes) -> bool:
    """Valid UTF-8, or UTF-8 with no more stray bytes than well-formed multi-byte characters."""
    if sample.isascii() or _decodes(sample, "utf-8"):
        return True
    text = sample.decode("utf-8", errors="replace")
    stray = text.count("\ufffd")
    multibyte = len(text) - len(text.encode("ascii", errors="ignore")) - stray
    return multibyte > 0 and stray <= multibyte


def _control_ratio(sample: bytes) -> float:
    return (len(sample) - len(sample.translate(None, _CONTROL_BYTES))) / max(1, len(sample))


def _wide_encoding(sample: bytes) -> str | None:
    """UTF-16/32 recognised by where the NULs are (ASCII-range characters have zero high bytes)."""
    usable = sample[: len(sample) - len(sample) % 4]
    if len(usable) < 4:
        return None
    quads = [usable[i::4].count(0) / (len(usable) // 4) for i in range(4)]
    if quads[1] > 0.9 and quads[2] > 0.9 and quads[3] > 0.9 and quads[0] < 0.5:
        return "utf-32-le"
    if quads[0] > 0.9 and quads[1] > 0.9 and quads[2] > 0.9 and quads[3] < 0.5:
        return "utf-32-be"
    even = usable[0::2].count(0) / (len(usable) // 2)
    odd = usable[1::2].count(0) / (len(usable) // 2)
    if odd > 0.6 and even < 0.1:
        return "utf-16-le"
    if even > 0.6 and odd < 0.1:
        return "utf-16-be"
    return None


def _legacy_encoding(sample: bytes) -> Encoding:
    sample = sample[:GUESS_BYTES]
    western = sample.decode(WESTERN, errors="replace")
    letters = [char for char in western if char.isalpha()]
    foreign = sum(1 for char in letters if not char.isascii())
    guess = _guess(sample)
    if guess is None or guess == WESTERN or guess.startswith(_WIDE):  # no NUL here: never UTF-16/32
        return Encoding(WESTERN, "legacy 8-bit text, Western by default")
    if letters and foreign / len(letters) >= 0.5:
        return Encoding(guess, "legacy 8-bit text, mostly non-Latin letters")
    western_oddities = _symbols_in_words(western)
    guessed_oddities = _symbols_in_words(sample.decode(guess, errors="replace"))
    if western_oddities >= 3 and guessed_oddities * 4 <= western_oddities:
        return Encoding(guess, "legacy 8-bit text, Windows-1252 puts symbols inside words")
    return Encoding(WESTERN, "legacy 8-bit text, Western by default")


def _guess(sample: bytes) -> str | None:
    """charset-normalizer's encoding for ``sample``. It considers only encodings that decode every
    byte, so it sees the sample up to a byte between characters, and again without its last bytes
    when it finds none."""
    from charset_normalizer import from_bytes  # imported only for legacy 8-bit text

    sample = _cut_between_characters(sample)
    for cut in range(min(MAX_CHARACTER_BYTES, len(sample))):
        match = from_bytes(sample[: len(sample) - cut]).best()
        if match:
            return _codec(match.encoding)
    return None


def _cut_between_characters(sample: bytes) -> bytes:
    """``sample`` up to its last byte after the first that cannot be inside a multi-byte character;
    the whole sample when there is none."""
    found = _BETWEEN_CHARACTERS.search(sample[:0:-1])  # backwards, down to the second byte
    return sample[: len(sample) - found.start()] if found else sample


def _symbols_in_words(text: str) -> int:
    """Non-ASCII non-letters where Western text has letters (``cia³o``), and undecodable bytes."""
    count = text.count("\ufffd")
    for index, char in enumerate(text):
        if char.isascii() or char.isalpha() or char in _INSIDE_WORDS or char == "\ufffd":
            continue
        if unicodedata.category(char).startswith("Z"):
            continue
        before = index > 0 and text[index - 1].isalpha()
        after = index + 1 < len(text) and text[index + 1].isalpha()
        if (before and after) if char in _NEXT_TO_WORDS else (before or after):
            count += 1
    return count


def _cut_at_line_end(sample: bytes) -> bytes:
    """Drop a possibly cut multi-byte character at the end of a partial sample."""
    end = sample.rfind(b"\n")
    return sample[: end + 1] if end > 0 else sample
