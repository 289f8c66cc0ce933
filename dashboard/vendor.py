"""Refresh the dashboard's vendored JavaScript from the npm registry: ``make vendor-js`` (needs npm).

The files are committed under ``dashboard/static/vendor/``, so the dashboard
never fetches anything at run time. Each package is pinned by version and by
the registry's integrity hash of its tarball, checked before anything is copied.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"

# package -> (version, npm integrity of the tarball, files copied from it)
PACKAGES = {
    "chart.js": (
        "4.6.1",
        "sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g==",
        ["dist/chart.umd.min.js", "LICENSE.md"],
    ),
}


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def vendor(name: str, version: str, expected: str, files: list[str]) -> Path:
    target = VENDOR_DIR / name
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            ["npm", "pack", "--silent", f"{name}@{version}"], cwd=tmp, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"npm pack {name}@{version} failed: {result.stderr.strip()}")
        tarball = Path(tmp) / result.stdout.strip().splitlines()[-1]
        if integrity(tarball.read_bytes()) != expected:
            raise RuntimeError(f"{tarball.name}: integrity does not match the pinned {expected}")
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            for name_in_package in files:
                member = archive.extractfile(f"package/{name_in_package}")
                if member is None:
                    raise RuntimeError(f"{tarball.name}: package/{name_in_package} is not a regular file")
                (target / Path(name_in_package).name).write_bytes(member.read())
    return target


def main() -> int:
    for name, (version, expected, files) in PACKAGES.items():
        try:
            print(f"{name}@{version} -> {vendor(name, version, expected, files)}")
        except (OSError, RuntimeError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
