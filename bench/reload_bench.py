"""`make bench-reload`: how long from saving an edit of a hot-reloaded function to an invocation running it.

Deploys its own function from a copy of ``lambdas/extract`` (as the hot-reload test does),
then repeats: save an edit of its handler, invoke it back to back until the log shows the
edited code, and record the time from the save. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
import uuid

from bench.reload_copy import hot_reload_copy_of_extract
from lifecycle import localstack_host
from settings import aws, config

ANCHOR = "def handler(event, context):\n"


def measure(cfg: config.Config, edits: int) -> list[float]:
    lam = aws.client(cfg, "lambda")
    times = []
    with hot_reload_copy_of_extract(cfg, lam, aws.client(cfg, "s3"), f"bench-{uuid.uuid4().hex[:8]}") as (name, source):
        handler = source / "handler.py"
        original = handler.read_text()
        lam.invoke(FunctionName=name, Payload=b'{"Records": []}')  # warm environment
        for n in range(edits):
            mark = f"reload-bench-{n}-{uuid.uuid4().hex[:6]}"
            handler.write_text(original.replace(ANCHOR, f'{ANCHOR}    print("{mark}")\n'))
            saved = time.monotonic()
            while True:
                response = lam.invoke(FunctionName=name, Payload=b'{"Records": []}', LogType="Tail")
                if mark in base64.b64decode(response.get("LogResult", "")).decode(errors="replace"):
                    break
                if time.monotonic() - saved > 60:
                    raise RuntimeError(f"edit {n} was not live after 60 s")
            times.append(time.monotonic() - saved)
            time.sleep(1)  # an idle developer between saves
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pipeline bench reload", description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args(argv)
    cfg = config.load()
    if not localstack_host.health(cfg):
        print(f"LocalStack does not answer on {cfg.endpoint_url}: run `make dev`", file=sys.stderr)
        return 1
    times = measure(cfg, args.edits)
    print(
        json.dumps(
            {
                "edits": len(times),
                "edit_to_live_seconds": {
                    "median": round(statistics.median(times), 3),
                    "min": round(min(times), 3),
                    "max": round(max(times), 3),
                },
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
