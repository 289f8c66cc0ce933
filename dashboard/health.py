"""Health and speed: stack mode, LocalStack, PostgreSQL and the functions; the last hour's throughput."""

from __future__ import annotations

from dataclasses import dataclass

from lifecycle import localstack_host, stack
from settings import aws, db
from settings.config import Config


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def checks(cfg: Config) -> list[Check]:
    found = [Check("stack mode", stack.active_mode(cfg) is not None, stack.active_mode(cfg) or "not up: run `make up`")]
    health = localstack_host.health(cfg)
    if health:
        running = sorted(name for name, state in health.get("services", {}).items() if state == "running")
        found.append(
            Check(
                "LocalStack",
                True,
                f"{health.get('version', '?')} on {cfg.endpoint_url}; running: {', '.join(running) or 'none yet'}",
            )
        )
    else:
        found.append(Check("LocalStack", False, f"does not answer on {cfg.endpoint_url}: run `make up`"))
    try:
        conn = db.connect(cfg.database_dsn(), timeout=3)
        try:
            rows = conn.run("SELECT count(*) FROM documents WHERE bucket = :b", b=cfg.bucket)[0][0]
        finally:
            conn.close()
        found.append(Check("PostgreSQL", True, f"127.0.0.1:{cfg.postgres_port}/{cfg.postgres_db}: {rows} rows"))
    except Exception as exc:
        found.append(Check("PostgreSQL", False, str(exc)))
    if health:
        lam = aws.client(cfg, "lambda", connect_timeout=3, read_timeout=5)
        for kind in ("extract", "insert"):
            name = cfg.function_name(kind)
            try:
                conf = lam.get_function_configuration(FunctionName=name)
                ok = conf.get("State") == "Active" and conf.get("LastUpdateStatus") in (None, "Successful")
                found.append(
                    Check(
                        f"function {kind}",
                        ok,
                        f"{name}: {conf.get('State')}, {conf.get('Runtime')}, "
                        f"{conf.get('MemorySize')} MB, "
                        f"{conf.get('Timeout')} s timeout",
                    )
                )
            except Exception as exc:
                found.append(Check(f"function {kind}", False, f"{name}: {exc}"))
    return found


THROUGHPUT = """
SELECT extract(epoch FROM date_trunc('minute', indexed_at))::bigint AS minute,
       count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM indexed_at - extracted_at)) * 1000,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM indexed_at - extracted_at)) * 1000
FROM documents
WHERE bucket = :b AND indexed_at > now() - interval '1 hour'
GROUP BY 1 ORDER BY 1
"""


def last_hour(cfg: Config) -> list[dict]:
    """Per minute of the last hour: files indexed, and extracted -> indexed latency p50/p95 in ms."""
    conn = db.connect(cfg.database_dsn(), timeout=3)
    try:
        rows = conn.run(THROUGHPUT, b=cfg.bucket)
    finally:
        conn.close()
    return [
        {"minute": int(minute), "files": int(count), "p50_ms": round(float(p50), 1), "p95_ms": round(float(p95), 1)}
        for minute, count, p50, p95 in rows
    ]
