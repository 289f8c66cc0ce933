"""`make bench-reload`: how long from saving an edit of a hot-reloaded function to an invocation running it.

Deploys its own function from a copy of ``lambdas/extract`` (as the hot-reload test does),
then repeats: save an edit of its handler, invoke it back to back until the log shows the
edited code, and record the time from the save. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import statistics
import sys
import time
import uuid

from bootstrap import functions, hot_reload
from fue import aws, config, localstack_host
from fue.config import PROJECT_ROOT

ANCHOR = "def handler(event, context):\n"


def measure(cfg: config.Config, edits: int) -> list[float]:
    lam = aws.client(cfg, "lambda")
    run_id = f"bench-{uuid.uuid4().hex[:8]}"
    folder = cfg.hot_reload_dir / run_id
    source = folder / "source"
    shutil.copytree(PROJECT_ROOT / "lambdas" / "extract", source, ignore=shutil.ignore_patterns("__pycache__"))
    code = hot_reload.assemble("extract", cfg, source_dir=source, folder=folder)
    env = functions.environment(cfg, "extract", mode=cfg.stack)
    env.update(code.environment(), UPLOAD_PREFIX=f"{run_id}-in/", EXTRACTED_PREFIX=f"{run_id}-out/")
    role = lam.get_function_configuration(FunctionName=cfg.extract_function)["Role"]
    name = f"fue-{run_id}"
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="handler.handler", Role=role,
                        Timeout=60, MemorySize=512, Code=code.code, Environment={"Variables": env})
    handler = source / "handler.py"
    original = handler.read_text()
    times = []
    try:
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
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
    finally:
        lam.delete_function(FunctionName=name)
        shutil.rmtree(folder, ignore_errors=True)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args(argv)
    cfg = config.load()
    if not localstack_host.health(cfg):
        print(f"LocalStack does not answer on {cfg.endpoint_url}: run `make dev`", file=sys.stderr)
        return 1
    times = measure(cfg, args.edits)
    print(json.dumps({
        "edits": len(times),
        "edit_to_live_seconds": {"median": round(statistics.median(times), 3), "min": round(min(times), 3),
                                 "max": round(max(times), 3)},
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
