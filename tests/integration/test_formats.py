"""Every sample document goes through the real pipeline: the right words come out and are searchable."""

from __future__ import annotations

import pytest

from bench.samples import SAMPLES
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
