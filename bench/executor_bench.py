"""Invoke latency of a trivial python3.12 function on the running stack.

Deploy: create_function until the function is Active (the executor prepares the
version: unzip, and with ``LAMBDA_TEMPLATE_PROCESS`` the template's import). Cold
start: the first invoke of the freshly created function (a new execution
environment: a fork of the template, or process start and handler import; then the
invoke). Warm: invokes of one function whose environment is already up. Round trip:
``GetFunctionConfiguration`` of the same function, one before each warm invoke: the
gateway's and the client's share of an invoke, so that ``warm ÷ round trip`` compares
runs on a machine whose speed changes. Run with ``pipeline bench executor``; the
endpoint comes from ``settings.config``.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
import uuid
import zipfile

import boto3

from settings import config

HANDLER = "def handler(event, context):\n    return {'ok': True}\n"
ROLE_ARN = "arn:aws:iam::000000000000:role/executor-bench"
ACTIVE_DEADLINE_SECONDS = 60


def trivial_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
    return buffer.getvalue()


def create_function(client, runtime: str) -> str:
    name = f"executor-bench-{uuid.uuid4().hex[:10]}"
    client.create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=ROLE_ARN,
        Handler="app.handler",
        Code={"ZipFile": trivial_zip()},
    )
    deadline = time.monotonic() + ACTIVE_DEADLINE_SECONDS
    while client.get_function_configuration(FunctionName=name)["State"] == "Pending":
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} is not Active after {ACTIVE_DEADLINE_SECONDS}s")
        time.sleep(0.01)
    return name


def timed_invoke_ms(client, name: str) -> float:
    started = time.perf_counter()
    response = client.invoke(FunctionName=name, Payload=b"{}")
    response["Payload"].read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.get("FunctionError"):
        raise RuntimeError(f"{name} failed: {response.get('FunctionError')}")
    return elapsed


def timed_round_trip_ms(client, name: str) -> float:
    started = time.perf_counter()
    client.get_function_configuration(FunctionName=name)
    return (time.perf_counter() - started) * 1000


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {
        "n": len(ordered),
        "p50": round(cuts[49], 1),
        "p95": round(cuts[94], 1),
        "min": round(ordered[0], 1),
        "max": round(ordered[-1], 1),
    }


def run(cfg: config.Config, runtime: str, cold: int, warm: int) -> dict[str, dict[str, float]]:
    client = boto3.client(
        "lambda",
        endpoint_url=cfg.endpoint_url,
        region_name=cfg.region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    created: list[str] = []
    try:
        deploy_ms, cold_ms = [], []
        for _ in range(cold):
            started = time.perf_counter()
            created.append(create_function(client, runtime))
            deploy_ms.append((time.perf_counter() - started) * 1000)
            cold_ms.append(timed_invoke_ms(client, created[-1]))
        warm_name = created[-1]
        warm_ms, round_trip_ms = [], []
        for _ in range(warm):
            round_trip_ms.append(timed_round_trip_ms(client, warm_name))
            warm_ms.append(timed_invoke_ms(client, warm_name))
    finally:
        for name in created:
            client.delete_function(FunctionName=name)
    return {
        "deploy_ms": summary(deploy_ms),
        "cold_start_ms": summary(cold_ms),
        "warm_invoke_ms": summary(warm_ms),
        "round_trip_ms": summary(round_trip_ms),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pipeline bench executor", description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", default="python3.12")
    parser.add_argument("--cold", type=int, default=5, help="functions created for cold starts (default 5)")
    parser.add_argument("--warm", type=int, default=200, help="warm invokes (default 200)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.cold < 1 or args.warm < 1:
        parser.error("--cold and --warm must be at least 1")
    cfg = config.load()
    result = run(cfg, args.runtime, args.cold, args.warm)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.runtime} on {cfg.endpoint_url}")
        for label, figures in result.items():
            print(
                f"  {label:15} n={figures['n']:<4} p50={figures['p50']:>7} ms  p95={figures['p95']:>7} ms"
                f"  min={figures['min']:>7} ms  max={figures['max']:>7} ms"
            )
        ratio = result["warm_invoke_ms"]["p50"] / result["round_trip_ms"]["p50"]
        print(f"  warm invoke p50 / round trip p50 = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
