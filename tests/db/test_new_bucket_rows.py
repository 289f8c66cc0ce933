"""A bucket bootstrap creates holds nothing yet: the index forgets its rows (LocalStack restarted), no others."""

from dataclasses import replace

from db_documents import BUCKET, document

from bootstrap.deploy import forget_rows_of_new_bucket
from bootstrap.report import Report
from indexer import store


def test_rows_of_the_new_bucket_are_removed_and_reported(conn, running_postgres, index_dsn):
    cfg = replace(running_postgres, bucket=BUCKET, postgres_db=index_dsn.rsplit("/", 1)[1])
    store.upsert(conn, document("a.txt", "words"))
    store.upsert(conn, document("b/c.pdf", "more words"))
    store.upsert(conn, replace(document("elsewhere.txt"), bucket="other-bucket"))
    lines = []

    removed = forget_rows_of_new_bucket(cfg, Report(lines.append))

    assert removed == 2
    assert conn.run("SELECT bucket, key FROM documents") == [["other-bucket", "uploads/elsewhere.txt"]]
    assert lines == ["  updated    search index: removed 2 rows of files the new bucket does not hold"]


def test_nothing_to_forget_is_not_a_change(conn, running_postgres, index_dsn):
    cfg = replace(running_postgres, bucket=BUCKET, postgres_db=index_dsn.rsplit("/", 1)[1])
    report = Report(lambda line: None)

    assert forget_rows_of_new_bucket(cfg, report) == 0
    assert not report.changed
