"""Entry point of the insert function: extracted documents into the search index.

Every record names a document key; the function converges that key's index row to
the bucket's current state (``indexer.sync``). Settings come from the environment
that bootstrap sets (``pipeline_core.settings.INSERT_VARIABLES``).
"""

from __future__ import annotations

import functools
import os

from aws_lambda_powertools import Logger

from indexer.database import Database, PostgresIndex
from indexer.sync import sync
from pipeline_core import clients
from pipeline_core.records import process_records
from pipeline_core.settings import InsertSettings

logger = Logger(service="insert")
settings = InsertSettings.from_environ(os.environ)
database = Database(settings.database_dsn)


@functools.cache
def s3_client():
    return clients.s3()


@logger.inject_lambda_context
def handler(event: dict, context) -> list[dict]:
    index = PostgresIndex(database)
    return process_records(
        event, lambda change: sync(s3_client(), change.bucket, change.key, settings.keys, index).fields(), logger
    )
