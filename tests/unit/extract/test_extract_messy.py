"""Messy and hostile files: each case of the decoding policy, detection and extractor worst cases."""

import io
import zipfile

import pytest

from bench.samples import DOCX_TYPE, SAMPLES
from extractor.detect import detect
from extractor.extraction import extract
from extractor.text_decoding import choose_encoding


def _extract(body: bytes, filename: str, content_type: str | None = "text/plain", max_chars: int = 1_000_000):
    return extract(io.BytesIO(body), filename=filename, content_type=content_type, size=len(body), max_chars=max_chars)


# --- decoding -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        # 32-byte ASCII notes that charset-normalizer takes for UTF-16 (found by search)
        b"okatbobmilk5pmat\x06 \x07bob\x1bmeeting\x08m",
        b"5pmat\x1ameetingmilkok\x1eok\x11callmilkm",
        b"\x1b[1mbuy milk\x1b[0m and eggs\x07\x08 ok!!",
    ],
)
def test_ascii_note_with_terminal_control_characters_is_text_not_utf16(body):
    assert len(body) == 32
    result = _extract(body, "todo.txt")
    assert (result.status, result.encoding) == ("ok", "utf-8")
    assert result.content == body.decode("ascii")


@pytest.mark.parametrize(
    "note",
    [
        "Café crème, déjà vu.",
        "Le théâtre était fermé pendant l'été; les élèves sont allés à Noël.",
        "Schöne Grüße aus München: die Größe passt, die Übergabe ist für Montag.",
        "Mañana el niño pidió jalapeños en la pequeña señal.",
    ],
)
def test_short_western_notes_in_windows_1252_keep_their_accents(note):
    result = _extract(note.encode("cp1252"), "note.txt")
    assert (result.status, result.encoding, result.content) == ("ok", "cp1252", note)


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig. Łódź jest piękna i duża.", "cp1250"),
        ("Съешь же ещё этих мягких французских булок, да выпей чаю. Привет, как дела?", "cp1251"),
    ],
)
def test_strong_evidence_selects_another_code_page(text, codec):
    result = _extract(text.encode(codec), "note.txt")
    assert (result.status, result.encoding, result.content) == ("ok", codec, text)


LINES = {
    "shift_jis": "東京都の天気は晴れです。アップロードされたファイルからテキストを抽出します。\n",
    "euc-jp": "東京都の天気は晴れです。アップロードされたファイルからテキストを抽出します。\n",
    "gbk": "上海的天气很好。我们从上传的文件中提取文本并进行全文搜索。\n",
    "gb18030": "上海的天气很好。我们从上传的文件中提取文本并进行全文搜索。\n",
    "big5": "台北的天氣很好。我們從上傳的檔案中擷取文字並進行全文搜尋。\n",
    "euc-kr": "서울의 날씨는 맑습니다. 업로드된 파일에서 텍스트를 추출합니다.\n",
}


@pytest.mark.parametrize("offset", [0, 1, 2, 3])
@pytest.mark.parametrize("codec", sorted(LINES))
def test_long_legacy_cjk_text_is_read_wherever_the_guess_sample_ends(codec, offset):
    # Longer than charset-normalizer's sample: some offset puts its end inside a character.
    text = "x" * offset + LINES[codec] * 3000
    result = _extract(text.encode(codec), "memo.txt")
    assert (result.status, result.content, result.warnings) == ("ok", text, ()), result.encoding


@pytest.mark.parametrize("codec", sorted(LINES))
def test_a_legacy_cjk_file_cut_inside_its_last_character_keeps_its_encoding(codec):
    whole = LINES[codec].strip(" .。\n") * 3  # no line end, space or ASCII punctuation at the end
    body = whole.encode(codec)[:-1]  # half of the last (two-byte) character
    result = _extract(body, "memo.txt")
    assert (result.status, result.content) == ("ok", whole[:-1] + "\ufffd"), result.encoding
    assert result.warnings == (f"1 byte(s) could not be decoded as {result.encoding} and were replaced with U+FFFD",)


def test_a_declared_charset_survives_a_character_cut_off_at_the_end():
    body = (LINES["shift_jis"] * 2).strip().encode("shift_jis")[:-1]
    result = _extract(body, "memo.txt", "text/plain; charset=shift_jis")
    assert (result.status, result.encoding) == ("ok", "shift_jis")
    assert result.content.startswith("東京都の天気は晴れです。")


