"""Where is one file? Upload, extraction, index, failures and log lines, in order."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from operations import dlq
from pipeline_core import s3 as s3io
from pipeline_core.document import Document, InvalidDocument, SourceVersion
from settings import aws, db
from settings.config import Config
from settings.text_input import require_text


def _ts(value) -> str:
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


def normalise_key(cfg: Config, key: str, s3=None) -> str:
    """Accept uploads/x, extracted/x or just x; a shortened extracted key is looked up in its document."""
    require_text(key, "the key")
    if key.startswith(cfg.extracted_prefix):
        upload_key = cfg.upload_key(key)
        if upload_key is None and s3 is not None:
            upload_key = _source_key(s3, cfg.bucket, key)
        if upload_key:
            return upload_key
        key = key[len(cfg.extracted_prefix) :]
    return key if key.startswith(cfg.upload_prefix) else cfg.upload_prefix + key


def _source_key(s3, bucket: str, doc_key: str) -> str | None:
    """The SourceKey a stored document names, even one insert would refuse for other reasons."""
    try:
        data = json.loads(s3.get_object(Bucket=bucket, Key=doc_key)["Body"].read())
    except (s3.exceptions.ClientError, ValueError):
        return None
    source = data.get("SourceKey") if isinstance(data, dict) else None
    return source if isinstance(source, str) else None


def _head(s3, bucket: str, key: str) -> dict | None:
    try:
        return s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError:
        return None


def log_lines(cfg: Config, needles: list[str], limit: int = 20) -> list[str]:
    logs = aws.client(cfg, "logs")
    lines = []
    for function in (cfg.extract_function, cfg.insert_function):
        try:
            pages = logs.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{function}")
            for page in pages:
                for event in page.get("events", []):
                    if any(n in event["message"] for n in needles):
                        lines.append(
                            (event["timestamp"], f"{_ts(event['timestamp'])} [{function}] {event['message'].rstrip()}")
                        )
        except logs.exceptions.ResourceNotFoundException:
            continue
    return [line for _, line in sorted(lines)[-limit:]]


def _stale(stage: str, version: SourceVersion | None, current: SourceVersion) -> str:
    """The mark of a stage whose version is not the upload's current one ('' when it is)."""
    if version == current:
        return ""
    was = version.describe() if version else "a version that was not recorded"
    return f"\n             STALE: {stage} from {was}; the upload is now {current.describe()}"


def _document_line(body: bytes, written) -> str:
    """What a stored document says, after its time; or why insert refuses it."""
    try:
        doc = Document.parse(body)
    except InvalidDocument as exc:
        return f"{_ts(written)}  NOT A DOCUMENT ({exc}): insert refuses it"
    detail = f"status {doc.status}" + (f" ({doc.error})" if doc.error else "")
    detail += (f", extractor {doc.extractor}" if doc.extractor else "") + f", {len(doc.content)} chars"
    if doc.truncated:
        detail += " (truncated: MAX_CONTENT_CHARS)"
    if doc.warnings:
        detail += f"; warnings: {'; '.join(doc.warnings)}"
    return f"{_ts(doc.extracted_at_ms)}  {detail}"


def trace(cfg: Config, key: str) -> list[str]:
    s3 = aws.client(cfg, "s3")
    upload_key = normalise_key(cfg, key, s3)
    extracted_key = cfg.extracted_key(upload_key) or ""
    out = [f"trace of s3://{cfg.bucket}/{upload_key}"]

    upload = _head(s3, cfg.bucket, upload_key)
    current = None
    if upload:
        current = SourceVersion.of(upload)
        out.append(f"  uploaded   {_ts(upload['LastModified'])}  {upload['ContentLength']} bytes, ETag {current.etag}")
    else:
        out.append("  uploaded   -  (no such upload now)")

    stored = s3io.get(s3, cfg.bucket, extracted_key) if extracted_key else None
    if stored:
        with stored["Body"] as body:
            line = _document_line(body.read(), stored["LastModified"])
        if extracted_key != cfg.extracted_prefix + upload_key[len(cfg.upload_prefix) :]:
            line += f", document {extracted_key} (key shortened)"
        version = SourceVersion.from_metadata(stored["Metadata"])
        mark = _stale("extracted", version, current) if current else "  ORPHAN: its upload is gone"
        out.append(f"  extracted  {line}{mark}")
    else:
        out.append(f"  extracted  -  (no {extracted_key or 'document: not a file under ' + cfg.upload_prefix})")

    conn = db.connect(cfg.database_dsn())
    try:
        rows = conn.run(
            "SELECT indexed_at, status, etag, size, source_last_modified FROM documents WHERE bucket = :b AND key = :k",
            b=cfg.bucket,
            k=upload_key,
        )
    finally:
        conn.close()
    if rows:
        indexed_at, status, etag, size, modified = rows[0]
        version = SourceVersion(etag, size, int(modified.timestamp()) * 1000) if modified else None
        mark = _stale("indexed", version, current) if current else "  ORPHAN: its upload is gone"
        out.append(f"  indexed    {_ts(indexed_at)}  status {status}{mark}")
    else:
        out.append("  indexed    -  (not in the search index)")

    failures = [e for e in dlq.failed_events(cfg) if upload_key in e.keys or extracted_key in e.keys]
    for failure in failures:
        out.append(f"  FAILED     {failure.failed_at}  {failure.function}: {failure.error}")

    lines = log_lines(cfg, [k for k in (upload_key, extracted_key) if k])
    if lines:
        out.append("  log lines:")
        out += [f"    {line}" for line in lines]
    return out
