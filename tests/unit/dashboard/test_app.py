"""The dashboard's web layer without a stack: tokens on every action, escaping, headers, idleness."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
import uvicorn

from dashboard import app as dashboard_app
from dashboard import board, files

TOKEN = "t" * 43


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def served(cfg):
    """(base URL, counter of board collections) of an app served in this process."""
    collected = []

    class CountingCollector:
        def __init__(self, cfg):
            collected.append(cfg)

    original = board.Collector
    board.Collector = CountingCollector
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(dashboard_app.create_app(cfg, token=TOKEN), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", collected
    server.should_exit = True
    thread.join(10)
    board.Collector = original


def request(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("path", ["/file/delete", "/file/redrive", "/dlq/redrive", "/reconcile"])
def test_every_action_refuses_a_post_without_the_right_token(served, path):
    base, _ = served
    assert request(base + path, b"key=uploads/a.txt", FORM)[0] == 403
    assert request(base + path, b"key=uploads/a.txt&csrf_token=wrong", FORM)[0] == 403


def test_upload_refuses_a_post_without_the_token(served):
    base, _ = served
    status, _, _body = request(
        base + "/upload?folder=&name=a.txt", b"data", {"Content-Type": "application/octet-stream"}
    )
    assert status == 403


def test_the_token_is_embedded_in_the_page_and_accepted(served):
    base, _ = served
    status, _headers, body = request(base + "/upload")
    assert status == 200
    assert f'<meta name="csrf-token" content="{TOKEN}">' in body
    # Accepted: the request gets past the token to the key check (no stack needed).
    assert request(base + "/file/delete", f"key=&csrf_token={TOKEN}".encode(), FORM)[0] == 400
    status, _, body = request(
        base + "/upload?folder=..&name=a.txt", b"x", {"Content-Type": "application/octet-stream", "X-CSRF-Token": TOKEN}
    )
    assert (status, json.loads(body)["error"]) == (400, "the folder may not contain '.' or '..' parts")


def test_pages_forbid_inline_script_and_framing(served):
    base, _ = served
    _, headers, _ = request(base + "/upload")
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"


def test_other_host_names_are_refused(served):
    base, _ = served
    assert request(base + "/upload", headers={"Host": "attacker.example"})[0] == 400


def test_an_unopened_dashboard_reads_nothing(served):
    base, collected = served
    time.sleep(1)
    request(base + "/upload")
    assert collected == []  # no board collector, no clients, no polling without a page asking


def test_snippets_escape_everything_but_their_marks():
    html = dashboard_app.snippet_html("a <img src=x onerror=alert(1)> [[match]] & [[<b>]]")
    assert str(html) == ("a &lt;img src=x onerror=alert(1)&gt; <mark>match</mark> &amp; <mark>&lt;b&gt;</mark>")


def test_upload_keys(cfg):
    assert files.key_for_upload(cfg, "", "a.txt") == "uploads/a.txt"
    assert files.key_for_upload(cfg, "/notes//2026/", "C:\\tmp\\a b.txt") == "uploads/notes/2026/a b.txt"
    assert (
        files.key_for_upload(cfg, "x", "<img src=x onerror=alert(1)>.txt")
        == "uploads/x/<img src=x onerror=alert(1)>.txt"
    )
    for folder, name in [("a/../b", "f"), ("", ""), ("", ".."), ("x" * 1020, "f.txt")]:
        with pytest.raises(files.BadKey):
            files.key_for_upload(cfg, folder, name)


def test_actions_stay_under_uploads(cfg):
    assert files.upload_key(cfg, "extracted/a/b.pdf") == "uploads/a/b.pdf"
    assert files.upload_key(cfg, "a/b.pdf") == "uploads/a/b.pdf"
    with pytest.raises(files.BadKey):
        files.upload_key(cfg, "")


def test_figures_for_people():
    from datetime import datetime, timezone

    moment = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    assert dashboard_app.clock(moment) == "2026-01-02 03:04:05.678"
    assert dashboard_app.clock(moment, False) == "2026-01-02 03:04:05"
    assert dashboard_app.clock(1767323045678) == "2026-01-02 03:04:05.678"
    assert dashboard_app.duration(0.0304) == "30 ms"
    assert dashboard_app.duration(2.25) == "2.2 s"
    assert dashboard_app.quantity(17_460_000.4) == "17,460,000"
    assert dashboard_app.quantity(0.030071) == "0.03007"


def test_a_key_that_cannot_exist_is_a_bad_request(served):
    base, _ = served
    status, _, body = request(base + "/file?key=uploads/a%00b.txt")
    assert status == 400 and "contains a NUL character" in body
