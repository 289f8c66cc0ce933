"""The functions' S3 client sends a PutObject's body with its headers, against a real HTTP server."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline_core import clients


@pytest.fixture
def s3_endpoint(monkeypatch):
    """A local HTTP server that answers every PUT with 200 and records what it received."""
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # answers Expect: 100-continue, as S3 does

        def do_PUT(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(200)
            self.send_header("ETag", '"0"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for name, value in {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    yield received
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("body", [b"", b'{"Content": "a document"}', b"x" * (3 << 20)])
def test_a_put_sends_its_body_without_asking_to_continue(s3_endpoint, body):
    client = clients.s3()

    client.put_object(Bucket="bucket", Key="extracted/a.txt", Body=body, IfNoneMatch="*")

    [(headers, received)] = s3_endpoint
    assert "Expect" not in headers, headers
    assert received == body
    assert headers.get("If-None-Match") == "*"
