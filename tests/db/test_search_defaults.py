"""search without a limit keeps the ten best hits."""

from db_documents import document

from indexer import store
from operations.search import search


def test_without_a_limit_the_ten_best_hits_are_kept(conn):
    for n in range(12):
        store.upsert(conn, document(f"notes/{n:02}.txt", "zeppelin " * (n + 1)))
    hits = search(conn, "zeppelin")
    assert [hit.key for hit in hits] == [f"uploads/notes/{n:02}.txt" for n in range(11, 1, -1)]


def test_a_hit_found_by_name_only_has_no_snippet_and_its_rank_has_six_decimals(conn):
    store.upsert(conn, document("reports/zeppelin.pdf", status="failed", error="the PDF is encrypted"))
    store.upsert(conn, document("notes/a.txt", "zeppelin " * 3 + "and more words about airships"))
    hits = {hit.key: hit for hit in search(conn, "zeppelin")}
    assert hits["uploads/reports/zeppelin.pdf"].snippet == ""
    assert all(hit.rank == round(hit.rank, 6) and hit.rank != round(hit.rank, 5) for hit in hits.values())
