"""`up`, `bootstrap` and `down` of one project take turns: the second waits for the first."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading

from lifecycle import stack
from settings.config import PROJECT_ROOT


def test_a_second_caller_waits_and_says_so(cfg, tmp_path):
    own = dataclasses.replace(cfg, state_dir=tmp_path / "state")
    order: list[str] = []
    holding, asked = threading.Event(), threading.Event()

    def first():
        with stack.exclusive(own, log=order.append):
            holding.set()
            asked.wait(10)  # the second caller has said it waits
            order.append("first done")

    def said(line: str) -> None:
        order.append(line)
        asked.set()

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(10)
    with stack.exclusive(own, log=said):
        order.append("second runs")
    thread.join(10)
    assert order == [
        "waiting for another `make up`, `make bootstrap` or `make down` of this project to finish...",
        "first done",
        "second runs",
    ]


def test_an_uncontended_caller_says_nothing(cfg, tmp_path):
    said: list[str] = []
    with stack.exclusive(dataclasses.replace(cfg, state_dir=tmp_path), log=said.append):
        pass
    with stack.exclusive(dataclasses.replace(cfg, state_dir=tmp_path), log=said.append):
        pass
    assert said == []


def test_the_lock_ends_with_a_killed_holder(cfg, tmp_path):
    own = dataclasses.replace(cfg, state_dir=tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import dataclasses, sys, time\n"
            "from lifecycle import stack\nfrom settings import config\n"
            f"cfg = dataclasses.replace(config.load(), state_dir=__import__('pathlib').Path({str(tmp_path)!r}))\n"
            "with stack.exclusive(cfg):\n    print('held', flush=True)\n    time.sleep(60)\n",
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        holder.kill()
        holder.wait(10)
        said: list[str] = []
        with stack.exclusive(own, log=said.append):
            pass
        assert said == []
    finally:
        holder.kill()
        holder.wait()
