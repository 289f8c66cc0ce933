"""template.yaml deployed through LocalStack's CloudFormation runs the pipeline like bootstrap's.

Order matters: the pipeline slice and the drift check run on the stack as deployed, a second
deployment plans nothing and a setting change updates it in place, the outage test stops the
database, and the last test deletes the stack.
"""

from __future__ import annotations

import dataclasses

import pytest

from awsdeploy import changeset, deploy
from bootstrap import functions
from operations import dlq
from settings import aws, db
from tests.cloudformation import deployed
from tests.faults.test_faults import database_outage
from tests.integration.test_pipeline import (  # noqa: F401 - the named slice of the pipeline tests, run here
    hits_for,
    test_reupload_replaces_the_indexed_content,
    test_upload_becomes_searchable_and_delete_removes_it_everywhere,
    test_upload_produces_extracted_document_with_design_fields,
)
from tests.support import poll_until

pytestmark = pytest.mark.stack

# Three attempts with LocalStack's retry delays (LAMBDA_RETRY_DELAY, 2x that) and slack for a slow machine.
DLQ_DEADLINE = 90
SEARCH_DEADLINE = 60


def test_template_stack_matches_bootstrap_resource_by_resource(cfg, bootstrap_cfg):
    from_template, from_bootstrap = deployed.describe(cfg), deployed.describe(bootstrap_cfg)

    for function in ("<extract>", "<insert>"):
        template_fn, bootstrap_fn = from_template["functions"][function], from_bootstrap["functions"][function]
        for field in sorted(bootstrap_fn):
            assert template_fn[field] == bootstrap_fn[field], f"{function} {field} drifted"
    assert from_template["notifications"] == from_bootstrap["notifications"]
    assert from_template["dlq"] == from_bootstrap["dlq"]
    assert from_template == from_bootstrap


def test_deploying_again_plans_no_change_and_a_setting_change_updates_in_place(cfg, bootstrap_cfg, sam_deployment):
    s3_client, cfn, lam = (aws.client(cfg, s) for s in ("s3", "cloudformation", "lambda"))

    again = deploy.plan(bootstrap_cfg, sam_deployment, s3=s3_client, cfn=cfn, region=cfg.region, log=lambda *_: None)
    assert (again.change_set_id, again.changes) == (None, []), again.describe()

    longer = dataclasses.replace(bootstrap_cfg, lambda_timeout=bootstrap_cfg.lambda_timeout + 5)
    update = deploy.plan(longer, sam_deployment, s3=s3_client, cfn=cfn, region=cfg.region, log=lambda *_: None)
    assert update.change_set_type == "UPDATE"
    assert sorted(line.split()[1] for line in update.changes) == ["ExtractFunction", "InsertFunction"], update.changes
    changeset.apply(cfn, update)
    functions.wait_for_event_pollers_to_drain()  # LocalStack 4.14.0 after a function update, as bootstrap does

    for function in (cfg.extract_function, cfg.insert_function):
        assert lam.get_function_configuration(FunctionName=function)["Timeout"] == longer.lambda_timeout
        assert (
            lam.get_function_event_invoke_config(FunctionName=function)["MaximumRetryAttempts"]
            == cfg.lambda_max_retries
        ), "the update lost the async invoke configuration"
    assert deployed.describe(cfg)["notifications"] == deployed.describe(bootstrap_cfg)["notifications"]


def test_database_outage_sends_the_failure_to_the_stacks_own_dlq(cfg, bootstrap_cfg, s3, run_id):
    word = f"outage{run_id.replace('-', '')}"
    key = f"{cfg.upload_prefix}{run_id}/during-outage.txt"

    with database_outage(cfg):
        s3.put_object(Bucket=cfg.bucket, Key=key, Body=f"written while the database was down {word}".encode())
        failed = poll_until(
            lambda: [e for e in dlq.failed_events(cfg) if cfg.extracted_key(key) in e.keys],
            timeout=DLQ_DEADLINE,
            what=f"the failed insert of {key} in {cfg.dlq_name}",
        )
    assert failed[0].function == cfg.insert_function
    assert not [e for e in dlq.failed_events(bootstrap_cfg) if cfg.extracted_key(key) in e.keys], (
        f"the template stack's failure reached bootstrap's queue {bootstrap_cfg.dlq_name}"
    )

    ok, failing = dlq.redrive(cfg, log=lambda *_: None)

    assert (ok, failing) == (1, 0)
    conn = db.connect(cfg.database_dsn())  # opened after the outage: earlier connections are gone
    try:
        poll_until(lambda: key in hits_for(conn, word), timeout=SEARCH_DEADLINE, what=f"{key} searchable after redrive")
    finally:
        conn.close()


def test_deleting_the_stack_keeps_the_bucket_and_its_files(cfg, sam_deployment, s3, run_id):
    key = f"{cfg.upload_prefix}{run_id}/kept.txt"
    s3.put_object(Bucket=cfg.bucket, Key=key, Body=b"still here after the stack is gone")
    cfn, lam, sqs = (aws.client(cfg, s) for s in ("cloudformation", "lambda", "sqs"))

    changeset.delete(cfn, sam_deployment.stack_name)

    assert changeset.stack_status(cfn, sam_deployment.stack_name) is None
    assert s3.get_object(Bucket=cfg.bucket, Key=key)["Body"].read() == b"still here after the stack is gone"
    functions = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    assert not {cfg.extract_function, cfg.insert_function} & functions
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=cfg.dlq_name)