def test_a_character_cut_off_at_the_end_does_not_make_utf8_legacy_text():
    # No other multi-byte character: the mostly-UTF-8 rule alone would not hold.
    result = _extract(b"Meeting notes for the review " + "é".encode()[:1], "notes.txt")
    assert (result.status, result.encoding) == ("ok", "utf-8")
    assert result.content == "Meeting notes for the review \ufffd"


def test_utf8_with_a_byte_order_mark_and_one_stray_byte_keeps_its_text_and_says_so():
    body = "\ufeffRésumé of the meeting ".encode() + b"\xff" + " in Zürich".encode()
    result = _extract(body, "notes.txt")
    assert result.status == "ok"
    assert result.content == "Résumé of the meeting \ufffd in Zürich"
    assert result.warnings == ("1 byte(s) could not be decoded as utf-8-sig and were replaced with U+FFFD",)


def test_utf16_with_an_odd_byte_count_keeps_its_text_and_says_so():
    body = "Quarterly revenue grew in Kraków.".encode("utf-16") + b"\x00"
    result = _extract(body, "report.txt")
    assert result.status == "ok"
    assert result.content.startswith("Quarterly revenue grew in Kraków.")
    assert result.warnings and "replaced" in result.warnings[0]


def test_mostly_utf8_with_a_stray_byte_is_utf8_with_a_warning():
    body = "Grüße aus Köln, schöne Straße ".encode() + b"\x92" + " und Brücke".encode()
    result = _extract(body, "note.txt")
    assert (result.status, result.encoding) == ("ok", "utf-8")
    assert "Straße \ufffd und Brücke" in result.content
    assert len(result.warnings) == 1


def test_every_replaced_byte_of_a_file_is_counted():
    stray = b"\x92"
    body = "Grüße aus Köln, ".encode() + stray + " schöne Straße ".encode() + stray * 2 + " und Brücke".encode()
    result = _extract(body, "note.txt")
    assert (result.status, result.encoding) == ("ok", "utf-8")
    assert result.warnings == ("3 byte(s) could not be decoded as utf-8 and were replaced with U+FFFD",)


def test_an_undefined_windows_1252_byte_is_replaced_not_fatal():
    result = _extract("déjà vu ".encode("cp1252") + b"\x81" + b" fin", "note.txt")
    assert (result.status, result.encoding, result.content) == ("ok", "cp1252", "déjà vu \ufffd fin")
    assert result.warnings


def test_utf16_without_a_mark_is_recognised_by_its_nuls_and_nul_free_bytes_never_are():
    assert choose_encoding("plain words here".encode("utf-16-le"), True).codec == "utf-16-le"
    assert choose_encoding("plain words here".encode("utf-16-be"), True).codec == "utf-16-be"
    assert choose_encoding(b"ab" * 50, True, declared="utf-16").codec == "utf-8"


def test_random_binary_is_still_not_text():
    assert choose_encoding(SAMPLES["binary"].body, True) is None


# --- detection ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"Notes on formats: %PDF-1.7 is the version we export.\nMore words follow.\n",
        b"Some junk\n%PDF-1.7\nthis is a note about a PDF header, not a PDF\n",
        b"ID3 tags hold the artist and title of a song.\n",
        b"Our WEBP images are smaller than PNG ones.\n",  # WEBP at offset 8 without RIFF
        b"abcdftyp is not a box\n",
        b"OggSomething else\n",
        b"BZh is how bzip2 starts\n",
    ],
)
def test_text_that_mentions_a_signature_is_text(body):
    assert detect(io.BytesIO(body), "note.txt", "text/plain").format == "text"


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b"ID3\x04\x00\x00\x00\x00\x10\x00" + bytes(200), "MP3 audio"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(200), "WebP image"),
        (b"\x00\x00\x00\x18ftypisom" + bytes(200), "MP4"),
        (b"BZh91AY&SY" + bytes(200), "bzip2"),
    ],
)
def test_real_signatures_with_their_structure_are_recognised(body, what):
    result = _extract(body, "file.bin", None)
    assert result.status == "unsupported" and what in result.error


def test_a_pdf_after_junk_is_still_a_pdf_when_it_ends_like_one():
    body = b"\r\n junk \n" + SAMPLES["pdf"].body
    assert detect(io.BytesIO(body), "x.bin", None).format == "pdf"


# --- extractor worst cases (linear, capped, bounded; speed is in bench/extract_bench.py) ----------


def test_markdown_emphasis_openers_without_closers():
    body = ("*a " * 40_000 + "\n\n[" * 1 + "[" * 20_000 + "\n").encode()
    result = _extract(body, "x.md", "text/markdown")
    assert result.status == "ok" and result.content.startswith("*a *a")


