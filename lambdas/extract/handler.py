"""Entry point of the extract function: S3 events in, extracted documents out.

Settings (environment variables): UPLOAD_PREFIX (uploads/), EXTRACTED_PREFIX
(extracted/), MAX_CONTENT_CHARS (1000000), MAX_OBJECT_BYTES (104857600).
"""

import os

import boto3
from extractor.log import logger
from extractor.records import process_event
from extractor.settings import Settings

# Read once per cold start; an overlapping prefix pair fails here, before any record is touched.
SETTINGS = Settings.from_environ(os.environ)
S3 = boto3.client("s3")


@logger.inject_lambda_context
def handler(event, context):
    return process_event(event, s3=S3, settings=SETTINGS)
