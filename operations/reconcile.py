"""Compare uploads/, extracted/ and the index; re-drive every file stuck at a stage.

Consistent means: every upload has a document of its current version (ETag, size,
upload time) and an index row of that version; no document and no row outlives its
upload. Safe at any time: each re-drive is an ordinary S3 event record handed to the
function that owns the stage, and both functions converge the key to the bucket's
current state, so re-driving something already consistent changes nothing. A
re-driven extraction is followed by a re-driven insert of its document, so that one
run repairs the whole file.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from operations import events
from pipeline_core.document import SourceVersion
from settings import aws, db
from settings.config import Config
from settings.printable import printable, printable_json

# stage -> (what is wrong, which function re-drives it, which event)
STAGES = {
    "not-extracted": ("uploaded but not extracted", "extract", "ObjectCreated:Put"),
    "stale-extraction": ("extracted from another version of the upload", "extract", "ObjectCreated:Put"),
    "not-indexed": ("extracted but not indexed", "insert", "ObjectCreated:Put"),
    "stale-index": ("index row of another version of the upload", "insert", "ObjectCreated:Put"),
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


def _list(s3, bucket: str, prefix: str) -> dict[str, SourceVersion]:
    """key -> version of every object under ``prefix``."""
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            found[obj["Key"]] = SourceVersion.of_listing(obj)
    return found


@dataclass(frozen=True)
class Extracted:
    """A document under extracted/: the upload it belongs to and the version it was extracted from."""

    upload_key: str | None
    source: SourceVersion | None


def _documents(cfg: Config, s3, keys: list[str]) -> dict[str, Extracted]:
    """extracted key -> its upload and source version (object metadata; SourceKey for shortened keys)."""

    def head(key: str) -> tuple[str, Extracted]:
        upload_key = cfg.upload_key(key)
        try:
            if upload_key is None:  # a shortened key: only the document names its upload
                response = s3.get_object(Bucket=cfg.bucket, Key=key)
                upload_key = json.loads(response["Body"].read()).get("SourceKey")
            else:
                response = s3.head_object(Bucket=cfg.bucket, Key=key)
        except (s3.exceptions.ClientError, ValueError):
            return key, Extracted(upload_key, None)
        return key, Extracted(upload_key, SourceVersion.from_metadata(response["Metadata"]))

    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(head, keys))


def _rows(cfg: Config) -> dict[str, tuple[str, SourceVersion | None]]:
    """upload key -> (extracted key, version) of every index row of the bucket."""
    conn = db.connect(cfg.database_dsn())
    try:
        rows = conn.run(
            "SELECT key, extracted_key, etag, size, source_last_modified FROM documents WHERE bucket = :b",
            b=cfg.bucket,
        )
    finally:
        conn.close()
    return {
        key: (extracted_key, SourceVersion(etag, size, int(modified.timestamp()) * 1000) if modified else None)
        for key, extracted_key, etag, size, modified in rows
    }


def find(cfg: Config) -> list[Finding]:
    s3 = aws.client(cfg, "s3", max_pool_connections=16)
    uploads = _list(s3, cfg.bucket, cfg.upload_prefix)
    extracted = _documents(cfg, s3, list(_list(s3, cfg.bucket, cfg.extracted_prefix)))
    return compare(cfg, uploads, extracted, _rows(cfg))


def compare(
    cfg: Config,
    uploads: dict[str, SourceVersion],
    extracted: dict[str, Extracted],
    rows: dict[str, tuple[str, SourceVersion | None]],
) -> list[Finding]:
    """What is out of step, one finding per file: the first stage that does not match its upload."""
    findings = []
    for key, version in uploads.items():
        target = cfg.extracted_key(key)
        if target is None:  # a folder placeholder, not a file
            continue
        if target not in extracted:
            findings.append(Finding("not-extracted", key, target))
        elif extracted[target].source != version:
            findings.append(Finding("stale-extraction", key, target))
        elif key not in rows:
            findings.append(Finding("not-indexed", key, target))
        elif rows[key] != (target, version):
            findings.append(Finding("stale-index", key, target))
    for target, document in extracted.items():
        if document.upload_key is not None and document.upload_key not in uploads:
            findings.append(Finding("orphan-extraction", document.upload_key, target))
    for key, (target, _) in rows.items():
        if key not in uploads:
            findings.append(Finding("orphan-index", key, target))
    return findings


def redrive(cfg: Config, findings: list[Finding], log=print) -> int:
    """Invoke the owning function for each finding; returns how many still failed."""
    lam = aws.invoker(cfg, max_pool_connections=16)

    def invoke(kind: str, key: str, event_name: str) -> bool:
        record = events.s3_record(cfg.bucket, key, event_name, region=cfg.region)
        try:
            response = lam.invoke(
                FunctionName=cfg.function_name(kind), Payload=json.dumps({"Records": [record]}).encode()
            )
        except (BotoCoreError, ClientError) as error:  # e.g. a read timeout: this item failed, the rest go on
            log(f"  failed     {printable(key)}: {printable(f'{type(error).__name__}: {error}')}")
            return False
        if "FunctionError" in response:
            problem = response["Payload"].read()[:300].decode(errors="replace")
            log(f"  failed     {printable(key)}: {printable(problem)}")
            return False
        return True

    def one(finding: Finding) -> bool:
        event_name = STAGES[finding.stage][2]
        if not invoke(finding.function_kind, finding.event_key, event_name):
            return False
        # A re-extracted (or removed) document also reaches the index now, not only by its event.
        return finding.function_kind != "extract" or invoke("insert", finding.extracted_key, event_name)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, findings))
    return results.count(False)


def run(cfg: Config, *, dry_run: bool, as_json: bool = False, log=print) -> int:
    findings = find(cfg)
    if as_json:
        print(
            printable_json(
                [{"stage": f.stage, "key": f.upload_key, "extracted_key": f.extracted_key} for f in findings], indent=2
            )
        )
    else:
        for f in findings:
            log(f"  {f.stage:<18} {printable(f.upload_key)}  ({STAGES[f.stage][0]})")
        log("reconcile: everything is consistent" if not findings else f"reconcile: {len(findings)} file(s) stuck")
    if dry_run or not findings:
        return 0
    failed = redrive(cfg, findings, log=log)
    log(f"re-driven {len(findings) - failed}, still failing {failed}")
    return 1 if failed else 0
