"""Where is one file? Upload, extraction, index, failures and log lines, in order."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from fue import aws, db, dlq
from fue.config import Config


def _ts(value) -> str:
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


def normalise_key(cfg: Config, key: str) -> str:
    """Accept uploads/x, extracted/x or just x."""
    if key.startswith(cfg.extracted_prefix):
        key = key[len(cfg.extracted_prefix):]
    return key if key.startswith(cfg.upload_prefix) else cfg.upload_prefix + key


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
                        lines.append((event["timestamp"], f"{_ts(event['timestamp'])} [{function}] {event['message'].rstrip()}"))
        except logs.exceptions.ResourceNotFoundException:
            continue
    return [line for _, line in sorted(lines)[-limit:]]


def trace(cfg: Config, key: str) -> list[str]:
    upload_key = normalise_key(cfg, key)
    extracted_key = cfg.extracted_key(upload_key)
    s3 = aws.client(cfg, "s3")
    out = [f"trace of s3://{cfg.bucket}/{upload_key}"]

    upload = _head(s3, cfg.bucket, upload_key)
    if upload:
        out.append(f"  uploaded   {_ts(upload['LastModified'])}  {upload['ContentLength']} bytes, "
                   f"ETag {upload['ETag'].strip(chr(34))}")
    else:
        out.append("  uploaded   -  (no such upload now)")

    extracted = _head(s3, cfg.bucket, extracted_key)
    if extracted:
        doc = json.loads(s3.get_object(Bucket=cfg.bucket, Key=extracted_key)["Body"].read())
        fresh = upload and extracted["Metadata"].get("source-etag") == upload["ETag"].strip('"')
        detail = f"status {doc.get('Status')}"
        if doc.get("Error"):
            detail += f" ({doc['Error']})"
        detail += f", extractor {doc.get('Extractor')}, {len(doc.get('Content') or '')} chars"
        out.append(f"  extracted  {_ts(doc['ExtractedDate'])}  {detail}"
                   + ("" if fresh or not upload else "  STALE: from an older upload"))
    else:
        out.append(f"  extracted  -  (no {extracted_key})")

    conn = db.connect(cfg.database_dsn())
    try:
        rows = conn.run(
            "SELECT indexed_at, status, etag FROM documents WHERE bucket = :b AND key = :k",
            b=cfg.bucket, k=upload_key,
        )
    finally:
        conn.close()
    if rows:
        indexed_at, status, etag = rows[0]
        stale = upload and etag != upload["ETag"].strip('"')
        out.append(f"  indexed    {_ts(indexed_at)}  status {status}" + ("  STALE: older version" if stale else ""))
    else:
        out.append("  indexed    -  (not in the search index)")

    failures = [e for e in dlq.failed_events(cfg) if upload_key in e.keys or extracted_key in e.keys]
    for failure in failures:
        out.append(f"  FAILED     {failure.failed_at}  {failure.function}: {failure.error}")

    lines = log_lines(cfg, [upload_key, extracted_key])
    if lines:
        out.append("  log lines:")
        out += [f"    {line}" for line in lines]
    return out
