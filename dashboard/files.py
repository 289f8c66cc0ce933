"""One file: what `make trace` shows (stages and matching log lines) plus its document, index row and
DLQ events; and the actions on it (upload, delete, re-drive)."""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass, field
from typing import IO

from dashboard.board import DLQ_LOCK
from operations import dlq, reconcile, trace
from settings import aws, db
from settings.config import Config
from settings.text_input import NotText, require_text

HIDDEN_COLUMNS = {"bucket", "content", "search_vector"}  # the text is shown on its own; the rest is internal
MAX_KEY_BYTES = 1024  # S3's limit


class BadKey(ValueError):
    """A key or folder the dashboard refuses, with the reason."""


@dataclass
class FileDetail:
    key: str
    extracted_key: str
    trace: list[str] = field(default_factory=list)
    document: dict | None = None
    row: dict | None = None
    failures: list[dlq.FailedEvent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _text(value: str, what: str) -> str:
    try:
        return require_text(value, what)
    except NotText as exc:
        raise BadKey(str(exc)) from None


def upload_key(cfg: Config, key: str) -> str:
    """The upload key the dashboard acts on: uploads/x, extracted/x or x; never outside uploads/."""
    key = trace.normalise_key(cfg, _text(key, "the key"))
    if key == cfg.upload_prefix or len(key.encode()) > MAX_KEY_BYTES:
        raise BadKey(f"not a file key: {key[:200]!r}")
    return key


def _document_key(cfg: Config, key: str) -> str:
    """Where the document of an accepted upload key lives."""
    target = cfg.extracted_key(key)
    if target is None:
        raise BadKey(f"not under {cfg.upload_prefix}: {key[:200]!r}")
    return target


def key_for_upload(cfg: Config, folder: str, filename: str) -> str:
    """uploads/<folder>/<filename> for a file dropped on the upload page."""
    _text(folder + filename, "the folder or file name")
    parts = [p for p in folder.replace("\\", "/").split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise BadKey("the folder may not contain '.' or '..' parts")
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if not name or name in (".", ".."):
        raise BadKey("the file has no name")
    key = cfg.upload_prefix + "".join(p + "/" for p in parts) + name
    if len(key.encode()) > MAX_KEY_BYTES:
        raise BadKey(f"the key would be {len(key.encode())} bytes; S3 allows {MAX_KEY_BYTES}")
    return key


def detail(cfg: Config, key: str) -> FileDetail:
    key = upload_key(cfg, key)
    found = FileDetail(key=key, extracted_key=_document_key(cfg, key))
    s3 = aws.client(cfg, "s3")
    try:
        with DLQ_LOCK:  # trace reads the DLQ too
            found.trace = trace.trace(cfg, key)
    except Exception as exc:
        found.problems.append(f"trace failed: {exc}")
    try:
        document = json.loads(s3.get_object(Bucket=cfg.bucket, Key=found.extracted_key)["Body"].read())
        if isinstance(document, dict):
            found.document = document
        else:
            found.problems.append("the extracted document is not a JSON object: insert refuses it")
    except s3.exceptions.NoSuchKey:
        pass
    except Exception as exc:
        found.problems.append(f"the extracted document cannot be read: {exc}")
    try:
        conn = db.connect(cfg.database_dsn(), timeout=5)
        try:
            rows = conn.run("SELECT * FROM documents WHERE bucket = :b AND key = :k", b=cfg.bucket, k=key)
            columns = [c["name"] for c in conn.columns]
        finally:
            conn.close()
        if rows:
            found.row = {
                name: value for name, value in zip(columns, rows[0], strict=True) if name not in HIDDEN_COLUMNS
            }
    except Exception as exc:
        found.problems.append(f"the index cannot be read: {exc}")
    try:
        with DLQ_LOCK:
            found.failures = [e for e in dlq.failed_events(cfg) if key in e.keys or found.extracted_key in e.keys]
    except Exception as exc:
        found.problems.append(f"the dead-letter queue cannot be read: {exc}")
    return found


def upload(cfg: Config, key: str, body: IO[bytes]) -> None:
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    aws.client(cfg, "s3").upload_fileobj(body, cfg.bucket, key, ExtraArgs={"ContentType": content_type})


def delete(cfg: Config, key: str) -> str:
    key = upload_key(cfg, key)
    aws.client(cfg, "s3").delete_object(Bucket=cfg.bucket, Key=key)
    return f"deleted {key}: its document and index row follow"


def redrive(cfg: Config, key: str) -> str:
    """Re-process one file: its DLQ events if it has any, else whatever stage reconcile finds it stuck at."""
    key = upload_key(cfg, key)
    target = _document_key(cfg, key)
    messages = []
    with DLQ_LOCK:
        ok, failing = dlq.redrive(cfg, log=lambda *_: None, keys={key, target})
    if ok or failing:
        messages.append(f"dead-letter queue: {ok} re-processed, {failing} still failing")
    findings = [f for f in reconcile.find(cfg) if f.upload_key == key]
    if findings:
        failed = reconcile.redrive(cfg, findings, log=lambda *_: None)
        messages.append(
            f"re-driven: {', '.join(f.stage for f in findings)}" + (f" ({failed} still failing)" if failed else "")
        )
    return "; ".join(messages) or f"{key} is consistent: nothing to re-drive"
