"""How long the dashboard's board takes with 1,000 files (a benchmark, not a test).

    pipeline bench dashboard            # rendering only: 1,000 made-up files
    pipeline bench dashboard --live     # + 1,000 real uploads through the running stack

Each figure is the median of several GET / of the whole page, timed by the client.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from unittest import mock

import uvicorn

from dashboard import app as dashboard_app
from dashboard import board
from settings import aws, config

ROUNDS = 7


def synthetic_board(count: int) -> board.Board:
    t0 = datetime.now(timezone.utc)
    stages = board.STAGES
    files = [
        board.FileState(
            key=f"uploads/bench/{i:05d} <name & more>.txt",
            stage=stages[i % len(stages)],
            size=1000 + i,
            uploaded_at=t0,
            extracted_at=t0 + timedelta(seconds=0.3),
            indexed_at=t0 + timedelta(seconds=0.35),
            status="ok" if i % 7 else "failed",
            error=None if i % 7 else "no extractor for this type",
        )
        for i in range(count)
    ]
    return board.Board(files)


def serve(app) -> tuple[uvicorn.Server, str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def time_page(url: str) -> tuple[float, int]:
    """Median seconds of GET url, and the page's size."""
    times, size = [], 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as resp:
            size = len(resp.read())
        times.append(time.perf_counter() - started)
    return statistics.median(times), size


def rendering_only(cfg, count: int) -> None:
    made_up = synthetic_board(count)

    class FixedCollector:
        def __init__(self, cfg):
            pass

        def collect(self):
            return made_up

    with mock.patch.object(board, "Collector", FixedCollector):
        server, base = serve(dashboard_app.create_app(cfg))
        seconds, size = time_page(base + "/")
        server.should_exit = True
    print(f"board, {count} made-up files, rendering only: {seconds * 1000:.0f} ms median ({size:,} bytes)")


def live(cfg, count: int) -> None:
    s3 = aws.client(cfg, "s3", max_pool_connections=16)
    prefix = f"{cfg.upload_prefix}bench-dashboard-{uuid.uuid4().hex[:8]}/"
    keys = [f"{prefix}file-{i:05d}.txt" for i in range(count)]
    print(f"uploading {count} files under {prefix} ...", flush=True)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=cfg.bucket, Key=k, Body=f"dashboard bench {k}".encode()), keys))
    collector = board.Collector(cfg)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        indexed = collector.collect().counts(prefix)["indexed"]
        print(f"\r  {indexed}/{count} indexed", end="", flush=True)
        if indexed == count:
            break
        time.sleep(2)
    print()
    try:
        server, base = serve(dashboard_app.create_app(cfg))
        total = len(collector.collect().files)
        seconds, size = time_page(base + "/")
        collect = statistics.median([collector.collect().seconds for _ in range(ROUNDS)])
        print(
            f"board, {total} real files ({count} of them this run's): {seconds * 1000:.0f} ms median per page "
            f"({size:,} bytes), of which reading S3, the index and the DLQ {collect * 1000:.0f} ms"
        )
        seconds, _ = time_page(base + f"/board/rows?prefix={prefix}&stage=indexed")
        print(f"board refresh (poll) filtered to this run's prefix: {seconds * 1000:.0f} ms median")
        server.should_exit = True
    finally:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda k: s3.delete_object(Bucket=cfg.bucket, Key=k), keys))
        print(f"deleted the {count} uploads")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pipeline bench dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--live", action="store_true", help="also upload real files to the running stack")
    args = parser.parse_args(argv)
    cfg = config.load()
    rendering_only(cfg, args.count)
    if args.live:
        live(cfg, args.count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
