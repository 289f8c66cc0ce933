"""`make bench`: figures for the whole pipeline on this machine. Not part of `make test`."""

from __future__ import annotations

import argparse
import importlib
import sys

from bench import pipeline
from lifecycle import localstack_host, venvs
from settings import config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pipeline bench pipeline", description=__doc__)
    parser.add_argument("--count", type=int, default=500, help="files to upload (default 500)")
    parser.add_argument("--concurrency", type=int, default=8, help="parallel uploads (default 8)")
    parser.add_argument("--out", default="bench/results", help="folder for the JSON and PNG results")
    args = parser.parse_args(argv)
    venvs.ensure_extra("bench")  # the plot's matplotlib, installed on first use
    importlib.invalidate_caches()
    cfg = config.load()
    if not localstack_host.health(cfg):
        print(f"LocalStack does not answer on {cfg.endpoint_url}: run `make up`", file=sys.stderr)
        return 1
    result = pipeline.run(cfg, count=args.count, concurrency=args.concurrency)
    print(pipeline.table(result))
    for path in pipeline.write_outputs(result, config.PROJECT_ROOT / args.out):
        print(f"wrote {path}")
    return 1 if result.missing or result.duplicated_rows else 0


if __name__ == "__main__":
    sys.exit(main())
