"""Worst-case files through the extract function's code: time and peak memory per case.

    pipeline bench extract [--cases html,docx-bomb] [--code lambdas/extract]

Each case is a generated file (cached in STATE_DIR/bench-files) extracted in a fresh
process by ``extraction.extract``, the function's own seam, twice: with the default
character cap (MAX_CONTENT_CHARS) and with the cap raised to the whole file, so that
work beyond the cap is measured too. Every file ends with a unique word; the
whole-file run must find it. Peak memory is the process's VmHWM, interpreter and
imports included (the JSON also has the idle figure). CPU seconds are printed beside
wall-clock seconds: on a busy machine they are the steadier figure. ``--code`` points at
another copy of ``lambdas/extract`` (e.g. an older checkout) for before/after figures.
Not part of `make test`; `make bench-extract` runs it.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "executor"))

from localstack_process_executor.bootstrap import max_memory_used_mb  # noqa: E402  (stdlib only)
from settings import config  # noqa: E402

MB = 1_000_000
NEEDLE = "zyxwvneedleqponm"
WORDS = [
    "lighthouse",
    "harbour",
    "invoice",
    "quarterly",
    "report",
    "meeting",
    "budget",
    "river",
    "mountain",
    "garden",
    "kitchen",
    "library",
    "window",
    "letter",
    "archive",
    "summer",
    "winter",
    "station",
    "market",
    "bridge",
    "village",
]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    content_type: str
    target_bytes: int


CASES = {
    "html": Case("html", "page.html", "text/html", 20 * MB),
    "markdown": Case("markdown", "notes.md", "text/markdown", 20 * MB),
    "markdown-prose": Case("markdown-prose", "prose.md", "text/markdown", 20 * MB),
    "csv": Case("csv", "export.csv", "text/csv", 50 * MB),
    "json": Case("json", "export.json", "application/json", 50 * MB),
    "text": Case("text", "huge.txt", "text/plain", 100 * MB),
    "docx-bomb": Case("docx-bomb", "bomb.docx", DOCX_TYPE, 0),
    "docx-empty-paragraphs": Case("docx-empty-paragraphs", "empty.docx", DOCX_TYPE, 0),
}


def _sentences(rng: random.Random, count: int) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))) for _ in range(count)]


def _repeat_to(path: Path, head: str, block_of, target: int, tail: str) -> None:
    """Write ``head``, numbered blocks until ``target`` bytes, then ``tail``."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(head)
        written, number = len(head), 0
        while written < target:
            block = block_of(number)
            out.write(block)
            written += len(block.encode())
            number += 1
        out.write(tail)


def generate(case: Case, path: Path) -> None:
    rng = random.Random(11)
    s = _sentences(rng, 200)
    if case.name == "html":
        # Flat: thousands of block siblings under <body> (quadratic for tree edits), plus scripts.
        _repeat_to(
            path,
            "<!doctype html><html><head><title>big</title></head><body>\n",
            lambda n: (
                f"<h2>Section {n}</h2><p>{s[n % 200]} <b>{s[(n + 1) % 200]}</b> "
                f"<a href='#x{n}'>{s[(n + 2) % 200]}</a></p><script>var a{n} = 1;</script>"
                f"<table><tr><td>{s[(n + 3) % 200]}</td><td>{n}</td></tr></table>\n"
            ),
            case.target_bytes,
            f"<p>{NEEDLE}</p></body></html>\n",
        )
    elif case.name == "markdown":
        # Emphasis openers without closers (quadratic for regex strippers), then ordinary prose.
        hostile = "*a " * 40_000 + "\n\n" + "[" * 20_000 + "\n\n" + "_a " * 40_000 + "\n\n"
        _repeat_to(
            path,
            "# Big notes\n\n" + hostile,
            lambda n: (
                f"## Part {n}\n\n{s[n % 200]} *{s[(n + 1) % 200]}* and "
                f"[link {n}](https://example.com/{n}) `code`\n\n- {s[(n + 2) % 200]}\n"
                f"- **{s[(n + 3) % 200]}**\n\n| a | b |\n|---|---|\n| {n} | x |\n\n"
            ),
            case.target_bytes,
            f"\n{NEEDLE}\n",
        )
    elif case.name == "markdown-prose":
        # Mostly prose: a heading every 20 paragraphs, some emphasis or a link in one in ten.
        _repeat_to(
            path,
            "# Notes\n\n",
            lambda n: (
                (f"## Chapter {n // 20}\n\n" if n % 20 == 0 else "")
                + " ".join(s[(n + i) % 200].capitalize() + "." for i in range(5))
                + (f" See *this* and [that](https://example.com/{n})." if n % 10 == 0 else "")
                + "\n\n"
            ),
            case.target_bytes,
            f"\n{NEEDLE}\n",
        )
    elif case.name == "csv":
        _repeat_to(
            path,
            "id,name,city,note,amount,date,flag,comment\n",
            lambda n: (
                f'{n},{WORDS[n % 20]},{WORDS[(n * 7) % 20]},"{s[n % 200]}, quoted",'
                f"{n * 3.5},2024-01-{n % 28 + 1:02d},yes,{s[(n + 5) % 200]}\n"
            ),
            case.target_bytes,
            f"0,{NEEDLE},x,y,0,2024-01-01,no,end\n",
        )
    elif case.name == "json":
        _repeat_to(
            path,
            '{"records": [\n',
            lambda n: (
                json.dumps(
                    {
                        "id": n,
                        "name": WORDS[n % 20],
                        "note": s[n % 200],
                        "tags": [WORDS[(n + 3) % 20], WORDS[(n + 9) % 20]],
                        "nested": {"ok": True, "value": None, "text": s[(n + 1) % 200]},
                    }
                )
                + ",\n"
            ),
            case.target_bytes,
            json.dumps({"last": NEEDLE}) + "]}\n",
        )
    elif case.name == "text":
        _repeat_to(path, "", lambda n: f"{n} {s[n % 200]}\n", case.target_bytes, f"{NEEDLE}\n")
    elif case.name == "docx-bomb":
        # ~1.6 MB zipped, ~1.5 GB of XML: one paragraph of one huge run, then the needle.
        _write_docx(path, _bomb_body)
    elif case.name == "docx-empty-paragraphs":
        _write_docx(
            path, lambda out: out.write(b"<w:p/>" * 5_000_000 + f"<w:p><w:r><w:t>{NEEDLE}</w:t></w:r></w:p>".encode())
        )


