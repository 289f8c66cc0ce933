"""The record loop: every record tried, failures named alike and raised at the end."""

import pytest

from operations.events import s3_record
from pipeline_core.records import RecordsFailed, process_records


class ListLog:
    def __init__(self):
        self.lines = []

    def info(self, message, extra=None):
        self.lines.append(("info", message, extra))

    def exception(self, message, extra=None):
        self.lines.append(("exception", message, extra))


def record(key: str, bucket: str = "bucket") -> dict:
    return s3_record(bucket, key, "ObjectCreated:Put", region="us-east-1")


def test_every_record_is_handled_and_logged_with_its_result():
    log = ListLog()
    results = process_records(
        {"Records": [record("uploads/a b"), {"eventSource": "aws:sqs"}, record("uploads/c")]},
        lambda change: {"key": change.key, "action": "done"},
        log,
    )
    assert results == [{"key": "uploads/a b", "action": "done"}, {"key": "uploads/c", "action": "done"}]
    assert [line[1] for line in log.lines] == [
        "record processed",
        "record is not an S3 object change; ignored",
        "record processed",
    ]
    assert log.lines[0][2] == {"event": "ObjectCreated:Put", "key": "uploads/a b", "action": "done"}


def test_a_failing_record_does_not_stop_the_others_and_the_failures_are_raised_at_the_end():
    handled = []

    def handle(change):
        handled.append(change.key)
        if change.bucket == "broken":
            raise OSError("connection reset")
        return {"key": change.key}

    broken_record = record("uploads/x")
    del broken_record["s3"]["object"]["key"]
    event = {"Records": [record("uploads/lost one", "broken"), record("uploads/good"), broken_record]}
    log = ListLog()
    with pytest.raises(RecordsFailed) as raised:
        process_records(event, handle, log)
    assert handled == ["uploads/lost one", "uploads/good"]
    assert raised.value.failed_keys == ["uploads/lost one", "record #2"]
    assert str(raised.value).startswith("2 of 3 records failed: uploads/lost one: OSError: connection reset; ")
    failures = [line for line in log.lines if line[0] == "exception"]
    assert [line[2]["key"] for line in failures] == ["uploads/lost one", "record #2"]
