"""`make watch`: both functions' log lines and each new upload's progress, as they happen.

Every second: new log events of both functions (``operations.function_logs``), uploads made
since the watch started, and for each upload still in flight whether its document
(``extracted``) and index row (``indexed``) exist for its current version. One line per
file per stage, with the latency since the upload (S3's upload time has whole seconds, so a
latency reads up to 1 s long). A deleted upload (any, not only a new one) is followed the
same way until its document is gone (``removed``) and its row too (``unindexed``), with the
latency since the watch saw it gone.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from operations import function_logs
from pipeline_core import s3 as s3io
from pipeline_core.document import SourceVersion
from settings import aws, db
from settings.config import Config
from settings.printable import printable

POLL_SECONDS = 1.0


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%H:%M:%S.%f")[:-3]


def _line(stage: str, key: str, detail: str) -> None:
    print(f"{_stamp()} {stage:<10} {printable(key)}  {detail}", flush=True)


class Progress:
    """Uploads seen since the start, and the stages each has reached."""

    def __init__(self, cfg: Config, since: datetime) -> None:
        self.cfg = cfg
        self.since = since
        self.s3 = aws.client(cfg, "s3")
        self.pending: dict[str, tuple[SourceVersion, float, set[str]]] = {}
        self.done: dict[str, SourceVersion] = {}
        self.listed: set[str] | None = None  # every upload key at the last poll (None: not listed yet)
        # upload key -> seen gone at, its document key, stages reached since
        self.deleted: dict[str, tuple[float, str, set[str]]] = {}

    def poll(self) -> None:
        self._new_uploads()
        if self.pending:
            self._extracted()
            self._indexed()
        if self.deleted:
            self._removed()
            self._unindexed()

    def _new_uploads(self) -> None:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.cfg.bucket, Prefix=self.cfg.upload_prefix)
        listed = set()
        for page in pages:
            for obj in page.get("Contents", []):
                listed.add(obj["Key"])
                self.deleted.pop(obj["Key"], None)  # uploaded again: followed as a new upload
                if obj["LastModified"] < self.since:
                    continue
                version = SourceVersion.of_listing(obj)
                key = obj["Key"]
                if self.done.get(key) == version or (key in self.pending and self.pending[key][0] == version):
                    continue
                self.done.pop(key, None)
                self.pending[key] = (version, obj["LastModified"].timestamp(), set())
                _line("uploaded", key, f"{obj['Size']} bytes")
        for key in sorted((self.listed or set()) - listed):
            self.pending.pop(key, None)
            self.done.pop(key, None)
            document_key = self.cfg.extracted_key(key)
            if document_key is not None:  # a folder placeholder has nothing to follow
                self.deleted[key] = (time.time(), document_key, set())
            _line("deleted", key, "the upload is gone")
        self.listed = listed

    def _latency(self, uploaded_at: float) -> str:
        return f"+{time.time() - uploaded_at:.1f}s after upload"

    def _extracted(self) -> None:
        for key, (version, uploaded_at, stages) in list(self.pending.items()):
            if "extracted" in stages:
                continue
            document_key = self.cfg.extracted_key(key)
            try:
                obj = self.s3.get_object(Bucket=self.cfg.bucket, Key=document_key)
            except self.s3.exceptions.ClientError:
                continue
            if SourceVersion.from_metadata(obj.get("Metadata", {})) != version:
                continue
            try:
                doc = json.loads(obj["Body"].read())
            except ValueError:
                doc = {}
            status = doc.get("Status")
            detail = f"status {status}" + (f" ({doc['Error']})" if doc.get("Error") else "")
            stages.add("extracted")
            _line("extracted", key, f"{detail}, {self._latency(uploaded_at)}")

    def _indexed(self) -> None:
        waiting = [k for k, (_, _, stages) in self.pending.items() if "extracted" in stages]
        if not waiting:
            return
        conn = db.connect(self.cfg.database_dsn())
        try:
            rows = conn.run(
                "SELECT key, etag, size FROM documents WHERE bucket = :b AND key = ANY(:k)",
                b=self.cfg.bucket,
                k=waiting,
            )
        finally:
            conn.close()
        for key, etag, size in rows:
            version, uploaded_at, _ = self.pending[key]
            if (etag, size) != (version.etag, version.size):
                continue
            _line("indexed", key, self._latency(uploaded_at))
            self.done[key] = version
            del self.pending[key]

    def _removed(self) -> None:
        for key, (gone_at, document_key, stages) in self.deleted.items():
            if "removed" in stages or s3io.head(self.s3, self.cfg.bucket, document_key):
                continue
            stages.add("removed")
            _line("removed", key, f"its document is gone, +{time.time() - gone_at:.1f}s after the delete")

    def _unindexed(self) -> None:
        waiting = [k for k, (_, _, stages) in self.deleted.items() if "removed" in stages]
        if not waiting:
            return
        conn = db.connect(self.cfg.database_dsn())
        try:
            rows = conn.run(
                "SELECT key FROM documents WHERE bucket = :b AND key = ANY(:k)", b=self.cfg.bucket, k=waiting
            )
        finally:
            conn.close()
        still = {key for (key,) in rows}
        for key in waiting:
            if key not in still:
                gone_at, _, _ = self.deleted.pop(key)
                _line("unindexed", key, f"+{time.time() - gone_at:.1f}s after the delete")


def run(cfg: Config, *, poll_seconds: float = POLL_SECONDS) -> int:
    since = datetime.now(timezone.utc).replace(microsecond=0)
    logs = aws.client(cfg, "logs")
    groups = {kind: f"/aws/lambda/{cfg.function_name(kind)}" for kind in ("extract", "insert")}
    start = int(since.timestamp() * 1000)
    seen: set[str] = set()
    progress = Progress(cfg, since)
    print(f"watching s3://{cfg.bucket}/{cfg.upload_prefix} and the logs of both functions (Ctrl-C stops)", flush=True)
    while True:
        for kind, group in groups.items():
            for event in function_logs.new_events(logs, group, start, seen):
                print(function_logs.format_event(event, f"[{kind}] "), flush=True)
        progress.poll()
        time.sleep(poll_seconds)
