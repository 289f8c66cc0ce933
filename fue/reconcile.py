"""Compare uploads/, extracted/ and the index; re-drive every file stuck at a stage.

Safe at any time: each re-drive is an ordinary S3 event record handed to the
function that owns the stage, and both functions check the real state before
acting, so re-driving something already consistent changes nothing.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from fue import aws, db, events
from fue.config import Config
from fue.printable import printable, printable_json

# stage -> (what is wrong, which function re-drives it, which event)
STAGES = {
    "not-extracted": ("uploaded but not extracted", "extract", "ObjectCreated:Put"),
    "stale-extraction": ("extracted from an older upload (re-uploaded since)", "extract", "ObjectCreated:Put"),
    "not-indexed": ("extracted but not indexed", "insert", "ObjectCreated:Put"),
    "stale-index": ("indexed from an older extraction", "insert", "ObjectCreated:Put"),
    "orphan-extraction": ("extracted document of a deleted upload", "extract", "ObjectRemoved:Delete"),
    "orphan-index": ("index row of a deleted file", "insert", "ObjectRemoved:Delete"),
}


@dataclass(frozen=True)
class Finding:
    stage: str
    upload_key: str
    extracted_key: str

    @property
    def function_kind(self) -> str:
        return STAGES[self.stage][1]

    @property
    def event_key(self) -> str:
        """The key whose event re-drives this stage."""
        return self.upload_key if self.function_kind == "extract" else self.extracted_key


def _list(s3, bucket: str, prefix: str) -> dict[str, str]:
    """key -> ETag (unquoted) of every object under ``prefix``."""
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            found[obj["Key"]] = obj["ETag"].strip('"')
    return found


def _source_etags(s3, bucket: str, keys: list[str]) -> dict[str, str | None]:
    """extracted key -> ETag of the upload it was extracted from (object metadata)."""

    def head(key: str) -> tuple[str, str | None]:
        try:
            return key, s3.head_object(Bucket=bucket, Key=key)["Metadata"].get("source-etag")
        except s3.exceptions.ClientError:
            return key, None

    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(head, keys))


def find(cfg: Config) -> list[Finding]:
    s3 = aws.client(cfg, "s3", max_pool_connections=16)
    uploads = _list(s3, cfg.bucket, cfg.upload_prefix)
    extracted = _source_etags(s3, cfg.bucket, list(_list(s3, cfg.bucket, cfg.extracted_prefix)))
    conn = db.connect(cfg.database_dsn())
    try:
        rows = {key: etag for key, etag in conn.run(
            "SELECT key, etag FROM documents WHERE bucket = :b", b=cfg.bucket)}
    finally:
        conn.close()

    findings = []
    for key, etag in uploads.items():
        if key.endswith("/"):
            continue
        target = cfg.extracted_key(key)
        if target not in extracted:
            findings.append(Finding("not-extracted", key, target))
        elif extracted[target] != etag:
            findings.append(Finding("stale-extraction", key, target))
        elif key not in rows:
            findings.append(Finding("not-indexed", key, target))
        elif rows[key] != etag:
            findings.append(Finding("stale-index", key, target))
    for target in extracted:
        if cfg.upload_key(target) not in uploads:
            findings.append(Finding("orphan-extraction", cfg.upload_key(target), target))
    for key in rows:
        if key not in uploads and cfg.extracted_key(key) not in extracted:
            findings.append(Finding("orphan-index", key, cfg.extracted_key(key)))
    return findings


def redrive(cfg: Config, findings: list[Finding], log=print) -> int:
    """Invoke the owning function for each finding; returns how many still failed."""
    lam = aws.invoker(cfg, max_pool_connections=16)

    def one(finding: Finding) -> bool:
        event_name = STAGES[finding.stage][2]
        record = events.s3_record(cfg.bucket, finding.event_key, event_name, region=cfg.region)
        try:
            response = lam.invoke(FunctionName=cfg.function_name(finding.function_kind),
                                  Payload=json.dumps({"Records": [record]}).encode())
        except (BotoCoreError, ClientError) as error:  # e.g. a read timeout: this item failed, the rest go on
            log(f"  failed     {printable(finding.upload_key)}: {printable(f'{type(error).__name__}: {error}')}")
            return False
        if "FunctionError" in response:
            problem = response["Payload"].read()[:300].decode(errors="replace")
            log(f"  failed     {printable(finding.upload_key)}: {printable(problem)}")
            return False
        return True

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, findings))
    return results.count(False)


def run(cfg: Config, *, dry_run: bool, as_json: bool = False, log=print) -> int:
    findings = find(cfg)
    if as_json:
        print(printable_json([{"stage": f.stage, "key": f.upload_key, "extracted_key": f.extracted_key}
                               for f in findings], indent=2))
    else:
        for f in findings:
            log(f"  {f.stage:<18} {printable(f.upload_key)}  ({STAGES[f.stage][0]})")
        log("reconcile: everything is consistent" if not findings else f"reconcile: {len(findings)} file(s) stuck")
    if dry_run or not findings:
        return 0
    failed = redrive(cfg, findings, log=log)
    log(f"re-driven {len(findings) - failed}, still failing {failed}")
    return 1 if failed else 0
