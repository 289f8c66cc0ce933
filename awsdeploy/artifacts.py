"""The functions' code for the template: bootstrap's zips, uploaded under content-addressed keys.

The zips are the ones bootstrap deploys (``bootstrap.packaging.build``), so both deployments run
the same bytes. A key carries the zip's SHA-256, so an unchanged function keeps its key and
CloudFormation sees no change; a changed one gets a new key and is updated.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bootstrap import packaging

FUNCTIONS = ("extract", "insert")
KEY_PREFIX = "functions/"


def key_for(package: packaging.Package) -> str:
    return f"{KEY_PREFIX}{package.name}-{hashlib.sha256(package.zip_bytes).hexdigest()[:32]}.zip"


def build(cache_dir: Path) -> dict[str, packaging.Package]:
    return {name: packaging.build(name, cache_dir) for name in FUNCTIONS}


def upload(s3, bucket: str, packages: dict[str, packaging.Package], log=print) -> dict[str, str]:
    """Upload each zip unless its key is already there; returns function name -> key."""
    keys = {}
    for name, package in packages.items():
        key = key_for(package)
        try:
            s3.head_object(Bucket=bucket, Key=key)
            log(f"  unchanged  s3://{bucket}/{key}")
        except s3.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] not in ("404", "NoSuchKey"):
                raise
            s3.put_object(Bucket=bucket, Key=key, Body=package.zip_bytes)
            log(f"  uploaded   s3://{bucket}/{key} ({package.size / 1e6:.1f} MB)")
        keys[name] = key
    return keys
