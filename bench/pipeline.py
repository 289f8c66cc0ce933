"""Benchmark of the whole pipeline: upload -> extracted -> searchable.

Latencies are measured on one clock (this machine's): the upload's completion
time taken here, the extract function's ``ExtractedDate`` and the index row's
``indexed_at``. Files are a mix of the sample documents (text, Markdown, HTML,
CSV, JSON, PDF, DOCX) and plain text of several sizes.

The machine may be busy with other work, so the same run also measures
LocalStack's own S3 speed (raw PUTs of 1 KB from 8 threads to a bucket without
notifications, and one PUT at a time) and reports the pipeline relative to it.
One 3 s window of raw PUTs can differ from the next by a fifth on a busy machine,
so it is measured before and after the mixed burst and the ratios use the mean.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from os import cpu_count
from pathlib import Path

from bench import cpu, samples
from bootstrap.functions import wait_for_event_pollers_to_drain
from lifecycle import stack
from settings import aws, db
from settings.config import Config, executor_settings

TEXT_SIZES = (200, 5_000, 100_000, 1_000_000)
RAW_BUCKET = "fue-bench-raw"
RAW_THREADS = 8
RAW_BODY = b"x" * 1024
RAW_SECONDS = 3.0
RAW_SINGLE_PUTS = 100
SMALL_TEXT_COUNT = 200
IDLE_COUNT = 20
IDLE_POLL_SECONDS = 0.01
# Waits for a burst's, the cold start's or the removal's rows: their times come from the rows, not the polls.
POLL_SECONDS = 0.25
IDLE_SETTLE_SECONDS = 0.1
# After the last row, beyond the last log batch (LAMBDA_LOG_BATCH_MS): the last inserts' checks and results.
BURST_SETTLE_SECONDS = 0.5


@dataclass
class Result:
    mode: str
    count: int
    concurrency: int
    upload_seconds: float
    total_seconds: float
    cold_start_extracted_ms: float | None
    cold_start_searchable_ms: float | None
    idle_extracted_ms: dict = field(default_factory=dict)
    idle_searchable_ms: dict = field(default_factory=dict)
    extracted_ms: dict = field(default_factory=dict)
    searchable_ms: dict = field(default_factory=dict)
    throughput_files_per_s: float = 0.0
    raw_puts_per_s: float = 0.0  # the mean of the two measurements: before and after the mixed burst
    raw_puts_per_s_before_after: list[float] = field(default_factory=list)
    raw_put_ms: dict = field(default_factory=dict)
    raw_put_after_pause_ms: dict = field(default_factory=dict)
    burst_ratio: float | None = None
    idle_ratio: float | None = None
    idle_ratio_after_pause: float | None = None
    small_text_count: int = 0
    small_text_files_per_s: float = 0.0
    machine_busy_percent: float | None = None  # of all cores during the mixed burst (any process)
    cpu_bound_files_per_s: float | None = None  # what the mixed burst's CPU per file allows on these cores
    cpu_ms_per_file: dict = field(default_factory=dict)  # mixed burst, host mode: localstack, functions, postgres
    small_text_cpu_ms_per_file: dict = field(default_factory=dict)
    mix: dict = field(default_factory=dict)
    rows: int = 0
    duplicated_rows: int = 0
    missing: list[str] = field(default_factory=list)
    extracted_samples_ms: list[float] = field(default_factory=list)
    searchable_samples_ms: list[float] = field(default_factory=list)


def workload(count: int) -> list[tuple[str, bytes, str]]:
    """(file name, body, content type) for ``count`` files of mixed sizes and types."""
    docs = [s for s in samples.SAMPLES.values() if s.expected_status == "ok" and s.body]
    sentence = b"The quick brown fox jumps over the lazy dog while the pipeline extracts text. "
    texts = [(f"text-{size}.txt", (sentence * (size // len(sentence) + 1))[:size], "text/plain") for size in TEXT_SIZES]
    kinds = itertools.cycle([(s.filename, s.body, s.content_type) for s in docs] + texts)
    return [(f"{i:05d}-{name}", body, ctype) for i, (name, body, ctype) in zip(range(count), kinds, strict=False)]


def mix(files: list[tuple[str, bytes, str]]) -> dict[str, int]:
    """How many files of each kind (name without its running number) the workload holds."""
    counts: dict[str, int] = {}
    for name, _, _ in files:
        kind = name.split("-", 1)[1]
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


def small_texts(count: int) -> list[tuple[str, bytes, str]]:
    return [(f"{i:05d}-small.txt", f"small text number {i} for the burst".encode(), "text/plain") for i in range(count)]


@contextlib.contextmanager
def raw_bucket(cfg: Config, s3):
    """A bucket without notifications for LocalStack's own speed, removed afterwards."""
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=RAW_BUCKET)
    try:
        yield
    finally:
        remove_uploads(cfg, s3, "", bucket=RAW_BUCKET)
        s3.delete_bucket(Bucket=RAW_BUCKET)


