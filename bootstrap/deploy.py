"""Create or update every resource of the pipeline. Safe to run any number of times."""

from __future__ import annotations

from bootstrap import functions, hot_reload, iam, lost_rows, packaging, roles, storage
from bootstrap.report import UNCHANGED, UPDATED, Report
from lifecycle import compose, localstack_host, stack
from settings import aws, db
from settings.config import Config
from settings.errors import UserError

EXTRACT_MEMORY_MB = 512
INSERT_MEMORY_MB = 256


class NotRunning(UserError):
    pass


def _migrate(cfg: Config, report: Report) -> None:
    conn = db.connect(cfg.database_dsn())
    try:
        roles.ensure_insert_role(conn, cfg, report)  # before migration 0003 grants to its group
        applied = db.migrate(conn)
    finally:
        conn.close()
    if applied:
        report.record(UPDATED, f"database schema (applied {', '.join(applied)})")
    else:
        report.record(UNCHANGED, "database schema")


def deploy(cfg: Config, log=print) -> Report:
    storage.check_prefixes(cfg.upload_prefix, cfg.extracted_prefix)
    if not localstack_host.health(cfg):
        raise NotRunning(f"LocalStack does not answer on {cfg.endpoint_url}: run `make up` first")
    mode = stack.active_mode(cfg) or cfg.stack
    report = Report(log)
    log(f"bootstrap ({mode} mode, {cfg.endpoint_url}, bucket {cfg.bucket})")

    _migrate(cfg, report)
    s3, sqs, lam = aws.client(cfg, "s3"), aws.client(cfg, "sqs"), aws.client(cfg, "lambda")
    account = aws.client(cfg, "sts").get_caller_identity()["Account"]
    created = storage.ensure_bucket(s3, cfg.bucket, cfg.region, report)
    lost_rows.forget(cfg, s3, report, bucket_created=created)
    dlq_arn = storage.ensure_dlq(sqs, cfg.dlq_name, report)

    specs = [
        (
            cfg.extract_function,
            "extract",
            iam.extract_policy(cfg.extract_function, cfg.bucket, cfg.upload_prefix, cfg.extracted_prefix, dlq_arn),
            EXTRACT_MEMORY_MB,
            cfg.upload_prefix,
        ),
        (
            cfg.insert_function,
            "insert",
            iam.insert_policy(cfg.insert_function, cfg.bucket, cfg.upload_prefix, cfg.extracted_prefix, dlq_arn),
            INSERT_MEMORY_MB,
            cfg.extracted_prefix,
        ),
    ]
    # Functions run where LocalStack runs them: on the Docker engine's CPU in Docker mode.
    architecture = compose.engine_architecture() if mode == "docker" else packaging.architecture()
    warning = None if cfg.hot_reload else packaging.missing_bytecode_warning()
    if warning:
        log(warning)
    iam_client = aws.client(cfg, "iam")
    notifications = []
    updated = False
    for name, folder, policy, memory, prefix in specs:
        role_arn = iam.ensure_role(iam_client, f"{name}-role", policy, report)
        env = functions.environment(cfg, folder, mode=mode)
        code: packaging.Package | hot_reload.HotReloadCode
        if cfg.hot_reload:
            code = hot_reload.for_stack(folder, cfg, mode)
            env.update(code.environment())
        else:
            code = packaging.build(folder, cfg.build_dir, architecture)
        arn, outcome = functions.ensure_function(
            lam,
            name,
            code,
            role_arn,
            timeout=cfg.lambda_timeout,
            memory=memory,
            env=env,
            architecture=architecture,
            report=report,
        )
        updated |= outcome == UPDATED
        functions.ensure_s3_permission(lam, name, cfg.bucket, account, report)
        functions.ensure_failure_destination(
            lam,
            name,
            dlq_arn,
            max_retries=cfg.lambda_max_retries,
            max_event_age=cfg.lambda_max_event_age,
            report=report,
        )
        notifications.append(storage.lambda_notification(f"{name}-{prefix.strip('/')}", arn, prefix))
    storage.ensure_notifications(s3, cfg.bucket, notifications, report)
    if updated:
        functions.wait_for_event_pollers_to_drain()
    return report
