"""A hot-reloaded copy of the extract function, for the edit -> live benchmark and its test."""

from __future__ import annotations

import contextlib
import shutil

from bootstrap import functions, hot_reload
from lifecycle import stack
from settings.config import PROJECT_ROOT


@contextlib.contextmanager
def hot_reload_copy_of_extract(cfg, lambda_client, s3, run_id: str):
    """A function deployed with hot reload from a copy of ``lambdas/extract`` (so editing it never
    touches the repository), on prefixes ``<run_id>-in/`` and ``<run_id>-out/`` that no notification
    watches. Yields its name and the copy's folder; deletes both and the objects afterwards."""
    folder = cfg.hot_reload_dir / f"test-{run_id}"
    source_root = folder / "lambdas"  # the layout of lambdas/: the function and the shared core
    for part in ("extract", "common"):
        shutil.copytree(
            PROJECT_ROOT / "lambdas" / part, source_root / part, ignore=shutil.ignore_patterns("__pycache__")
        )
    source = source_root / "extract"
    code = hot_reload.for_stack(
        "extract", cfg, stack.active_mode(cfg) or cfg.stack, source_root=source_root, folder=folder
    )
    name = f"hot-reload-copy-{run_id}"
    env = functions.environment(cfg, "extract", mode=stack.active_mode(cfg) or cfg.stack)
    env.update(code.environment(), UPLOAD_PREFIX=f"{run_id}-in/", EXTRACTED_PREFIX=f"{run_id}-out/")
    role = lambda_client.get_function_configuration(FunctionName=cfg.extract_function)["Role"]
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Handler="handler.handler",
        Role=role,
        Timeout=60,
        MemorySize=512,
        Code=code.code,
        Environment={"Variables": env},
    )
    try:
        lambda_client.get_waiter("function_active_v2").wait(FunctionName=name)
        deployed_from = lambda_client.get_function(FunctionName=name)["Code"]["Location"]
        if deployed_from != code.location:
            raise RuntimeError(f"{name} runs code from {deployed_from}, not the hot-reload folder {code.location}")
        yield name, source
    finally:
        lambda_client.delete_function(FunctionName=name)
        for prefix in (f"{run_id}-in/", f"{run_id}-out/"):
            for obj in s3.list_objects_v2(Bucket=cfg.bucket, Prefix=prefix).get("Contents", []):
                s3.delete_object(Bucket=cfg.bucket, Key=obj["Key"])
        shutil.rmtree(folder, ignore_errors=True)
