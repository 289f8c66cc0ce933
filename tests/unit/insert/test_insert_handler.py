import json

import pytest
from insert_samples import FakeIndex, LambdaContext, put_document, record


def test_handler_indexes_every_record_and_logs_json(s3, load_handler, monkeypatch, capsys):
    handler = load_handler()
    index = FakeIndex()
    monkeypatch.setattr(handler, "PostgresIndex", lambda database: index)
    handler.s3_client.cache_clear()
    put_document(s3, "extracted/a b.txt", Content="alpha")
    put_document(s3, "extracted/c.txt", Content="gamma")
    event = {"Records": [record("ObjectCreated:Put", "extracted/a+b.txt"), record("ObjectCreated:Put", "extracted/c.txt")]}

    result = handler.handler(event, LambdaContext())

    assert result == {"records": 2, "inserted": 2}
    assert [d.key for d in index.upserted] == ["uploads/a b.txt", "uploads/c.txt"]
    logs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    processed = [entry for entry in logs if entry["message"] == "record processed"]
    assert [entry["key"] for entry in processed] == ["extracted/a b.txt", "extracted/c.txt"]
    assert all(entry["service"] == "insert" and entry["function_request_id"] for entry in processed)


def test_handler_refuses_to_start_without_a_database_address(load_handler):
    with pytest.raises(ValueError, match="DATABASE_DSN"):
        load_handler("not a dsn")
