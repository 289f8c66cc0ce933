"""bootstrap removes the index rows of buckets LocalStack does not hold (it restarted), and only those."""

from dataclasses import replace

import boto3
import pytest
from db_documents import BUCKET, document
from moto import mock_aws

from bootstrap import lost_rows
from bootstrap.report import Report
from indexer import store


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.create_bucket(Bucket="still-here")
        yield client


@pytest.fixture
def index_cfg(running_postgres, index_dsn):
    return replace(running_postgres, bucket=BUCKET, postgres_db=index_dsn.rsplit("/", 1)[1])


def _buckets(conn) -> list[list]:
    return conn.run("SELECT bucket, count(*) FROM documents GROUP BY bucket ORDER BY bucket")


def test_rows_of_a_bucket_just_created_and_of_missing_buckets_go(conn, index_cfg, s3):
    store.upsert(conn, document("a.txt", "words"))
    store.upsert(conn, document("b/c.pdf", "more words"))
    store.upsert(conn, replace(document("kept.txt"), bucket="still-here"))
    store.upsert(conn, replace(document("gone.txt"), bucket="gone-bucket"))
    lines = []

    removed = lost_rows.forget(index_cfg, s3, Report(lines.append), bucket_created=True)

    assert removed == 3
    assert _buckets(conn) == [["still-here", 1]]
    assert lines == [
        f"  updated    search index: removed 3 rows of files LocalStack does not hold (buckets {BUCKET}, gone-bucket)"
    ]


def test_an_existing_configured_bucket_keeps_its_rows(conn, index_cfg, s3):
    store.upsert(conn, document("a.txt", "words"))
    store.upsert(conn, replace(document("gone.txt"), bucket="gone-bucket"))

    assert lost_rows.forget(index_cfg, s3, Report(lambda line: None), bucket_created=False) == 1
    assert _buckets(conn) == [[BUCKET, 1]]


def test_nothing_to_forget_is_not_a_change(conn, index_cfg, s3):
    store.upsert(conn, document("a.txt", "words"))
    report = Report(lambda line: None)

    assert lost_rows.forget(index_cfg, s3, report, bucket_created=False) == 0
    assert not report.changed and _buckets(conn) == [[BUCKET, 1]]
