"""reconcile reads every index row of the bucket with the upload version it was indexed from."""

from dataclasses import replace

from db_documents import BUCKET, document

from indexer import store
from operations import reconcile
from pipeline_core.document import SourceVersion


def test_rows_of_the_bucket_with_their_versions(conn, running_postgres, index_dsn):
    cfg = replace(running_postgres, bucket=BUCKET, postgres_db=index_dsn.rsplit("/", 1)[1])
    store.upsert(conn, document("a.txt", "words", etag="e1", uploaded_second=7))
    store.upsert(conn, document("long.txt", "far", extracted_key="extracted/lo~" + "a" * 64))
    store.upsert(conn, replace(document("elsewhere.txt"), bucket="other-bucket"))
    store.upsert(conn, document("legacy.txt"))
    conn.run("UPDATE documents SET source_last_modified = NULL WHERE key = 'uploads/legacy.txt'")

    rows = reconcile._rows(cfg)

    first = document("a.txt", "words", etag="e1", uploaded_second=7)
    assert rows["uploads/a.txt"] == (
        "extracted/a.txt",
        SourceVersion("e1", 5, int(first.source_last_modified.timestamp()) * 1000),
    )
    assert rows["uploads/long.txt"][0] == "extracted/lo~" + "a" * 64
    assert rows["uploads/legacy.txt"] == ("extracted/legacy.txt", None)  # from before 0002: no version
    assert set(rows) == {"uploads/a.txt", "uploads/long.txt", "uploads/legacy.txt"}
