import io
import tracemalloc
import zipfile

import pytest

from bench.samples import DOCX_TYPE, SAMPLES
from extractor.detect import _package_type, declared_format, detect
from extractor.outcome import ExtractionFailed, UnsupportedContent
from extractor.text_decoding import SAMPLE_BYTES, detect_encoding


def _detect(body: bytes, filename: str, content_type: str | None):
    return detect(io.BytesIO(body), filename, content_type)


@pytest.mark.parametrize(
    ("filename", "content_type", "declared"),
    [
        ("a.md", "text/markdown", "markdown"),
        ("a.txt", "text/html; charset=utf-8", "html"),  # a specific content type wins
        ("a.csv", "text/plain", "csv"),  # over a generic one, the extension wins
        ("a.json", "binary/octet-stream", "json"),
        ("A.PDF", None, "pdf"),
        ("a.docx", "application/octet-stream", "docx"),
        ("a", "application/ld+json", "json"),
        ("a.xml", "text/xml", "text"),
        ("a", "application/octet-stream", None),
        ("a.png", "image/png", None),
    ],
)
def test_declared_format(filename, content_type, declared):
    assert declared_format(filename, content_type) == declared


def test_pdf_bytes_are_read_as_pdf_whatever_the_name_and_type():
    assert _detect(SAMPLES["pdf"].body, "notes.txt", "text/plain").format == "pdf"


def test_pdf_with_leading_junk_is_still_a_pdf():
    assert _detect(b"\r\n junk \n" + SAMPLES["pdf"].body, "x.bin", None).format == "pdf"


def test_docx_bytes_are_read_as_docx_even_named_zip():
    assert _detect(SAMPLES["docx"].body, "archive.zip", "application/zip").format == "docx"


def test_text_named_pdf_is_read_as_text():
    detected = _detect(b"just some words, no PDF here\n", "report.pdf", "application/pdf")
    assert (detected.format, detected.encoding) == ("text", "utf-8")


def test_png_named_text_is_unsupported():
    with pytest.raises(UnsupportedContent, match="PNG image"):
        _detect(SAMPLES["png"].body, "notes.txt", "text/plain")


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b"\xff\xd8\xff\xe0" + bytes(200), "JPEG image"),
        (b"\x1f\x8b\x08\x00" + bytes(200), "gzip archive"),
        (bytes(257) + b"ustar\x0000" + bytes(250), "tar archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "legacy Office document"),
    ],
)
def test_known_binary_formats_are_unsupported(body, what):
    with pytest.raises(UnsupportedContent, match=what):
        _detect(body, "file.txt", "text/plain")


def test_zip_without_a_word_document_is_unsupported_unless_it_claims_docx():
    with pytest.raises(UnsupportedContent, match="ZIP archive"):
        _detect(SAMPLES["zip"].body, "bundle.zip", "application/zip")
    with pytest.raises(ExtractionFailed, match=r"word/document\.xml is missing"):
        _detect(SAMPLES["zip"].body, "report.docx", DOCX_TYPE)


def test_truncated_docx_is_failed():
    with pytest.raises(ExtractionFailed, match="broken DOCX"):
        _detect(SAMPLES["broken_docx"].body, "report.docx", DOCX_TYPE)


def test_undecodable_bytes_fail_when_text_was_declared_and_are_unsupported_otherwise():
    body = SAMPLES["binary"].body
    with pytest.raises(ExtractionFailed, match="undecodable"):
        _detect(body, "notes.txt", "text/plain")
    with pytest.raises(ExtractionFailed, match="not a valid PDF"):
        _detect(body, "scan.pdf", "application/pdf")
    with pytest.raises(UnsupportedContent, match="unrecognized binary"):
        _detect(body, "blob.bin", "application/octet-stream")


@pytest.mark.parametrize(
    ("body", "text_format"),
    [
        (b"  <!DOCTYPE html><html><body>hi</body></html>", "html"),
        (b"<html><p>hi</p></html>", "html"),
        (b'{"a": 1}', "json"),
        (b"[1, 2]", "json"),
        (b"plain words", "text"),
    ],
)
def test_text_without_a_declared_format_is_sniffed(body, text_format):
    assert _detect(body, "upload", "binary/octet-stream").format == text_format


