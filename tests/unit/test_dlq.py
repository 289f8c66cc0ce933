"""The dead-letter queue listing sees every message, however many, and leaves them in the queue."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from fue import config, dlq


def failure_record(i: int) -> dict:
    return {
        "version": "1.0",
        "timestamp": "2026-11-27T18:54:21.714Z",
        "requestContext": {"requestId": f"r{i}", "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST",
                           "condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": {"Records": [{"s3": {"object": {"key": f"extracted/My+File+{i}.txt"}}}]},
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
        "responsePayload": {"errorType": "RecordsFailed", "errorMessage": f"database down {i}"},
    }


@pytest.fixture()
def cfg(monkeypatch):
    with mock_aws():
        base = config.load()
        sqs = boto3.client("sqs", region_name=base.region)
        url = sqs.create_queue(QueueName=base.dlq_name)["QueueUrl"]
        for i in range(23):
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(failure_record(i)))
        # Route fue.aws clients to moto instead of the local stack.
        monkeypatch.setattr("fue.aws.client", lambda _cfg, service, **_: boto3.client(service, region_name=base.region))
        yield base


def test_lists_more_than_one_batch_and_keeps_messages(cfg):
    first = dlq.failed_events(cfg)
    second = dlq.failed_events(cfg)

    assert len(first) == 23
    assert len(second) == 23, "listing must not hide or consume messages"
    sample = next(e for e in first if e.error.endswith("database down 7"))
    assert sample.keys == ["extracted/My File 7.txt"]
    assert sample.function == "fn"
    assert sample.condition == "RetriesExhausted" and sample.attempts == 3
    assert sample.error == "RecordsFailed: database down 7"


class FlakyInvoker:
    """Times out on events whose key mentions ``slow``; succeeds otherwise."""

    def __init__(self):
        self.calls = 0

    def invoke(self, FunctionName, Payload):
        import io

        from botocore.exceptions import ReadTimeoutError

        self.calls += 1
        if b"File+3." in Payload or b"File+5." in Payload:
            raise ReadTimeoutError(endpoint_url="http://127.0.0.1:4566/invoke")
        return {"StatusCode": 200, "Payload": io.BytesIO(b"[]")}


def test_redrive_reports_each_failure_and_finishes(cfg, monkeypatch):
    invoker = FlakyInvoker()
    monkeypatch.setattr("fue.aws.invoker", lambda _cfg, **_: invoker)
    lines = []

    ok, failing = dlq.redrive(cfg, log=lines.append)

    assert (ok, failing) == (21, 2)
    assert invoker.calls == 23, "one invocation per event, no retries"
    failed_lines = [line for line in lines if line.startswith("still failing")]
    assert len(failed_lines) == 2 and all("ReadTimeoutError" in line for line in failed_lines)
    remaining = dlq.failed_events(cfg)
    assert sorted(e.keys[0] for e in remaining) == ["extracted/My File 3.txt", "extracted/My File 5.txt"]


def test_invoker_waits_past_the_function_timeout_and_never_retries():
    from fue import aws

    client = aws.invoker(config.load())
    assert client.meta.config.read_timeout > config.load().lambda_timeout
    assert client.meta.config.retries["total_max_attempts"] == 1


def test_an_interrupted_redrive_leaves_the_untried_events_visible(cfg, monkeypatch):
    class Interrupted:
        calls = 0

        def invoke(self, FunctionName, Payload):
            import io

            if self.calls == 4:
                raise KeyboardInterrupt
            self.calls += 1
            return {"StatusCode": 200, "Payload": io.BytesIO(b"[]")}

    monkeypatch.setattr("fue.aws.invoker", lambda _cfg, **_: Interrupted())
    with pytest.raises(KeyboardInterrupt):
        dlq.redrive(cfg, log=lambda line: None)

    assert len(dlq.failed_events(cfg)) == 23 - 4, "the 4 re-driven are gone, the other 19 are visible at once"
