"""`make watch`: a new upload's stages, its delete's, and the functions' log lines appear as they happen."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading

from settings.config import PROJECT_ROOT
from tests.support import poll_until


def test_watch_shows_each_stage_of_an_upload_and_its_delete_and_its_log_lines(cfg, s3, run_id):
    watcher = subprocess.Popen(
        [sys.executable, "-m", "cli", "watch"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in watcher.stdout], daemon=True).start()
    seen: list[str] = []

    def read_until(predicate):
        while not lines.empty():
            seen.append(lines.get())
        return any(predicate(line) for line in seen)

    try:
        poll_until(lambda: read_until(lambda line: line.startswith("watching")), timeout=30, what="watch to start")
        key = f"{cfg.upload_prefix}{run_id}/watched.txt"
        s3.put_object(Bucket=cfg.bucket, Key=key, Body=b"watch me go through")
        for stage in ("uploaded", "extracted", "indexed"):
            poll_until(
                lambda stage=stage: read_until(lambda line: f" {stage} " in line and key in line),
                timeout=60,
                what=f"the {stage} line of {key}; output so far: {''.join(seen)}",
            )
        poll_until(
            lambda: (
                read_until(lambda line: "[extract]" in line and key in line)
                and read_until(lambda line: "[insert]" in line and key in line)
            ),
            timeout=60,
            what=f"both functions' log lines for {key}; output so far: {''.join(seen)}",
        )
        extracted = next(line for line in seen if " extracted " in line and key in line)
        assert "status ok" in extracted and "s after upload" in extracted

        s3.delete_object(Bucket=cfg.bucket, Key=key)
        for stage in ("deleted", "removed", "unindexed"):
            poll_until(
                lambda stage=stage: read_until(lambda line: f" {stage} " in line and key in line),
                timeout=60,
                what=f"the {stage} line of {key}; output so far: {''.join(seen)}",
            )
        unindexed = next(line for line in seen if " unindexed " in line and key in line)
        assert "s after the delete" in unindexed
        assert watcher.poll() is None, "watch stopped by itself"
    finally:
        watcher.terminate()
        watcher.wait(timeout=10)
