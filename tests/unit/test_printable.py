"""What the CLI prints never carries a raw terminal control character from keys or content."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from operations import search
from settings.printable import printable, printable_json

HOSTILE = "report\x1b]0;pwned\x07\x1b[2J\r\nfake line\u202eevil\x9b31m\x7f.txt"
RAW = ("\x1b", "\x07", "\r", "\n", "\u202e", "\x9b", "\x7f")


def test_printable_makes_control_characters_visible_and_keeps_text():
    shown = printable(HOSTILE)
    assert not any(char in shown for char in RAW)
    assert shown == "report\\x1b]0;pwned\\x07\\x1b[2J\\r\\nfake line\\u202eevil\\x9b31m\\x7f.txt"
    assert printable("Größe\t東京 ok") == "Größe\t東京 ok"


def test_printable_json_is_valid_json_of_the_same_value_without_raw_controls():
    text = printable_json({HOSTILE: [HOSTILE]}, ensure_ascii=False, indent=2)
    assert not any(char in text for char in RAW if char != "\n")
    assert all(line.strip() for line in text.split("\n")), "newlines only between JSON tokens"
    assert json.loads(text) == {HOSTILE: [HOSTILE]}


def test_search_output_neutralises_keys_snippets_and_errors():
    when = datetime(2026, 1, 1, tzinfo=UTC)
    hit = search.Hit(
        "b",
        f"uploads/{HOSTILE}",
        f"[[{HOSTILE}]]",
        1.0,
        10,
        "text/plain\x1b[1m",
        "failed",
        f"bad {HOSTILE}",
        when,
        when,
    )
    shown = search.format_hits([hit], f"q {HOSTILE}", bold=True)
    for char in RAW:
        assert char not in shown.replace("\033[1m", "").replace("\033[22m", "").replace("\n", "")
    assert "\\x1b]0;pwned" in shown


def test_trace_prints_hostile_keys_and_log_lines_escaped(monkeypatch, capsys):
    from cli.app import main
    from operations import trace

    monkeypatch.setattr(trace, "trace", lambda cfg, key: [f"trace of {HOSTILE}", f"    log {HOSTILE}"])
    assert main(["trace", "k"]) == 0
    shown = capsys.readouterr().out
    assert not any(char in shown.replace("\n", "") for char in RAW if char != "\n")
    assert shown.count("\n") == 2, "a newline inside a value cannot forge an output line"


def test_dlq_listing_prints_hostile_keys_and_errors_escaped(monkeypatch, capsys):
    from operations import dlq

    failed = dlq.FailedEvent("m", "r", "fn", "RetriesExhausted", 3, "now", [HOSTILE], f"Boom: {HOSTILE}", {})
    monkeypatch.setattr(dlq, "failed_events", lambda cfg: [failed])
    dlq.print_failed(type("Cfg", (), {"dlq_name": "q"})(), as_json=False)
    shown = capsys.readouterr().out
    assert not any(char in shown.replace("\n", "") for char in RAW if char != "\n")
    assert shown.count("\n") == 4
