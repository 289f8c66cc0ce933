"""Fuzzing the extract function's code: random and mutated files of every supported type.

Every input must come back as an Extraction with a status, text within the cap, and an
error exactly when the status is not ok, within a time and memory budget (budgets catch
hangs and blow-ups; speed itself is measured in bench/extract_bench.py). ``make test``
runs a small deterministic slice; ``make fuzz`` runs many more random examples
(``make fuzz examples=20000``).
"""

from __future__ import annotations

import io
import os
import resource
import time
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.samples import DOCX_TYPE, SAMPLES
from extractor.extraction import extract
from extractor.outcome import Extraction

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
DEEP = "FUZZ_EXAMPLES" in os.environ
SECONDS_PER_FILE = 10  # a hang detector for inputs of at most ~100 KB, not a speed target
PEAK_MEMORY_MB = 1536
STATUSES = {"ok", "failed", "unsupported", "too_large"}

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not DEEP,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

NAMES = st.sampled_from([
    ("notes.txt", "text/plain"), ("notes.md", "text/markdown"), ("page.html", "text/html"),
    ("data.csv", "text/csv"), ("data.json", "application/json"), ("doc.pdf", "application/pdf"),
    ("doc.docx", DOCX_TYPE), ("blob", "application/octet-stream"), ("blob", None),
    ("page.htm", "text/html; charset=iso-8859-2"), ("x.txt", "text/plain; charset=utf-16"),
])  # fmt: skip
MARKUP = st.text(alphabet=st.sampled_from(list("*_[]()!<>#|`~\\-+=&;:/ \n\t\r ab1.{}\"',éж東\x00\x1b")), max_size=3000)
CODECS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "cp1250", "shift_jis"])
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
DOCX_PARTS = st.lists(st.sampled_from([
    b"<w:p>", b"</w:p>", b"<w:p/>", b"<w:r>", b"</w:r>", b"<w:t>", b"</w:t>", b"text ", b"<w:tab/>", b"<w:br/>",
    b"<w:tbl>", b"</w:tbl>", b"<w:tr>", b"</w:tr>", b"<w:tc>", b"</w:tc>", b"&amp;", b"<!-- c -->", b"\x00", b"<",
]), max_size=400)  # fmt: skip


@st.composite
def mutated_samples(draw) -> bytes:
    body = bytearray(SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))].body)
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "repeat", "delete"]))
        position = draw(st.integers(0, max(0, len(body) - 1)))
        if kind == "flip" and body:
            body[position] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del body[position:]
        elif kind == "insert":
            body[position:position] = draw(st.binary(max_size=64))
        elif kind == "delete":
            del body[position : position + draw(st.integers(1, 256))]
        elif kind == "repeat" and len(body) < 100_000:
            piece = body[position : position + draw(st.integers(1, 64))]
            body[position:position] = piece * draw(st.integers(1, 1000))
    return bytes(body)


@st.composite
def encoded_markup(draw) -> bytes:
    return draw(MARKUP).encode(draw(CODECS), errors="replace")


@st.composite
def docx_soup(draw) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(SAMPLES["docx"].body)) as source, zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                archive.writestr(item, source.read(item))
        soup = b"".join(draw(DOCX_PARTS))
        archive.writestr("word/document.xml", b"<w:document " + W + b"><w:body>" + soup + b"</w:body></w:document>")
    return out.getvalue()


FILES = st.one_of(st.binary(max_size=4096), mutated_samples(), encoded_markup(), docx_soup())


@FUZZ
@given(body=FILES, name=NAMES, max_chars=st.integers(1, 200_000))
def test_every_file_gets_a_status_within_budget(body, name, max_chars):
    filename, content_type = name
    started = time.monotonic()

    result = extract(
        io.BytesIO(body), filename=filename, content_type=content_type, size=len(body), max_chars=max_chars
    )

    elapsed = time.monotonic() - started
    assert isinstance(result, Extraction)
    assert result.status in STATUSES
    assert isinstance(result.content, str) and len(result.content) <= max_chars
    assert (result.error is None) == (result.status == "ok"), result
    assert all(isinstance(warning, str) and warning for warning in result.warnings)
    assert elapsed < SECONDS_PER_FILE, f"{len(body)} bytes as {name} took {elapsed:.1f} s"
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    assert peak_mb < PEAK_MEMORY_MB, f"peak memory {peak_mb} MB"


@FUZZ
@given(
    body=st.one_of(st.binary(max_size=2048), encoded_markup()),
    declared=st.sampled_from([None, "utf-16", "utf-32", "utf-8", "cp1252", "latin-1", "bogus"]),
)
def test_the_decoding_policy_holds_for_any_bytes(body, declared):
    from extractor.text_decoding import choose_encoding

    chosen = choose_encoding(body, True, declared)
    if chosen is None:
        return
    if b"\x00" not in body:
        assert not chosen.codec.startswith(("utf-16", "utf-32")) or body.startswith((b"\xff\xfe", b"\xfe\xff")), chosen
    if body.isascii() and b"\x00" not in body and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        assert chosen.codec == "utf-8", chosen
    body.decode(chosen.codec, errors="replace")  # the codec exists and reads the bytes