def test_markdown_one_huge_line_is_split_without_losing_words():
    body = ("word " * 100_000 + "needle\n").encode()
    result = _extract(body, "x.md", "text/markdown")
    assert result.content.split() == ["word"] * 100_000 + ["needle"]


def test_flat_html_with_many_blocks_and_hidden_content():
    body = (
        "<html><body>" + "<p>para <b>bold</b></p><script>hidden()</script>" * 50_000 + "<p>needle</p></body></html>"
    ).encode()
    result = _extract(body, "x.html", "text/html")
    assert result.status == "ok" and result.content.endswith("needle")
    assert "hidden" not in result.content


def test_text_formats_stop_at_the_cap():
    body = ("<p>" + "x" * 50 + "</p>").encode() * 100_000
    result = _extract(body, "x.html", "text/html", max_chars=1000)
    assert (len(result.content), result.truncated) == (1000, True)


def _docx_with(body_xml: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(SAMPLES["docx"].body and io.BytesIO(SAMPLES["docx"].body)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for item in source.infolist():
            if item.filename != "word/document.xml":
                archive.writestr(item, source.read(item))
        w = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
        archive.writestr("word/document.xml", b"<w:document " + w + b"><w:body>" + body_xml + b"</w:body></w:document>")
    return out.getvalue()


def test_docx_of_empty_paragraphs_stops_at_the_piece_budget_with_a_warning():
    body = _docx_with(b"<w:p/>" * 1_000_000 + b"<w:p><w:r><w:t>needle</w:t></w:r></w:p>")
    assert len(body) < 100_000
    result = _extract(body, "empty.docx", DOCX_TYPE, max_chars=10_000)
    assert (result.status, result.truncated) == ("ok", True)
    assert "mostly empty" in result.warnings[0]


def test_docx_zip_bomb_of_markup_stops_at_the_xml_budget_with_a_warning(monkeypatch):
    from extractor.formats import docx_text

    monkeypatch.setattr(docx_text, "MIN_XML_BYTES", 1_000_000)
    body = _docx_with(b"<w:p><w:r><w:t>start</w:t></w:r>" + b"<w:bookmarkStart/>" * 500_000 + b"</w:p>")
    result = _extract(body, "bomb.docx", DOCX_TYPE, max_chars=1000)
    assert (result.status, result.truncated, result.content) == ("ok", True, "start")
    assert "zip bomb" in result.warnings[0]


def test_docx_zip_bomb_of_text_stops_at_the_cap():
    body = _docx_with(
        b"<w:p>"
        + b"<w:r><w:t>"
        + b"a" * 100_000
        + b"</w:t></w:r>" * 1
        + b"</w:p>" * 1
        + b"<w:p><w:r><w:t>"
        + b"b" * 5_000_000
        + b"</w:t></w:r></w:p>"
    )
    result = _extract(body, "bomb.docx", DOCX_TYPE, max_chars=150_000)
    assert (result.status, result.truncated, len(result.content)) == ("ok", True, 150_000)


def test_json_is_streamed_and_invalid_json_falls_back_to_text_with_a_warning():
    result = _extract(b'{"a": "needle", "b": [1, 2', "x.json", "application/json")
    assert (result.status, result.extractor) == ("ok", "text")
    assert "needle" in result.content and result.warnings[0].startswith("read as plain text: invalid JSON")


def test_csv_of_empty_lines_stops_at_the_piece_budget_and_a_giant_field_falls_back_to_text():
    result = _extract(b"\n" * 1_000_000 + b"needle\n", "x.csv", "text/csv", max_chars=10_000)
    assert (result.status, result.truncated) == ("ok", True) and "mostly empty" in result.warnings[0]
    result = _extract(b'a,"' + b"x" * 200_000 + b'"\n', "x.csv", "text/csv")
    assert (result.status, result.extractor) == ("ok", "text")
    assert "field larger than field limit" in result.warnings[0]


def test_a_zip_of_too_many_entries_is_refused_before_it_is_opened():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", b"<x/>")
        for number in range(10_001):
            archive.writestr(f"p/{number}", b"")
    result = _extract(out.getvalue(), "many.docx", DOCX_TYPE)
    assert (result.status, result.error) == ("failed", "not a valid DOCX: 10002 parts, a document has far fewer")
    assert _extract(out.getvalue(), "many.zip", "application/zip").status == "unsupported"
