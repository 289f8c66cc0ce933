import json

import pytest
from insert_samples import FakeIndex, extracted, record

from tests.fakes import LambdaContext


def test_handler_indexes_every_record_and_logs_json(s3, load_handler, monkeypatch, caplog):
    handler = load_handler()
    index = FakeIndex()
    monkeypatch.setattr(handler, "PostgresIndex", lambda database: index)
    handler.s3_client.cache_clear()
    extracted(s3, "uploads/a b.txt", b"alpha")
    extracted(s3, "uploads/c.txt", b"gamma")
    event = {
        "Records": [record("ObjectCreated:Put", "extracted/a b.txt"), record("ObjectCreated:Put", "extracted/c.txt")]
    }

    result = handler.handler(event, LambdaContext("file-extraction-insert"))

    assert [(r["action"], r["upload_key"]) for r in result] == [
        ("indexed", "uploads/a b.txt"),
        ("indexed", "uploads/c.txt"),
    ]
    assert index.row("uploads/a b.txt").content == "alpha"
    # The records as the function's JSON formatter writes them (not its stdout: the logger keeps the
    # stream it found at its first import, which a later test session in the same process does not capture).
    formatter = handler.logger.registered_formatter
    logs = [json.loads(formatter.format(entry)) for entry in caplog.records if entry.name == "insert"]
    processed = [entry for entry in logs if entry["message"] == "record processed"]
    assert [entry["key"] for entry in processed] == ["extracted/a b.txt", "extracted/c.txt"]
    assert all(entry["service"] == "insert" and entry["function_request_id"] for entry in processed)


def test_handler_refuses_to_start_without_a_database_address(load_handler):
    with pytest.raises(ValueError, match="DATABASE_DSN"):
        load_handler("not a dsn")