def single_puts(s3, count: int, pause: float = 0.0) -> list[float]:
    """Latencies (ms) of ``count`` 1 KB PUTs one at a time, each after ``pause`` seconds."""
    latencies = []
    for i in range(count):
        time.sleep(pause)
        started = time.perf_counter()
        s3.put_object(Bucket=RAW_BUCKET, Key=f"single/{i}", Body=RAW_BODY)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def raw_rate(s3) -> float:
    """PUTs/s of ``RAW_THREADS`` threads putting 1 KB objects for ``RAW_SECONDS``."""
    counts = [0] * RAW_THREADS
    stop_at = time.perf_counter() + RAW_SECONDS

    def put_until_stop(thread: int) -> None:
        while time.perf_counter() < stop_at:
            s3.put_object(Bucket=RAW_BUCKET, Key=f"burst/{thread}/{counts[thread]}", Body=RAW_BODY)
            counts[thread] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(RAW_THREADS) as pool:
        list(pool.map(put_until_stop, range(RAW_THREADS)))
    return sum(counts) / (time.perf_counter() - started)


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)

    def pick(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))], 1)

    return {
        "p50": pick(50),
        "p95": pick(95),
        "p99": pick(99),
        "max": round(ordered[-1], 1),
        "mean": round(statistics.fmean(ordered), 1),
    }


def _indexed_rows(conn, bucket: str, prefix: str) -> dict[str, tuple[float, float]]:
    rows = conn.run(
        "SELECT key, extract(epoch FROM extracted_at), extract(epoch FROM indexed_at) FROM documents "
        "WHERE bucket = :b AND key LIKE :p",
        b=bucket,
        p=prefix + "%",
    )
    return {key: (float(extracted), float(indexed)) for key, extracted, indexed in rows}


def _row_count(conn, bucket: str, prefix: str) -> int:
    [[count]] = conn.run("SELECT count(*) FROM documents WHERE bucket = :b AND key LIKE :p", b=bucket, p=prefix + "%")
    return count


def _wait_rows(
    conn, cfg: Config, prefix: str, done, progress: str, deadline_s: float, interval: float, log=None
) -> int:
    """The number of rows under ``prefix`` once ``done(count)`` holds or the deadline passed; ``log`` gets
    ``progress`` (formatted with ``n``, the row count) every 2 s.

    Only a count is polled: the benchmark's own queries take CPU from the stack it measures, and every
    latency comes from the rows' timestamps, not from when a poll saw them.
    """
    deadline = time.monotonic() + deadline_s
    next_report = time.monotonic() + 2
    count = 0
    while time.monotonic() < deadline:
        count = _row_count(conn, cfg.bucket, prefix)
        if done(count):
            break
        if log is not None and time.monotonic() >= next_report:
            log(progress.format(n=count))
            next_report = time.monotonic() + 2
        time.sleep(interval)
    return count