def test_declared_charset_is_used_when_it_decodes():
    body = "Ça coûte 5 €".encode("cp1252")
    assert _detect(body, "a.txt", "text/plain; charset=windows-1252").encoding == "cp1252"


def test_html_meta_charset_is_used():
    body = '<html><head><meta charset="iso-8859-2"></head><body>Zażółć</body></html>'.encode("iso-8859-2")
    assert _detect(body, "page.html", "text/html").encoding == "iso8859-2"


def test_byte_order_marks_win():
    assert detect_encoding("héllo".encode("utf-8-sig"), True) == "utf-8-sig"
    assert detect_encoding("héllo".encode("utf-16-be"), True) == "utf-16-be"  # by its NUL bytes
    assert detect_encoding("héllo".encode("utf-32"), True) == "utf-32"


def test_a_partial_sample_is_cut_at_a_line_end_so_a_split_character_does_not_mislead():
    line = "Größe und Gewicht: 12 kg für die Übergabe.\n".encode()
    body = line * (SAMPLE_BYTES // len(line) + 10)
    # Shift the text until the sample boundary falls inside a two-byte character.
    padding = next(n for n in range(len(line)) if not _decodes((b"#" * n + body)[:SAMPLE_BYTES]))
    sample = (b"#" * padding + body)[:SAMPLE_BYTES]
    assert detect_encoding(sample, complete=False) == "utf-8"


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_large_text_beyond_the_sample_is_still_detected_as_text():
    body = b"word " * (SAMPLE_BYTES // 5 + 100)
    detected = _detect(body, "big.txt", "text/plain")
    assert (detected.format, detected.encoding) == ("text", "utf-8")


@pytest.mark.parametrize(
    ("sample", "encoding", "text_format"),
    [
        (b"\xef\xbb\xbf\xef\xbb\xbf<html><p>twice marked</p>", "utf-8-sig", "html"),  # a second mark is skipped
        (b"\x0c<html><p>form feed</p>", "utf-8", "text"),  # only spaces, tabs and line ends are skipped
        (b"X<html>", "utf-8", "text"),
        ("<html><p>wide</p>".encode("utf-16-le"), "utf-16-le", "html"),  # read in the file's own encoding
        (b"[" + "é".encode() * 600, "utf-8", "json"),  # a character cut at the 1,024th byte is dropped
        (b" " * 1024 + b"{}", "utf-8", "text"),  # only the first 1,024 bytes are looked at
    ],
)
def test_the_sniff_reads_the_start_of_the_text(sample, encoding, text_format):
    from extractor.detect import _sniff_text_format

    assert _sniff_text_format(sample, encoding) == text_format


def _zip(members: dict[str, bytes], entries: int | None = None) -> bytes:
    """A ZIP of ``members``; ``entries`` overwrites the count its end-of-central-directory record announces."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    body = out.getvalue()
    if entries is not None:
        end = body.rfind(b"PK\x05\x06")
        body = body[: end + 10] + entries.to_bytes(2, "little") + body[end + 12 :]
    return body


WORD = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"}


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"notes.txt": b"plain"}, "ZIP archive is not a supported format"),
        ({"xl/workbook.xml": b"<workbook/>"}, "Excel workbook (XLSX) is not a supported format"),
        ({"ppt/presentation.xml": b"<presentation/>"}, "PowerPoint presentation (PPTX) is not a supported format"),
        (
            {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document/>"},
            "OpenDocument text (ODT) is not a supported format",
        ),
        ({"mimetype": b"application/epub+zip", "OEBPS/ch1.xhtml": b"<html/>"}, "EPUB e-book is not a supported format"),
        ({"mimetype": b"application/x-unknown"}, "ZIP archive is not a supported format"),
    ],
)
def test_zip_archives_that_are_not_documents_say_what_they_are(members, message):
    with pytest.raises(UnsupportedContent) as refused:
        _detect(_zip(members), "bundle.zip", "application/zip")
    assert str(refused.value) == message


def test_a_broken_zip_is_unsupported_unless_it_claims_docx():
    broken = _zip({"notes.txt": b"plain"})[:-30]
    with pytest.raises(UnsupportedContent) as refused:
        _detect(broken, "bundle.zip", "application/zip")
    assert str(refused.value) == "ZIP archive is not a supported format"
    with pytest.raises(ExtractionFailed) as failed:
        _detect(_zip({"notes.txt": b"plain"}), "report.docx", DOCX_TYPE)
    assert str(failed.value) == "broken DOCX: word/document.xml is missing"


def test_an_archive_announcing_too_many_entries_is_refused_before_it_is_opened():
    with pytest.raises(ExtractionFailed) as failed:
        _detect(_zip(WORD, entries=10_001), "report.docx", DOCX_TYPE)
    assert str(failed.value) == "not a valid DOCX: 10001 parts, a document has far fewer"
    with pytest.raises(UnsupportedContent) as refused:
        _detect(_zip(WORD, entries=10_001), "bundle.zip", "application/zip")
    assert str(refused.value) == "ZIP archive is not a supported format"
    assert _detect(_zip(WORD, entries=10_000), "report.docx", DOCX_TYPE).format == "docx"  # the limit itself is fine
    assert _detect(_zip(WORD, entries=0xFFFF), "report.docx", DOCX_TYPE).format == "docx"  # ZIP64: counted later


def test_the_entry_count_is_read_from_the_last_end_record():
    decoy = b"PK\x05\x06" + bytes(6) + (20_000).to_bytes(2, "little") + bytes(10)
    assert _detect(_zip({**WORD, "media/decoy.bin": decoy}), "report.docx", DOCX_TYPE).format == "docx"


def test_an_end_record_cut_right_after_its_count_is_still_read():
    cut = b"PK\x03\x04" + bytes(40) + b"PK\x05\x06" + bytes(6) + (20_000).to_bytes(2, "little")
    with pytest.raises(ExtractionFailed) as failed:
        _detect(cut, "report.docx", DOCX_TYPE)
    assert str(failed.value) == "not a valid DOCX: 20000 parts, a document has far fewer"


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        ("text/plain; charset=cp1250", "cp1250"),
        ("text/plain;charset=cp1250", "cp1250"),
        ('text/plain; charset="cp1250"', "cp1250"),
        ("text/plain; format=flowed; CharSet=cp1250", "cp1250"),
        ("text/plain; charset=x=y", "x=y"),
        ('text/plain; charset="X-MAC-ROMAN"', "X-MAC-ROMAN"),
        ("text/plain; charset=", None),
        ("text/plain", None),
        (None, None),
    ],
)
def test_the_declared_charset_is_the_content_types_charset_parameter(content_type, charset):
    from extractor.detect import _declared_charset

    assert _declared_charset(content_type, b"") == charset


BINARY = bytes(range(32)) * 8


@pytest.mark.parametrize(
    ("filename", "content_type", "error", "message"),
    [
        ("blob.bin", None, UnsupportedContent, "unrecognized binary content is not a supported format"),
        ("notes.txt", "text/plain", ExtractionFailed, "undecodable text: no known character encoding fits the bytes"),
        ("report.docx", DOCX_TYPE, ExtractionFailed, "not a valid DOCX: the file signature is missing"),
        ("report.pdf", "application/pdf", ExtractionFailed, "not a valid PDF: the file signature is missing"),
    ],
)
def test_binary_content_without_a_known_signature_says_what_is_wrong(filename, content_type, error, message):
    with pytest.raises(error) as refused:
        _detect(BINARY, filename, content_type)
    assert str(refused.value) == message


def test_a_complete_sample_is_not_cut_at_its_last_line_end():
    assert detect_encoding(b"line\n\xe9t\xe9", True) == "cp1252"  # the bytes after the line end count


def test_control_bytes_make_binary_with_or_without_nul_from_over_five_percent():
    assert detect_encoding(bytes(range(1, 32)) * 8 + b"\xff", True) is None  # no NUL, not UTF-8
    assert detect_encoding(b"\x00" + bytes(range(1, 32)) * 8, True) is None  # NUL, valid UTF-8
    assert detect_encoding(b"\x01" + b"\xe9" * 19, True) is not None  # exactly 5%: still text


def test_the_declared_charset_is_named_as_the_reason():
    from extractor.text_decoding import choose_encoding

    chosen = choose_encoding("Zażółć".encode("cp1250"), True, "windows-1250")
    assert (chosen.codec, chosen.reason) == ("cp1250", "declared charset")


def test_the_content_types_charset_decides_and_a_meta_tag_only_counts_in_html():
    body = "café crème".encode("cp1252")  # Windows-1252 by default
    assert _detect(body, "note.txt", "text/plain").encoding == "cp1252"
    assert _detect(body, "note.txt", "text/plain; charset=windows-1250").encoding == "cp1250"
    meta = b'<meta charset="windows-1250"> ' + "caf\xe9 cr\xe8me".encode("cp1252")
    assert _detect(meta, "note.txt", "text/plain").encoding == "cp1252"
    assert _detect(b"line\n\xe9t\xe9", "note.txt", "text/plain").encoding == "cp1252"  # the whole file counts


def test_a_pdf_header_counts_up_to_1024_bytes_in():
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    assert _detect(b"J" * 1024 + pdf, "scan.bin", None).format == "pdf"
    assert _detect(b"J" * 1025 + pdf, "scan.txt", "text/plain").format == "text"


def test_after_leading_junk_the_pdf_trailer_must_be_in_the_last_1024_bytes():
    junk_pdf = b"junk\n%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
    assert _detect(junk_pdf + b"%%EOF" + b"\n" * 1019, "scan.bin", None).format == "pdf"  # the window's first byte
    assert _detect(junk_pdf + b"%%EOF" + b"\n" * 1020, "scan.txt", "text/plain").format == "text"  # one byte before


def test_an_html_meta_charset_counts_only_in_the_first_4096_bytes():
    page = "<html><body>" + "caf\xe9 " * 900 + '<meta charset="windows-1250"></body></html>'
    assert len(page) > 4096
    assert _detect(page.encode("cp1252"), "page.html", "text/html").encoding == "cp1252"


def test_an_archive_without_an_end_record_is_broken_whatever_its_bytes_say():
    # bytes 9-10 of what would be the end record's place read 0xFFFE: no end record means no count at all
    no_end = b"PK\x03\x04" + bytes(5) + b"\xfe\xff" + bytes(40)
    with pytest.raises(ExtractionFailed, match=r"^broken DOCX: "):
        _detect(no_end, "report.docx", DOCX_TYPE)


@pytest.mark.parametrize(
    "mimetype",
    [b"\xffapplication/epub+zip", b"application/vnd.oasis.opendocument.text\xe9"],
    ids=["bytes-before", "bytes-after"],
)
def test_a_mimetype_that_is_not_ascii_is_a_plain_zip(mimetype):
    with pytest.raises(UnsupportedContent, match=r"^ZIP archive is not a supported format$"):
        _detect(_zip({"mimetype": mimetype}), "bundle.zip", "application/zip")


def test_an_unreadable_mimetype_entry_names_no_type():
    body = bytearray(_zip({"mimetype": b"application/epub+zip"}))
    body[body.find(b"application/epub+zip")] ^= 0xFF  # the stored bytes no longer match their CRC
    with zipfile.ZipFile(io.BytesIO(bytes(body))) as archive:
        assert _package_type(archive) == ""
    with zipfile.ZipFile(io.BytesIO(_zip({"notes.txt": b"plain"}))) as archive:
        assert _package_type(archive) == ""


def test_a_mimetype_entry_is_read_only_as_far_as_a_type_goes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", b"application/epub+zip" + b" " * 50_000_000)  # 50 KB that inflate to 50 MB
    bomb = out.getvalue()
    tracemalloc.start()
    try:
        with pytest.raises(UnsupportedContent, match=r"^EPUB e-book is not a supported format$"):
            _detect(bomb, "bundle.zip", "application/zip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"{peak} bytes in memory to read a type"
