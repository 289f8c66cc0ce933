"""Every sample document goes through the real pipeline: the right words come out and are searchable."""

from __future__ import annotations

import pytest

from bench.samples import SAMPLES
from extractor.text_decoding import GUESS_BYTES
from operations import search
from tests.support import get_json, poll_until

DEADLINE = 45


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_is_extracted_and_indexed(cfg, s3, database, run_id, name):
    sample = SAMPLES[name]
    key = f"{cfg.upload_prefix}{run_id}/{sample.filename}"
    target = cfg.extracted_key(key)
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=sample.body, ContentType=sample.content_type)

    doc = poll_until(lambda: get_json(s3, cfg.bucket, target), timeout=DEADLINE, what=target)

    assert doc["Status"] == sample.expected_status, doc.get("Error")
    if sample.expected_extractor:
        assert doc["Extractor"] == sample.expected_extractor
    if sample.expected_pages:
        assert doc["Pages"] == sample.expected_pages
    for word in sample.expected_words:
        assert word in doc["Content"], f"{word!r} missing from {doc['Content'][:300]!r}"
    for word in sample.absent_words:
        assert word not in doc["Content"]
    if sample.expected_status != "ok":
        assert doc["Error"], "a failed extraction must say why"

    # Searchable by content when there is some, and always by file name; the run id
    # (part of the key) keeps other tests' files out of the hits.
    run_word = run_id.split("-")[1]
    queries = [sample.filename.rsplit(".", 1)[0]]
    if sample.expected_status == "ok" and sample.expected_words:
        queries.append(sample.expected_words[0])
    for query in (f"{run_word} {q}" for q in queries):
        poll_until(
            lambda query=query: key in [h.key for h in search.search(database, query, limit=100)],
            timeout=DEADLINE,
            what=f"{key} found by {query!r}",
        )


def test_long_and_truncated_legacy_cjk_texts_keep_their_encoding(cfg, s3, database, run_id):
    """A Shift-JIS memo longer than the encoding guess's sample, which ends inside a character, and
    a GBK note cut off inside its last character: both are read in their own encoding."""
    memo = "東京都の天気は晴れです。アップロードされたファイルからテキストを抽出します。\n" * 3000
    encoded = memo.encode("shift_jis")
    offset = next(n for n in range(2) if _ends_inside_a_character((b"#" * n + encoded)[:GUESS_BYTES], "shift_jis"))
    note = "上海的天气很好我们从上传的文件中提取文本"
    files = {
        "memo.txt": (b"#" * offset + encoded, "#" * offset + memo),
        "note.txt": (note.encode("gbk")[:-1], note[:-1] + "\ufffd"),
    }
    keys = {name: f"{cfg.upload_prefix}{run_id}/{name}" for name in files}
    for name, (body, _) in files.items():
        s3.put_object(Bucket=cfg.bucket, Key=keys[name], Body=body, ContentType="text/plain")

    for name, (_, text) in files.items():
        target = cfg.extracted_key(keys[name])
        doc = poll_until(lambda target=target: get_json(s3, cfg.bucket, target), timeout=DEADLINE, what=target)
        assert (doc["Status"], doc["Content"]) == ("ok", text), (doc["Encoding"], doc["Content"][:80])
    run_word = run_id.split("-")[1]
    for name, word in (("memo.txt", "天気"), ("note.txt", "上海")):
        query = f"{run_word} {word}"
        poll_until(
            lambda name=name, query=query: keys[name] in [h.key for h in search.search(database, query, limit=100)],
            timeout=DEADLINE,
            what=f"{keys[name]} found by {query!r}",
        )


def _ends_inside_a_character(sample: bytes, codec: str) -> bool:
    try:
        sample.decode(codec)
    except UnicodeDecodeError:
        return True
    return False
