"""Searching the index: the query language, languages, names, snippets and ranking."""

import pytest
from db_documents import document

from indexer import store
from operations.search import prepare_query, search

CORPUS = [
    document("animals/fox.txt", "The quick brown fox jumps over the lazy dog."),
    document("animals/cat.txt", "A lazy cat sleeps all day while the other cats are running around."),
    document("food/paris.md", "Crème brûlée at the Café de Flore, then we discussed her résumé."),
    document("jp/travel.txt", "今日は東京都に行きます。天気がいいです。"),
    document("zh/capital.txt", "北京是中国的首都。"),
    document("ko/greeting.txt", "서울에서 만나요"),
    document("reports/quarterly-report_2024.pdf", status="failed", error="the PDF is encrypted"),
    document("images/holiday photo.png", status="unsupported", error="image/png has no text"),
    document("dog.txt", "Nothing about animals here."),
]


@pytest.fixture
def corpus(conn):
    for doc in CORPUS:
        store.upsert(conn, doc)
    return conn


def keys(conn, query, limit=10):
    return [hit.key for hit in search(conn, query, limit=limit)]


def test_english_words_are_stemmed(corpus):
    assert keys(corpus, "running") == ["uploads/animals/cat.txt"]
    assert keys(corpus, "jumping foxes") == ["uploads/animals/fox.txt"]


def test_phrases_match_words_in_order(corpus):
    assert keys(corpus, '"quick brown fox"') == ["uploads/animals/fox.txt"]
    assert keys(corpus, '"brown quick fox"') == []


def test_or_matches_either(corpus):
    assert sorted(keys(corpus, "fox or sleeps")) == ["uploads/animals/cat.txt", "uploads/animals/fox.txt"]


def test_minus_excludes(corpus):
    assert keys(corpus, "lazy -cat") == ["uploads/animals/fox.txt"]
    assert keys(corpus, 'lazy -"quick brown"') == ["uploads/animals/cat.txt"]


@pytest.mark.parametrize("query", ["cafe", "CAFÉ", "creme brulee", "résumé", "resume"])
def test_accents_do_not_matter(corpus, query):
    assert keys(corpus, query) == ["uploads/food/paris.md"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("東京", ["uploads/jp/travel.txt"]),
        ("天気", ["uploads/jp/travel.txt"]),
        ("京東", []),  # the same characters in another order
        ("首都", ["uploads/zh/capital.txt"]),
        ("中国 北京", ["uploads/zh/capital.txt"]),
        ('"是中国"', ["uploads/zh/capital.txt"]),
        ("서울", ["uploads/ko/greeting.txt"]),
        ("東京 or 서울", ["uploads/jp/travel.txt", "uploads/ko/greeting.txt"]),
        ("都 -東京", ["uploads/zh/capital.txt"]),  # 首都 stays, 東京都 is excluded
    ],
)
def test_chinese_japanese_and_korean_words_are_found(corpus, query, expected):
    assert sorted(keys(corpus, query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("quarterly", "uploads/reports/quarterly-report_2024.pdf"),
        ("quarterly-report_2024.pdf", "uploads/reports/quarterly-report_2024.pdf"),
        ("reports 2024", "uploads/reports/quarterly-report_2024.pdf"),
        ('"holiday photo"', "uploads/images/holiday photo.png"),
        ("png", "uploads/images/holiday photo.png"),
    ],
)
def test_documents_are_found_by_name_whatever_their_status(corpus, query, expected):
    [hit] = search(corpus, query)
    assert hit.key == expected
    assert hit.status in ("failed", "unsupported") and hit.error


def test_a_name_outranks_content(corpus):
    assert keys(corpus, "dog") == ["uploads/dog.txt", "uploads/animals/fox.txt"]


def test_hits_carry_a_highlighted_snippet_and_their_facts(corpus):
    [hit] = search(corpus, "brown foxes")
    assert hit.snippet == "The quick [[brown]] [[fox]] jumps over the lazy dog"
    assert hit.size == len(CORPUS[0].content)
    assert (hit.status, hit.content_type, hit.extracted_at) == ("ok", "text/plain", CORPUS[0].extracted_at)
    assert hit.rank > 0

    [hit] = search(corpus, "東京")
    assert "[[東京]]" in hit.snippet and "\x1f" not in hit.snippet


def test_limit_and_no_hits(corpus):
    assert len(search(corpus, "lazy or cafe or 東京", limit=2)) == 2
    assert search(corpus, "zeppelin") == []
    assert search(corpus, "the") == []  # only a stop word


@pytest.mark.parametrize(
    ("query", "prepared"),
    [
        ("fox", "fox"),
        ('fox - "brown dog"', 'fox - "brown dog"'),
        ("東京", ' "東 京" '),
        ("x -東京 -y", 'x  -"東 京"  -y'),
        ("tokyo 東京 or 大阪", 'tokyo  "東 京"  or  "大 阪" '),
        ('"東京 tower"', '" 東 京  tower"'),
        ("abc東京", 'abc "東 京" '),
        ("abc-東京", 'abc- "東 京" '),  # a hyphen inside a word does not exclude
    ],
)
def test_cjk_runs_become_phrases_of_single_characters(query, prepared):
    assert prepare_query(query) == prepared


def test_a_limit_keeps_the_best_ranked_hits(conn):
    # Inserted worst first: a search that cut before ranking would keep these.
    for relative_key, content in [
        ("a/weak-1.txt", "one zeppelin among many other words"),
        ("a/weak-2.txt", "another zeppelin among many other words"),
        ("b/dense.txt", "zeppelin zeppelin zeppelin"),
        ("zeppelin.txt", "a name that says it all"),
    ]:
        store.upsert(conn, document(relative_key, content))

    assert keys(conn, "zeppelin", limit=2) == ["uploads/zeppelin.txt", "uploads/b/dense.txt"]
    assert keys(conn, "zeppelin", limit=1) == ["uploads/zeppelin.txt"]
    hits = search(conn, "zeppelin", limit=4)
    assert [hit.rank for hit in hits] == sorted((hit.rank for hit in hits), reverse=True)
    assert len({hit.rank for hit in hits}) >= 3, "the ranks must tell the hits apart for this test to mean anything"


def test_hits_of_equal_rank_come_in_key_order(conn):
    for relative_key in ("c.txt", "a.txt", "b.txt"):
        store.upsert(conn, document(relative_key, "identical words"))
    assert keys(conn, "identical", limit=2) == ["uploads/a.txt", "uploads/b.txt"]


def test_a_hit_as_json_has_every_field_with_times_in_iso_format(conn):
    store.upsert(conn, CORPUS[0])
    [hit] = search(conn, "fox")
    data = hit.to_json()
    assert data == {
        "bucket": CORPUS[0].bucket,
        "key": CORPUS[0].key,
        "snippet": hit.snippet,
        "rank": hit.rank,
        "size": CORPUS[0].size,
        "content_type": "text/plain",
        "status": "ok",
        "error": None,
        "extracted_at": CORPUS[0].extracted_at.isoformat(),
        "indexed_at": hit.indexed_at.isoformat(),
    }
    assert isinstance(data["indexed_at"], str)
