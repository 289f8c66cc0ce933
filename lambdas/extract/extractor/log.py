"""The function's structured JSON logger, shared by the handler and the record loop."""

from aws_lambda_powertools import Logger

logger = Logger(service="extract")
