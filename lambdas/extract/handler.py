"""Entry point of the extract function: S3 events in, extracted documents out.

Every record names an upload key; the function converges that key's document to the
bucket's current state (``extractor.sync``). Settings come from the environment that
bootstrap sets (``pipeline_core.settings.EXTRACT_VARIABLES``).
"""

import os

from extractor.attempts import Attempt
from extractor.log import logger
from extractor.sync import sync
from pipeline_core import clients
from pipeline_core.records import process_records
from pipeline_core.settings import ExtractSettings

# Read once per cold start; a missing setting or an overlapping prefix pair fails here.
SETTINGS = ExtractSettings.from_environ(os.environ)
S3 = clients.s3()


@logger.inject_lambda_context
def handler(event, context):
    attempt = Attempt.of(context)
    return process_records(
        event, lambda change: sync(S3, change.bucket, change.key, SETTINGS, logger, attempt).fields(), logger
    )
