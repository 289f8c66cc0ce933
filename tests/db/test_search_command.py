"""`pipeline search` (make search): output for people and for scripts, and its errors."""

import json

import pytest
from db_documents import document

from cli.app import main
from indexer import store
from tests.support import free_port


@pytest.fixture
def indexed(conn, index_dsn, monkeypatch):
    monkeypatch.setenv("POSTGRES_DB", index_dsn.rsplit("/", 1)[1])
    store.upsert(conn, document("animals/fox.txt", "The quick brown fox jumps over the lazy dog."))
    store.upsert(conn, document("images/photo.png", status="unsupported", error="image/png has no text"))


def test_hits_are_listed_with_the_match_highlighted(indexed, capsys):
    assert main(["search", "quick", "fox"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 document matches: quick fox\n")
    assert "uploads/animals/fox.txt" in out
    assert "The **quick** brown **fox** jumps" in out
    assert "44 B · text/plain · extracted 2026-01-01 00:00:00 UTC" in out


def test_a_document_without_text_shows_why(indexed, capsys):
    assert main(["search", "photo"]) == 0
    assert "unsupported: image/png has no text" in capsys.readouterr().out


def test_no_hits_say_so(indexed, capsys):
    assert main(["search", "zeppelin"]) == 0
    assert capsys.readouterr().out.strip() == "No documents match: zeppelin"


def test_json_output_parses(indexed, capsys):
    assert main(["search", "fox", "--json", "--limit", "5"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["query"] == "fox"
    [hit] = result["hits"]
    assert hit["key"] == "uploads/animals/fox.txt"
    assert hit["snippet"] == "The quick brown [[fox]] jumps over the lazy dog"
    assert hit["extracted_at"] == "2026-01-01T00:00:00+00:00"
    assert hit["status"] == "ok" and hit["size"] == 44


def test_json_output_without_hits_is_an_empty_list(indexed, capsys):
    assert main(["search", "--json", "zeppelin"]) == 0
    assert json.loads(capsys.readouterr().out) == {"query": "zeppelin", "hits": []}


def test_a_stack_that_is_not_running_is_reported(monkeypatch, capsys):
    closed_port = free_port()
    monkeypatch.setenv("POSTGRES_HOST_PORT", str(closed_port))

    assert main(["search", "fox"]) == 1
    err = capsys.readouterr().err
    assert f"127.0.0.1:{closed_port} is not reachable" in err
    assert "the stack is not running: run `make up`" in err


def test_a_database_without_schema_is_reported(make_database, monkeypatch, capsys):
    monkeypatch.setenv("POSTGRES_DB", make_database("empty").rsplit("/", 1)[1])
    assert main(["search", "fox"]) == 1
    assert "no schema yet: run `make bootstrap`" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "status"), [([], 2), (["fox", "--limit", "0"], 2), (["  "], 1)])
def test_bad_arguments_are_refused(argv, status, capsys):
    assert main(["search", *argv]) == status
    assert capsys.readouterr().err.strip(), "the refusal says why"
