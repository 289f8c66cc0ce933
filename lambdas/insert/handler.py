"""Entry point of the insert function: extracted documents into the search index.

Settings (environment): DATABASE_DSN (required), UPLOAD_PREFIX (uploads/),
EXTRACTED_PREFIX (extracted/). The work is done in the ``indexer`` package.
"""

from __future__ import annotations

import functools

import boto3
from aws_lambda_powertools import Logger

from indexer.database import Database, PostgresIndex
from indexer.process import process_event
from indexer.settings import Settings

logger = Logger(service="insert")
settings = Settings.from_env()
database = Database(settings.database_dsn)


@functools.cache
def s3_client():
    return boto3.client("s3")


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    return process_event(event, s3=s3_client(), index=PostgresIndex(database), settings=settings, log=logger)
