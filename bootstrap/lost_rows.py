"""Index rows of buckets this LocalStack does not hold: bootstrap removes them, since none of their files exist.

LocalStack 4.14.0 (community) keeps no state across restarts while the search database
does, so after ``make down && make up`` the rows of every bucket from before would show
files that are gone, the configured bucket's included. Only this stack's insert
function writes rows, and only of documents it read from a bucket of this LocalStack.
"""

from __future__ import annotations

from collections.abc import Callable

from bootstrap import storage
from bootstrap.report import UPDATED, Report
from settings import db
from settings.config import Config


def lost_buckets(
    indexed: list[str], configured: str, configured_created: bool, exists: Callable[[str], bool]
) -> list[str]:
    """The buckets of ``indexed`` whose files are gone.

    The configured bucket when bootstrap has just created it (it holds nothing yet; its
    notifications do not exist yet, so no row of a new upload can be among its rows), any
    other bucket when it does not exist.
    """
    return [bucket for bucket in indexed if (configured_created if bucket == configured else not exists(bucket))]


def forget(cfg: Config, s3, report: Report, *, bucket_created: bool) -> int:
    """Remove the rows of the lost buckets; returns how many."""
    conn = db.connect(cfg.database_dsn())
    try:
        indexed = [bucket for (bucket,) in conn.run("SELECT DISTINCT bucket FROM documents ORDER BY bucket")]
        lost = lost_buckets(indexed, cfg.bucket, bucket_created, lambda bucket: storage.bucket_exists(s3, bucket))
        removed = len(conn.run("DELETE FROM documents WHERE bucket = ANY(:lost) RETURNING 1", lost=lost))
    finally:
        conn.close()
    if removed:
        report.record(
            UPDATED,
            f"search index: removed {removed} rows of files LocalStack does not hold (buckets {', '.join(lost)})",
        )
    return removed
