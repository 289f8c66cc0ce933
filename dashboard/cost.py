"""What the observed workload would cost on AWS: ``make cost`` and the dashboard's cost page.

Lambda requests and GB-seconds come from the functions' REPORT lines (billed
duration × configured memory, exactly what AWS bills); S3 requests per file
come from the pipeline's design (below); S3 storage from the bucket as it is.
Prices are AWS list prices for us-east-1, dated, kept in this module only.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field

from settings import aws
from settings.config import Config

# --- prices: AWS public list prices, us-east-1, on-demand, no free tier ------------------
# From AWS's Lambda and S3 pricing pages (these list prices have stood for years); check them before relying
# on the figures, and move this date when you do.
PRICES_AS_OF = "2025-06"
REGION = "us-east-1"
LAMBDA_PRICE_PER_REQUEST = 0.20 / 1_000_000
LAMBDA_PRICE_PER_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}  # first 6 billion GB-s a month
S3_PRICE_PER_GB_MONTH = 0.023  # S3 Standard, first 50 TB a month
S3_PRICE_PER_PUT = 0.005 / 1000  # PUT, COPY, POST, LIST
S3_PRICE_PER_GET = 0.0004 / 1000  # GET, SELECT, HEAD and all other requests (DELETE is free)
HOURS_PER_MONTH = 730  # AWS's convention for monthly estimates

# --- the design's S3 requests per uploaded file (see lambdas/) ------------------------------
# PUT class: the upload itself, extract writing extracted/<key>.
# GET class (lambdas/*/sync.py, a new file): extract: GET of the upload, HEAD of the upload after
#            its write; insert: GET of the document, HEAD of the upload before its upsert.
S3_PUTS_PER_FILE = 2
S3_GETS_PER_FILE = 4

ASSUMPTIONS = [
    f"AWS list prices for {REGION} as of {PRICES_AS_OF}, on-demand, without the free tier "
    "(1 M Lambda requests and 400,000 GB-s a month are free on AWS).",
    "A file event is one invocation of the extract function (an upload or a delete; retries count again).",
    "Lambda: requests and billed duration × configured memory from the REPORT lines of both functions "
    "in the window; architecture as deployed.",
    f"S3 requests per file from the design: {S3_PUTS_PER_FILE} PUT-class (the upload, the extracted document) "
    f"and {S3_GETS_PER_FILE} GET-class (each function reads once and checks the upload's version its write "
    "depends on: extract after its write, insert before its upsert); deletes are free.",
    "S3 storage: the average stored bytes per file now in uploads/ and extracted/, S3 Standard; "
    "per month = the month's new files at the observed rate, all kept for the whole month (an upper bound).",
    f"A month is {HOURS_PER_MONTH} hours. Not included: the PostgreSQL database (on AWS a fixed monthly "
    "instance cost, e.g. RDS), CloudWatch Logs, SQS (the DLQ), data transfer (same region: free).",
]

REPORT_LINE = re.compile(r"REPORT RequestId:.*?Billed Duration:\s*(\d+)\s*ms.*?Memory Size:\s*(\d+)\s*MB", re.S)


def parse_report(message: str) -> tuple[int, int] | None:
    """(billed ms, memory MB) of a REPORT log line; None for any other line."""
    match = REPORT_LINE.search(message)
    return (int(match.group(1)), int(match.group(2))) if match else None


@dataclass
class FunctionUsage:
    invocations: int = 0
    gb_seconds: float = 0.0
    architecture: str = "x86_64"

    def add(self, billed_ms: int, memory_mb: int) -> None:
        self.invocations += 1
        self.gb_seconds += billed_ms / 1000 * memory_mb / 1024


@dataclass
class Workload:
    """What was observed: per-function usage over a window, and what the bucket stores."""

    window_seconds: float
    file_events: int
    functions: dict[str, FunctionUsage] = field(default_factory=dict)
    stored_bytes: int = 0
    stored_files: int = 0


@dataclass(frozen=True)
class Line:
    item: str
    per_1000_quantity: float
    per_1000_cost: float
    monthly_quantity: float
    monthly_cost: float
    unit: str


@dataclass(frozen=True)
class Estimate:
    lines: list[Line]
    files_per_month: float
    files_per_second: float

    @property
    def per_1000(self) -> float:
        return sum(line.per_1000_cost for line in self.lines)

    @property
    def monthly(self) -> float:
        return sum(line.monthly_cost for line in self.lines)


def estimate(work: Workload) -> Estimate | None:
    """Cost per 1,000 file events and per month at the observed rate; None when nothing was observed."""
    if work.file_events == 0 or work.window_seconds <= 0:
        return None
    rate = work.file_events / work.window_seconds
    per_month = rate * HOURS_PER_MONTH * 3600
    per_event = 1 / work.file_events
    requests = sum(f.invocations for f in work.functions.values())
    gb_seconds = {name: f.gb_seconds for name, f in work.functions.items()}
    bytes_per_file = work.stored_bytes / work.stored_files if work.stored_files else 0.0

    def line(item: str, per_file: float, price: float, unit: str) -> Line:
        return Line(
            item, per_file * 1000, per_file * 1000 * price, per_file * per_month, per_file * per_month * price, unit
        )

    lines = [line("Lambda requests", requests * per_event, LAMBDA_PRICE_PER_REQUEST, "requests")]
    for name, usage in sorted(work.functions.items()):
        lines.append(
            line(
                f"Lambda duration: {name} ({usage.architecture})",
                gb_seconds[name] * per_event,
                LAMBDA_PRICE_PER_GB_SECOND[usage.architecture],
                "GB-s",
            )
        )
    lines.append(line("S3 PUT/COPY/POST/LIST requests", S3_PUTS_PER_FILE, S3_PRICE_PER_PUT, "requests"))
    lines.append(line("S3 GET/HEAD requests", S3_GETS_PER_FILE, S3_PRICE_PER_GET, "requests"))
    lines.append(line("S3 Standard storage, one month", bytes_per_file / 1024**3, S3_PRICE_PER_GB_MONTH, "GB-months"))
    return Estimate(lines, per_month, rate)


# --- observing the running stack ----------------------------------------------------------


def observe(cfg: Config, minutes: int = 60, *, now: float | None = None) -> Workload:
    """Read both functions' REPORT lines of the last ``minutes`` and the bucket's sizes."""
    now = time.time() if now is None else now
    start_ms = int((now - minutes * 60) * 1000)
    logs, lam = aws.client(cfg, "logs"), aws.client(cfg, "lambda")
    functions: dict[str, FunctionUsage] = {}
    first_ms = None
    for kind in ("extract", "insert"):
        name = cfg.function_name(kind)
        usage = functions[kind] = FunctionUsage()
        with contextlib.suppress(lam.exceptions.ResourceNotFoundException):
            usage.architecture = lam.get_function_configuration(FunctionName=name).get("Architectures", ["x86_64"])[0]
        try:
            pages = logs.get_paginator("filter_log_events").paginate(
                logGroupName=f"/aws/lambda/{name}", startTime=start_ms
            )
            for page in pages:
                for event in page.get("events", []):
                    report = parse_report(event["message"])
                    if report:
                        usage.add(*report)
                        first_ms = event["timestamp"] if first_ms is None else min(first_ms, event["timestamp"])
        except logs.exceptions.ResourceNotFoundException:
            continue
    # The window is what was observed: from the first invocation seen (at most `minutes` ago) to now,
    # and never under a minute, so that a handful of fresh invocations is not extrapolated wildly.
    window = max(60.0, now - first_ms / 1000) if first_ms is not None else minutes * 60.0
    stored_bytes = stored_files = 0
    s3 = aws.client(cfg, "s3")
    for prefix in (cfg.upload_prefix, cfg.extracted_prefix):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=cfg.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                stored_bytes += obj["Size"]
                stored_files += prefix == cfg.upload_prefix
    return Workload(
        window_seconds=window,
        file_events=functions["extract"].invocations,
        functions=functions,
        stored_bytes=stored_bytes,
        stored_files=stored_files,
    )


def money(value: float) -> str:
    """Dollars for people: cents above $1, four decimals below, and '< $0.0001' for dust."""
    if value >= 1:
        return f"${value:,.2f}"
    if value >= 0.0001 or value == 0:
        return f"${value:.4f}"
    return "< $0.0001"


def format_estimate(work: Workload, est: Estimate | None, minutes: int) -> str:
    if est is None:
        return f"no function invocations in the last {minutes} minutes: upload some files, then run `make cost` again"
    out = [
        f"observed: {work.file_events} file events in {work.window_seconds / 60:.1f} min "
        f"({est.files_per_second * 3600:,.0f} files/hour, {est.files_per_month:,.0f} a month at that rate); "
        f"{work.stored_files} files stored, {work.stored_bytes:,} bytes with their documents",
        "",
        f"{'item':<44} {'per 1,000 files':>16} {'per month':>14}",
    ]
    for line in est.lines:
        out.append(f"{line.item:<44} {money(line.per_1000_cost):>16} {money(line.monthly_cost):>14}")
    out.append(f"{'total':<44} {money(est.per_1000):>16} {money(est.monthly):>14}")
    out += ["", "assumptions:"] + [f"  - {a}" for a in ASSUMPTIONS]
    return "\n".join(out)
