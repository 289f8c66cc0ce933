"""reconcile's command around its parts: the configured stack is searched, the re-drive reports
through the same log, and a failing function's answer is shown cut and decoded safely."""

import io
import json
from dataclasses import replace

from operations import reconcile
from operations.reconcile import Finding
from settings import config

CFG = replace(config.load(), upload_prefix="uploads/", extracted_prefix="extracted/")


def test_run_searches_the_configured_stack_and_re_drives_through_its_log(monkeypatch):
    finding = Finding("not-indexed", "uploads/a.txt", "extracted/a.txt")
    monkeypatch.setattr(reconcile, "find", lambda cfg: [finding] if cfg is CFG else [])

    def redrive(cfg, findings, log):
        log(f"  failed     {findings[0].event_key}: boom")
        return 1

    monkeypatch.setattr(reconcile, "redrive", redrive)
    lines: list[str] = []
    assert reconcile.run(CFG, dry_run=False, log=lines.append) == 1
    assert lines[-2:] == ["  failed     extracted/a.txt: boom", "re-driven 0, still failing 1"]


class FailingFunction:
    def __init__(self, payload: bytes):
        self.payload = payload

    def invoke(self, FunctionName, Payload, **_):
        return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(self.payload)}


def test_a_failed_re_drive_shows_the_first_300_bytes_of_the_answer_decoded_safely(monkeypatch):
    answer = json.dumps({"errorMessage": "x" * 400}).encode()
    answer = answer[:200] + b"\xff" + answer[200:]  # not UTF-8 from here on
    monkeypatch.setattr("settings.aws.invoker", lambda cfg, **_: FailingFunction(answer))
    lines: list[str] = []
    assert reconcile.redrive(CFG, [Finding("not-indexed", "uploads/a.txt", "extracted/a.txt")], log=lines.append) == 1
    [line] = lines
    assert line == "  failed     extracted/a.txt: " + answer[:300].decode(errors="replace")
    assert line.endswith("\ufffd" + "x" * 99)