def _wait_indexed(
    conn, cfg: Config, prefix: str, expected: int, deadline_s: float, interval: float = POLL_SECONDS, log=None
) -> dict:
    """Rows under ``prefix`` once ``expected`` are there or the deadline passed; ``log`` gets progress."""
    progress = f"  searchable: {{n}} of {expected}"
    _wait_rows(conn, cfg, prefix, lambda count: count >= expected, progress, deadline_s, interval, log)
    return _indexed_rows(conn, cfg.bucket, prefix)


def _duplicated_rows(conn, bucket: str, prefix: str) -> int:
    """Rows beyond one per key under ``prefix`` (the schema forbids them; checked, not assumed)."""
    [[count]] = conn.run(
        "SELECT count(*) - count(DISTINCT key) FROM documents WHERE bucket = :b AND key LIKE :p",
        b=bucket,
        p=prefix + "%",
    )
    return int(count)


def force_cold_start(cfg: Config) -> None:
    """Changing a function's configuration retires its warm environments, as a deploy does on AWS."""
    lam = aws.client(cfg, "lambda")
    for name in (cfg.extract_function, cfg.insert_function):
        env = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
        env["BENCH_RUN"] = str(time.time_ns())
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": env})
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    wait_for_event_pollers_to_drain()


def restore_configuration(cfg: Config) -> None:
    lam = aws.client(cfg, "lambda")
    for name in (cfg.extract_function, cfg.insert_function):
        env = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
        if env.pop("BENCH_RUN", None) is not None:
            lam.update_function_configuration(FunctionName=name, Environment={"Variables": env})
            lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    wait_for_event_pollers_to_drain()


def log_batch_seconds() -> float:
    return int(executor_settings()["LAMBDA_LOG_BATCH_MS"]) / 1000


def idle_gap_seconds() -> float:
    """Pause between idle probes: the previous file's last checks, results and log batch are done by then."""
    return log_batch_seconds() + IDLE_SETTLE_SECONDS


def burst_settle_seconds() -> float:
    """Pause after a burst's last row: its last checks, results and log batch are done (and counted) by then."""
    return log_batch_seconds() + BURST_SETTLE_SECONDS


def idle_latency(cfg: Config, s3, conn, prefix: str, count: int) -> tuple[list[float], list[float]]:
    """One small file at a time on a pipeline with nothing else to do: latency of a warm pipeline without queueing.

    The latencies come from the row's timestamps, so polling for the row more often would not make them
    shorter, only add queries competing for the same cores.
    """
    extracted, searchable = [], []
    for i in range(count):
        time.sleep(idle_gap_seconds())
        key = f"{prefix}{i:03d}.txt"
        s3.put_object(Bucket=cfg.bucket, Key=key, Body=f"idle latency probe {i}".encode())
        done = time.time()
        row = _wait_indexed(conn, cfg, key, 1, 60, interval=IDLE_POLL_SECONDS).get(key)
        if row:
            extracted.append((row[0] - done) * 1000)
            searchable.append((row[1] - done) * 1000)
    return extracted, searchable


@dataclass(frozen=True)
class Burst:
    uploaded: dict[str, float]  # key -> time its upload completed
    rows: dict[str, tuple[float, float]]  # key -> (extracted, indexed) times
    upload_seconds: float
    seconds: float  # from the first upload until all were searchable
    machine_busy_percent: float | None  # of all cores, from the first upload until all rows were seen


def burst(cfg: Config, s3, conn, prefix: str, files, concurrency: int, log) -> Burst:
    """Upload ``files`` under ``prefix`` at once and wait until all are searchable (or the deadline passed)."""
    uploaded: dict[str, float] = {}

    def upload(item: tuple[str, bytes, str]) -> None:
        name, body, ctype = item
        key = prefix + name
        s3.put_object(Bucket=cfg.bucket, Key=key, Body=body, ContentType=ctype)
        uploaded[key] = time.time()

    ticks = cpu.machine()
    started = time.time()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(upload, files))
    upload_seconds = time.time() - started
    rows = _wait_indexed(conn, cfg, prefix, len(files), deadline_s=120 + len(files) * 0.5, log=log)
    after = cpu.machine()
    busy = (after - ticks).busy_percent() if ticks is not None and after is not None else None
    finished = max((r[1] for r in rows.values()), default=time.time())
    return Burst(uploaded, rows, upload_seconds, finished - started, busy)


