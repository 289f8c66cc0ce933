"""Fault tests break parts of the running stack on purpose; they run after all other suites."""

from tests.integration.conftest import database, lambda_client, run_id, s3  # noqa: F401