def _bomb_body(out) -> None:
    run = b"<w:r><w:t>" + b"a" * 1_000_000 + b"</w:t></w:r>"
    out.write(b"<w:p>")
    for _ in range(1500):
        out.write(run)
    out.write(b"</w:p>" + f"<w:p><w:r><w:t>{NEEDLE}</w:t></w:r></w:p>".encode())


def _write_docx(path: Path, write_body) -> None:
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
        '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
        'document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels)
        with archive.open("word/document.xml", "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body>'.encode())
            write_body(out)
            out.write(b"</w:body></w:document>")


def case_file(case: Case, folder: Path) -> Path:
    path = folder / case.filename
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        generate(case, partial)
        partial.rename(path)
    return path


# --- the measured child process -------------------------------------------------

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
from extractor.extraction import extract
path, filename, content_type, max_chars = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
idle = hwm()
started, cpu_started = time.perf_counter(), time.process_time()
with open(path, "rb") as file:
    size = file.seek(0, 2); file.seek(0)
    result = extract(file, filename=filename, content_type=content_type, size=size, max_chars=max_chars)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_mb": hwm(), "idle_mb": idle, "status": result.status,
                  "error": result.error, "chars": len(result.content), "truncated": result.truncated,
                  "needle": "zyxwvneedleqponm" in result.content,
                  "warnings": list(getattr(result, "warnings", ()) or ())}))
"""


def measure(code: Path, path: Path, case: Case, max_chars: int, timeout: float) -> dict:
    argv = [sys.executable, "-c", CHILD, str(code), str(path), case.filename, case.content_type, str(max_chars)]
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started, peak = time.monotonic(), 0
    while child.poll() is None:
        peak = max(peak, max_memory_used_mb(child.pid))
        if time.monotonic() - started > timeout:
            child.kill()
            child.wait()
            return {"seconds": None, "peak_mb": peak, "status": f"killed after {timeout:.0f} s"}
        time.sleep(0.05)
    out, err = child.communicate()
    if child.returncode != 0:
        return {"seconds": None, "peak_mb": peak, "status": f"crashed ({child.returncode}): {err.strip()[-200:]}"}
    return json.loads(out.strip().splitlines()[-1])


def row(label: str, result: dict) -> str:
    seconds = "-" if result["seconds"] is None else f"{result['seconds']:.2f}"
    cpu = f"{result['cpu_seconds']:.2f}" if result.get("cpu_seconds") is not None else "-"
    detail = result["status"]
    if "chars" in result:
        detail += f", {result['chars']} chars{', truncated' if result['truncated'] else ''}"
        detail += ", needle found" if result["needle"] else ""
        if result.get("warnings"):
            detail += f", {len(result['warnings'])} warning(s)"
    return f"{label:<34} {seconds:>8} {cpu:>8} {result['peak_mb']:>8}  {detail}"


def main(argv: list[str] | None = None) -> int:
    cfg = config.load()
    parser = argparse.ArgumentParser(prog="pipeline bench extract", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of: {', '.join(CASES)}")
    parser.add_argument("--code", default=str(ROOT / "lambdas" / "extract"), help="the extract function's folder")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a case is killed (default 120)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.cases.split(",")) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    folder = cfg.state_dir / "bench-files"
    results = {}
    print(f"{'case (cap)':<34} {'seconds':>8} {'CPU s':>8} {'peak MB':>8}  outcome")
    for name in args.cases.split(","):
        case = CASES[name]
        path = case_file(case, folder)
        size = path.stat().st_size
        for label, cap in (("default cap", cfg.max_content_chars), ("whole file", max(size, cfg.max_content_chars))):
            result = measure(Path(args.code).resolve(), path, case, cap, args.timeout)
            result.update(case=name, bytes=size, cap=cap)
            results[f"{name} ({label})"] = result
            print(row(f"{name} {size / MB:.1f} MB ({label})", result), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