def _cpu_per_file(cfg: Config, before: cpu.CpuSeconds | None, files: int) -> dict:
    """CPU milliseconds per file since ``before`` (host mode), once the burst's last invocations have ended."""
    if before is None:
        return {}
    time.sleep(burst_settle_seconds())
    after = cpu.sample(cfg)
    return (after - before).per_file_ms(files) if after is not None else {}


def cpu_bound_rate(cpu_ms_per_file: dict, cores: int | None) -> float | None:
    """Files/s the cores move at most when each file costs the stack ``cpu_ms_per_file`` (summed)."""
    spent = sum(cpu_ms_per_file.values())
    return round(cores * 1000 / spent, 1) if cores and spent > 0 else None


def ratio(value: float | None, base: float | None, digits: int = 3) -> float | None:
    return round(value / base, digits) if value and base else None


def run(cfg: Config, *, count: int, concurrency: int, log=print) -> Result:
    s3 = aws.client(cfg, "s3", max_pool_connections=max(10, concurrency * 2))
    conn = db.connect(cfg.database_dsn())
    run_prefix = f"{cfg.upload_prefix}bench-{time.strftime('%Y%m%dT%H%M%S')}/"
    try:
        log(
            f"LocalStack alone: {RAW_SINGLE_PUTS} single PUTs, {IDLE_COUNT} single PUTs after a pause, then "
            f"{RAW_THREADS} threads of 1 KB PUTs for {RAW_SECONDS:.0f}s (bucket without notifications)"
        )
        with raw_bucket(cfg, s3):
            raw_single = single_puts(s3, RAW_SINGLE_PUTS)
            # after the pause the idle probes leave: cores that went idle answer the first request more slowly
            raw_paused = single_puts(s3, IDLE_COUNT, pause=idle_gap_seconds())
            raw_rates = [raw_rate(s3)]
        log(
            f"  raw PUTs: {raw_rates[0]:.0f}/s, single PUT p50 {percentiles(raw_single)['p50']} ms, "
            f"after a pause {percentiles(raw_paused)['p50']} ms"
        )

        log("cold start: retiring warm environments, then one upload")
        force_cold_start(cfg)
        cold_key = f"{run_prefix}cold/first.txt"
        s3.put_object(Bucket=cfg.bucket, Key=cold_key, Body=b"cold start probe")
        done = time.time()
        cold = _wait_indexed(conn, cfg, cold_key, 1, 120).get(cold_key)
        cold_extracted = (cold[0] - done) * 1000 if cold else None
        cold_searchable = (cold[1] - done) * 1000 if cold else None

        log(f"warm, idle pipeline: {IDLE_COUNT} small files one at a time")
        idle_extracted, idle_searchable = idle_latency(cfg, s3, conn, f"{run_prefix}idle/", IDLE_COUNT)

        files = workload(count)
        warm_prefix = f"{run_prefix}warm/"
        log(
            f"mixed burst: {count} files with concurrency {concurrency}: "
            + ", ".join(f"{n} {kind}" for kind, n in mix(files).items())
        )
        before = cpu.sample(cfg)
        mixed = burst(cfg, s3, conn, warm_prefix, files, concurrency, log)
        uploaded, rows = mixed.uploaded, mixed.rows
        burst_cpu = _cpu_per_file(cfg, before, len(rows))
        extracted = [(rows[k][0] - t) * 1000 for k, t in uploaded.items() if k in rows]
        searchable = [(rows[k][1] - t) * 1000 for k, t in uploaded.items() if k in rows]
        duplicated = _duplicated_rows(conn, cfg.bucket, warm_prefix)

        log("LocalStack alone again, once the burst's last checks and log batch are done")
        time.sleep(burst_settle_seconds())
        with raw_bucket(cfg, s3):
            raw_single += single_puts(s3, RAW_SINGLE_PUTS)
            raw_rates.append(raw_rate(s3))
        log(f"  raw PUTs: {raw_rates[1]:.0f}/s")

        log(f"small-text burst: {SMALL_TEXT_COUNT} files of about 40 bytes with concurrency {concurrency}")
        small_prefix = f"{run_prefix}small/"
        before = cpu.sample(cfg)
        small = burst(cfg, s3, conn, small_prefix, small_texts(SMALL_TEXT_COUNT), concurrency, log)
        small_rows = small.rows
        small_cpu = _cpu_per_file(cfg, before, len(small_rows))
        duplicated += _duplicated_rows(conn, cfg.bucket, small_prefix)
        missing = set(uploaded) - set(rows)
        missing |= {small_prefix + name for name, _, _ in small_texts(SMALL_TEXT_COUNT)} - set(small_rows)

        throughput = len(rows) / max(mixed.seconds, 1e-9)
        idle = percentiles(idle_searchable)
        raw_puts, raw_ms, paused_ms = statistics.fmean(raw_rates), percentiles(raw_single), percentiles(raw_paused)
        return Result(
            mode=f"{stack.active_mode(cfg) or cfg.stack} mode, {cpu_count()} CPUs",
            count=count,
            concurrency=concurrency,
            upload_seconds=round(mixed.upload_seconds, 2),
            total_seconds=round(mixed.seconds, 2),
            cold_start_extracted_ms=round(cold_extracted, 1) if cold_extracted else None,
            cold_start_searchable_ms=round(cold_searchable, 1) if cold_searchable else None,
            idle_extracted_ms=percentiles(idle_extracted),
            idle_searchable_ms=idle,
            extracted_ms=percentiles(extracted),
            searchable_ms=percentiles(searchable),
            throughput_files_per_s=round(throughput, 1),
            raw_puts_per_s=round(raw_puts, 1),
            raw_puts_per_s_before_after=[round(rate, 1) for rate in raw_rates],
            raw_put_ms=raw_ms,
            raw_put_after_pause_ms=paused_ms,
            burst_ratio=ratio(throughput, raw_puts),
            idle_ratio=ratio(idle.get("p50"), raw_ms.get("p50"), 1),
            idle_ratio_after_pause=ratio(idle.get("p50"), paused_ms.get("p50"), 1),
            small_text_count=SMALL_TEXT_COUNT,
            small_text_files_per_s=round(len(small_rows) / max(small.seconds, 1e-9), 1),
            machine_busy_percent=mixed.machine_busy_percent,
            cpu_bound_files_per_s=cpu_bound_rate(burst_cpu, cpu_count()),
            cpu_ms_per_file=burst_cpu,
            small_text_cpu_ms_per_file=small_cpu,
            mix=mix(files),
            rows=len(rows) + len(small_rows),
            duplicated_rows=duplicated,
            missing=sorted(missing),
            extracted_samples_ms=[round(v, 1) for v in extracted],
            searchable_samples_ms=[round(v, 1) for v in searchable],
        )
    finally:
        restore_configuration(cfg)
        removed = remove_uploads(cfg, s3, run_prefix)
        log(f"removed the benchmark's {removed} uploads; the pipeline removes their documents and rows")
        left = _wait_removed(conn, cfg, run_prefix, deadline_s=120 + removed * 0.2, log=log)
        conn.close()
        if left:
            log(f"  {left} rows of the benchmark are still indexed: the next run may start on a busy stack")


