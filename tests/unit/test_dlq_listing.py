"""The dead-letter queue as SQS sees our calls (batches of at most ten, distinct ids, messages hidden
while read), failure records of every shape, and the listing's exact output."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from operations import dlq
from settings import config


def record(i: int, **changes) -> dict:
    return {
        "timestamp": 1_767_225_600_000 + i,
        "requestContext": {
            "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:extract-fn:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": {"Records": [{"s3": {"object": {"key": f"uploads/f{i}.txt"}}}]},
        "responsePayload": {"errorType": "RecordsFailed", "errorMessage": f"boom {i}"},
        **changes,
    }


class SqsAsAws:
    """moto's SQS, checking the rules AWS enforces on the calls moto lets through; records each call."""

    def __init__(self, client):
        self.client = client
        self.received: list[dict] = []
        self.made_visible: list[str] = []

    def __getattr__(self, name):
        return getattr(self.client, name)

    def receive_message(self, **kwargs):
        self.received.append(kwargs)
        return self.client.receive_message(**kwargs)

    def change_message_visibility_batch(self, QueueUrl, Entries):
        assert 1 <= len(Entries) <= 10, "AWS: TooManyEntriesInBatchRequest"
        assert len({e["Id"] for e in Entries}) == len(Entries), "AWS: BatchEntryIdsNotDistinct"
        assert all(e["VisibilityTimeout"] == 0 for e in Entries)
        self.made_visible += [e["ReceiptHandle"] for e in Entries]
        return self.client.change_message_visibility_batch(QueueUrl=QueueUrl, Entries=Entries)


@pytest.fixture
def queue(monkeypatch):
    """(cfg, SqsAsAws, send): the configured stack's DLQ in moto."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        cfg = config.load()
        sqs = SqsAsAws(boto3.client("sqs", region_name=cfg.region))
        url = sqs.create_queue(QueueName=cfg.dlq_name)["QueueUrl"]

        def client(c, service, **_):
            assert (c, service) == (cfg, "sqs"), "the SQS of the configured stack"
            return sqs

        monkeypatch.setattr("settings.aws.client", client)

        def send(*records: dict) -> None:
            for body in records:
                sqs.client.send_message(QueueUrl=url, MessageBody=json.dumps(body))

        yield cfg, sqs, send


def test_a_listing_reads_ten_at_a_time_and_makes_each_message_visible_once(queue):
    cfg, sqs, send = queue
    send(*(record(i) for i in range(25)))
    events = dlq.failed_events(cfg)
    assert sorted(e.keys[0] for e in events) == sorted(f"uploads/f{i}.txt" for i in range(25))
    assert all(call["MaxNumberOfMessages"] == 10 for call in sqs.received)
    assert len(sqs.received) == 4  # 10 + 10 + 5, then an empty answer
    assert sorted(sqs.made_visible) == sorted(e.receipt_handle for e in events)
    assert len(dlq.failed_events(cfg)) == 25


def test_messages_are_hidden_while_read_and_for_as_long_as_asked(queue):
    cfg, sqs, send = queue
    send(record(1))
    dlq.failed_events(cfg)
    assert sqs.received[0]["VisibilityTimeout"] == 30  # long enough to read the whole queue
    sqs.received.clear()
    sqs.made_visible.clear()
    hidden = dlq.failed_events(cfg, hide_for=cfg.lambda_timeout + 30)
    assert [call["VisibilityTimeout"] for call in sqs.received] == [cfg.lambda_timeout + 30] * 2
    assert len(hidden) == 1 and sqs.made_visible == []
    assert dlq.failed_events(cfg) == [], "hidden until the re-drive is done with it"


def test_an_empty_queue_prints_its_name_and_succeeds(queue, capsys):
    cfg, _, _ = queue
    assert dlq.print_failed(cfg, as_json=False) == 0
    assert capsys.readouterr().out == f"the dead-letter queue {cfg.dlq_name} is empty\n"
    assert dlq.print_failed(cfg, as_json=True) == 0
    assert capsys.readouterr().out == "[]\n"


def test_the_listing_shows_when_where_why_and_the_keys(queue, capsys):
    cfg, _, send = queue
    send(
        record(
            1,
            requestPayload={
                "Records": [
                    {"s3": {"object": {"key": "uploads/a+b.txt"}}},
                    {"s3": {"object": {"key": "uploads/c.txt"}}},
                ]
            },
        )
    )
    assert dlq.print_failed(cfg, as_json=False) == 0
    assert capsys.readouterr().out.splitlines() == [
        "2026-01-01T00:00:00.001+00:00  extract-fn  RetriesExhausted after 3 attempts",
        "    uploads/a b.txt",
        "    uploads/c.txt",
        "    reason: RecordsFailed: boom 1",
        "1 failed event(s); `make redrive` processes them again",
    ]


def test_the_json_listing_is_indented_for_people(queue, capsys):
    cfg, _, send = queue
    send(record(1))
    dlq.print_failed(cfg, as_json=True)
    out = capsys.readouterr().out
    assert out.startswith('[\n  {\n    "message_id": ')
    assert json.loads(out)[0]["keys"] == ["uploads/f1.txt"]


def message(body: dict) -> dict:
    return {"MessageId": "m", "ReceiptHandle": "r", "Body": json.dumps(body)}


def test_a_record_without_a_condition_has_an_empty_one():
    event = dlq._parse(message(record(1, requestContext={"functionArn": "arn:aws:lambda:r:0:function:fn"})))
    assert (event.condition, event.attempts, event.function) == ("", 0, "fn")


def test_an_error_keeps_every_letter_of_its_type_and_message():
    event = dlq._parse(message(record(1, responsePayload={"errorType": "XMLError", "errorMessage": "bad tag X"})))
    assert event.error == "XMLError: bad tag X"
    only_type = dlq._parse(message(record(1, responsePayload={"errorType": "Runtime.ExitError"})))
    assert only_type.error == "Runtime.ExitError"
