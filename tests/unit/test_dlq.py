"""The dead-letter queue listing sees every message, however many, and leaves them in the queue."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from operations import dlq
from settings import config


def failure_record(i: int) -> dict:
    return {
        "version": "1.0",
        "timestamp": "2026-11-27T18:54:21.714Z",
        "requestContext": {
            "requestId": f"r{i}",
            "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
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

        # Route settings.aws clients to moto instead of the local stack.
        def client(cfg, service, **_):
            assert cfg is base, "clients of the configured stack"
            return boto3.client(service, region_name=base.region)

        monkeypatch.setattr("settings.aws.client", client)
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
    monkeypatch.setattr("settings.aws.invoker", lambda _cfg, **_: invoker)
    lines = []

    ok, failing = dlq.redrive(cfg, log=lines.append)

    assert (ok, failing) == (21, 2)
    assert invoker.calls == 23, "one invocation per event, no retries"
    failed_lines = [line for line in lines if line.startswith("still failing")]
    assert len(failed_lines) == 2 and all("ReadTimeoutError" in line for line in failed_lines)
    remaining = dlq.failed_events(cfg)
    assert sorted(e.keys[0] for e in remaining) == ["extracted/My File 3.txt", "extracted/My File 5.txt"]


def test_invoker_waits_past_the_function_timeout_and_never_retries():
    from settings import aws

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

    monkeypatch.setattr("settings.aws.invoker", lambda _cfg, **_: Interrupted())
    with pytest.raises(KeyboardInterrupt):
        dlq.redrive(cfg, log=lambda line: None)

    assert len(dlq.failed_events(cfg)) == 23 - 4, "the 4 re-driven are gone, the other 19 are visible at once"


def test_a_redrive_for_some_keys_leaves_the_other_events_visible(cfg, monkeypatch):
    invoker = FlakyInvoker()
    monkeypatch.setattr("settings.aws.invoker", lambda _cfg, **_: invoker)

    ok, failing = dlq.redrive(cfg, log=lambda line: None, keys={"extracted/My File 7.txt", "uploads/other.txt"})

    assert (ok, failing, invoker.calls) == (1, 0, 1)
    remaining = dlq.failed_events(cfg)
    assert len(remaining) == 22, "the others are released at once, not hidden for the redrive's duration"
    assert "extracted/My File 7.txt" not in {e.keys[0] for e in remaining}


class Function:
    """The Lambda invoke API as redrive sees it: a re-run that fails answers FunctionError, like AWS."""

    def __init__(self, failing: set[int]):
        self.failing = failing
        self.invoked: list[str] = []

    def invoke(self, FunctionName, Payload, **_):
        import io

        event = json.loads(Payload)
        number = int(event["Records"][0]["s3"]["object"]["key"].rsplit("+", 1)[1].split(".")[0])
        self.invoked.append(FunctionName)
        if number in self.failing:
            body = json.dumps(
                {"errorType": "RecordsFailed", "errorMessage": f"database still down {number}", "detail": "x" * 1000}
            ).encode()
            return {
                "StatusCode": 200,
                "FunctionError": "Unhandled",
                "Payload": io.BytesIO(body[:290] + b"\xff" + body[290:]),
            }
        return {"StatusCode": 200, "Payload": io.BytesIO(b"[]")}


def test_redrive_deletes_only_the_messages_whose_re_run_succeeded(cfg, monkeypatch):
    function = Function(failing={4, 17})
    monkeypatch.setattr("settings.aws.invoker", lambda c, **_: function if c is cfg else pytest.fail("another stack"))
    real_failed_events, hidden_for = dlq.failed_events, []
    monkeypatch.setattr(
        dlq,
        "failed_events",
        lambda c, hide_for=0: hidden_for.append(hide_for) or real_failed_events(c, hide_for=hide_for),
    )
    lines: list[str] = []

    assert dlq.redrive(cfg, log=lines.append) == (21, 2)
    # Hidden from other readers while this run may still be invoking them: longer than a function may run.
    assert hidden_for == [cfg.lambda_timeout + 30]
    monkeypatch.setattr(dlq, "failed_events", real_failed_events)

    assert function.invoked == ["fn"] * 23  # each event's own function, once
    remaining = dlq.failed_events(cfg)  # the failed ones are kept, and visible again at once
    assert sorted(e.keys[0] for e in remaining) == ["extracted/My File 17.txt", "extracted/My File 4.txt"]
    failing = sorted(line for line in lines if line.startswith("still failing"))
    assert len(failing) == 2 and "database still down 17" in failing[0] and "My File 17.txt" in failing[0]
    # the function's answer, cut to 300 bytes, an undecodable byte replaced
    assert failing[0].split("\ufffd")[1] == "x" * (300 - 291)
    assert sum(line.startswith("re-driven") for line in lines) == 21


def message(record: dict) -> dict:
    return {"MessageId": "m1", "ReceiptHandle": "r1", "Body": json.dumps(record)}


def test_a_failure_record_is_read_as_aws_and_localstack_write_it():
    event = dlq._parse(message({**failure_record(1), "timestamp": 1_767_225_600_123}))
    assert event.failed_at == "2026-01-01T00:00:00.123+00:00"  # AWS: epoch milliseconds
    assert dlq._parse(message(failure_record(1))).failed_at == "2026-11-27T18:54:21.714Z"  # LocalStack: ISO
    assert event.as_dict() == {
        "message_id": "m1",
        "function": "fn",
        "condition": "RetriesExhausted",
        "attempts": 3,
        "failed_at": "2026-01-01T00:00:00.123+00:00",
        "keys": ["extracted/My File 1.txt"],
        "error": "RecordsFailed: database down 1",
    }
    assert event.event == failure_record(1)["requestPayload"] and event.receipt_handle == "r1"


def test_a_failure_without_a_response_is_named_by_its_condition():
    record = failure_record(2)
    del record["responsePayload"]
    record["requestContext"]["condition"] = "EventAgeExceeded"
    record["requestPayload"]["Records"].append({"eventSource": "aws:sqs"})  # not an S3 record: no key
    event = dlq._parse(message(record))
    assert (event.error, event.keys, event.failed_at) == (
        "EventAgeExceeded",
        ["extracted/My File 2.txt"],
        "2026-11-27T18:54:21.714Z",
    )
    bare = dlq._parse(message({}))
    assert (bare.error, bare.function, bare.attempts, bare.keys, bare.failed_at) == ("unknown", "", 0, [], "")


def test_the_listing_prints_each_event_and_the_command_that_re_drives(cfg, capsys):
    assert dlq.print_failed(cfg, as_json=False) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "23 failed event(s); `make redrive` processes them again"
    assert "    extracted/My File 7.txt" in out and "    reason: RecordsFailed: database down 7" in out
    assert dlq.print_failed(cfg, as_json=True) == 0
    assert len(json.loads(capsys.readouterr().out)) == 23