def _wait_removed(conn, cfg: Config, prefix: str, deadline_s: float, log) -> int:
    """Rows left under ``prefix`` once none are, or the deadline passed: a run that follows starts on a quiet stack."""
    return _wait_rows(conn, cfg, prefix, lambda count: count == 0, "  rows left: {n}", deadline_s, POLL_SECONDS, log)


def remove_uploads(cfg: Config, s3, prefix: str, bucket: str | None = None) -> int:
    removed = 0
    bucket = bucket or cfg.bucket
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            removed += len(keys)
    return removed


def table(result: Result) -> str:
    before, after = result.raw_puts_per_s_before_after
    lines = [
        f"{result.mode}",
        f"LocalStack alone: {result.raw_puts_per_s} raw PUTs/s (1 KB, 8 threads; {before} before the mixed burst, "
        f"{after} after), single PUT p50 {result.raw_put_ms.get('p50')} ms (after a pause like the idle probes': "
        f"{result.raw_put_after_pause_ms.get('p50')} ms)",
        "mix: " + ", ".join(f"{n} {kind}" for kind, n in result.mix.items()),
        f"files: {result.count}  concurrency: {result.concurrency}  "
        f"uploads took {result.upload_seconds}s  all searchable after {result.total_seconds}s  "
        f"throughput {result.throughput_files_per_s} files/s",
        f"burst ratio (files/s / raw PUTs/s): {result.burst_ratio}   "
        f"idle ratio (searchable p50 / raw PUT p50): {result.idle_ratio} "
        f"(against a PUT after a pause: {result.idle_ratio_after_pause})",
        f"small-text burst ({result.small_text_count} files): {result.small_text_files_per_s} files/s "
        f"(ratio {ratio(result.small_text_files_per_s, result.raw_puts_per_s)})",
        _cpu_line("CPU per file, mixed burst", result.cpu_ms_per_file),
        _machine_line(result),
        _cpu_line("CPU per file, small-text burst", result.small_text_cpu_ms_per_file),
        f"rows: {result.rows}  lost: {len(result.missing)}  duplicated rows: {result.duplicated_rows}",
        f"cold start: upload -> extracted {result.cold_start_extracted_ms} ms, "
        f"upload -> searchable {result.cold_start_searchable_ms} ms",
        "",
        f"{'latency (ms)':<30}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'mean':>9}",
    ]
    rows = (
        ("idle: upload -> extracted", result.idle_extracted_ms),
        ("idle: upload -> searchable", result.idle_searchable_ms),
        ("burst: upload -> extracted", result.extracted_ms),
        ("burst: upload -> searchable", result.searchable_ms),
    )
    for label, stats in rows:
        lines.append(
            f"{label:<30}" + "".join(f"{stats.get(k, float('nan')):>9}" for k in ("p50", "p95", "p99", "max", "mean"))
        )
    if result.missing:
        lines.append(f"NOT SEARCHABLE before the deadline: {len(result.missing)} files, e.g. {result.missing[:3]}")
    return "\n".join(lines)


