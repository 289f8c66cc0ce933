"""`make invoke` when LocalStack cannot run the function at all: a clear error, not a traceback."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from operations import invoke
from settings import config


def test_a_function_that_cannot_start_is_an_invoke_error_that_says_where_to_look(monkeypatch):
    cfg = config.load()
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    stubber = Stubber(client)
    stubber.add_client_error(
        "invoke", service_error_code="ServiceException", service_message="Could not start new environment"
    )
    monkeypatch.setattr(invoke.aws, "client", lambda *_: client)
    with stubber, pytest.raises(invoke.InvokeError) as error:
        invoke.invoke_deployed(cfg, "extract", {"Records": []})
    assert "Could not start new environment" in str(error.value)
    assert "make logs" in str(error.value)
