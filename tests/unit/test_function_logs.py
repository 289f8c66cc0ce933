"""`make logs fn=...` against moto: a function that does not exist is an error, one that has not run
yet is said to be so, and a log group's lines are printed oldest first."""

from __future__ import annotations

import io
import time
import zipfile

import boto3
import pytest

from operations import function_logs
from settings import config
from settings.errors import UserError
from tests.fakes import REGION, offline_aws

CFG = config.load()


@pytest.fixture
def aws(monkeypatch):
    with offline_aws(monkeypatch):
        clients = {service: boto3.client(service, region_name=REGION) for service in ("logs", "lambda", "iam")}
        monkeypatch.setattr("settings.aws.client", lambda _cfg, service, **_: clients[service])
        yield clients


def deploy(aws, name: str) -> None:
    role = aws["iam"].create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    aws["lambda"].create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": code.getvalue()}
    )


def test_a_function_that_does_not_exist_is_an_error_that_names_the_choices(aws):
    with pytest.raises(UserError, match=r"^no function extrct here: make logs fn=extract or fn=insert"):
        function_logs.tail(CFG, "extrct", minutes=60, follow=False)


def test_a_function_that_has_not_run_yet_is_said_to_be_so(aws, capsys):
    deploy(aws, "fresh")
    assert function_logs.tail(CFG, "fresh", minutes=60, follow=False) == 0
    assert capsys.readouterr().out == "no log group /aws/lambda/fresh yet: the function has not run\n"


def test_a_group_of_another_function_with_the_same_start_does_not_count(aws):
    aws["logs"].create_log_group(logGroupName="/aws/lambda/extract-old")
    with pytest.raises(UserError):
        function_logs.tail(CFG, "extract", minutes=60, follow=False)


def test_the_lines_of_a_log_group_are_printed_oldest_first(aws, capsys):
    group, stream = "/aws/lambda/gone-but-logged", "s"
    aws["logs"].create_log_group(logGroupName=group)
    aws["logs"].create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    events = [{"timestamp": now - 2000, "message": "first"}, {"timestamp": now - 1000, "message": "second"}]
    aws["logs"].put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    assert function_logs.tail(CFG, "gone-but-logged", minutes=60, follow=False) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 1)[1] for line in out] == ["first", "second"]