def _machine_line(result: Result) -> str:
    if result.machine_busy_percent is None:
        return "machine: not measured (no /proc/stat)"
    line = f"machine: {result.machine_busy_percent}% of all CPUs busy during the mixed burst"
    if result.cpu_bound_files_per_s:
        reached = ratio(result.throughput_files_per_s, result.cpu_bound_files_per_s, 2)
        line += (
            f"; the stack's {round(sum(result.cpu_ms_per_file.values()), 1)} ms of CPU per file allow at most "
            f"{result.cpu_bound_files_per_s} files/s on them (reached {round(100 * (reached or 0))}%)"
        )
    return line


def _cpu_line(label: str, per_file: dict) -> str:
    if not per_file:
        return f"{label}: not measured (host mode only)"
    return f"{label} (ms): " + ", ".join(f"{name} {ms}" for name, ms in per_file.items())


def write_outputs(result: Result, out_dir: Path) -> list[Path]:
    """The result as JSON and a latency plot (PNG) in ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    json_path, png_path = out_dir / f"bench-{stamp}.json", out_dir / f"bench-{stamp}.png"
    json_path.write_text(json.dumps(asdict(result), indent=2))

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, values in (
        ("burst: upload -> extracted", result.extracted_samples_ms),
        ("burst: upload -> searchable", result.searchable_samples_ms),
    ):
        ordered = sorted(values)
        if ordered:
            ax.plot(ordered, [(i + 1) / len(ordered) for i in range(len(ordered))], label=label)
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("fraction of files")
    ax.set_title(f"{result.count} files, concurrency {result.concurrency}")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
    return [json_path, png_path]
