"""Commands meant for AWS reach AWS with an explicit profile, or stop with a clear message."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from awsdeploy import target
from settings.config import PROJECT_ROOT


@pytest.fixture()
def aws_config(tmp_path, monkeypatch):
    """An isolated ~/.aws: nothing of the machine's own configuration or credentials is used."""
    config = tmp_path / "config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name in (
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
        ):
            monkeypatch.delenv(name)
    config.write_text(
        "[profile nocreds]\nregion = eu-west-1\n"
        "[profile noregion]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"
        "[profile local]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:4566\n"
        "aws_access_key_id = test\naws_secret_access_key = test\n"
        "[profile prod]\nregion = eu-west-1\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"
    )
    return config


@pytest.mark.parametrize("profile", ["", None])
def test_no_profile_is_refused(aws_config, profile):
    with pytest.raises(target.TargetError, match=r"needs an explicit one.*profile=my-profile"):
        target.session(profile, None)


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_CLOUDFORMATION"])
def test_endpoint_overrides_are_refused(aws_config, variable):
    with pytest.raises(target.TargetError, match=f"{variable} is set.*LocalStack"):
        target.session("prod", None, environ={variable: "http://localhost:4566"})


def test_unknown_profile_says_how_to_create_it(aws_config):
    expected = "'missing' is not configured: `aws configure --profile missing`"
    with pytest.raises(target.TargetError, match=re.escape(expected)):
        target.session("missing", None)


def test_a_region_is_required(aws_config):
    with pytest.raises(target.TargetError, match="no region for profile 'noregion'"):
        target.session("noregion", None)
    assert target.session("noregion", "eu-central-1").region_name == "eu-central-1"


def test_a_profile_pointing_at_localstack_is_refused(aws_config):
    session = target.session("local", None)
    expected = "endpoint of profile 'local' is http://127.0.0.1:4566, not AWS"
    with pytest.raises(target.TargetError, match=re.escape(expected)):
        target.client(session, "cloudformation")


def test_clients_of_a_plain_profile_talk_to_aws(aws_config):
    session = target.session("prod", None)
    for service in ("s3", "cloudformation", "sts"):
        assert ".amazonaws.com" in target.client(session, service).meta.endpoint_url


def test_missing_credentials_are_reported_before_anything_else(aws_config, monkeypatch):
    # LocalStack users often export dummy keys: an explicit profile must not pick them up.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    session = target.session("nocreds", None)
    expected = "no AWS credentials found for profile 'nocreds': `aws sso login"
    with pytest.raises(target.TargetError, match=re.escape(expected)):
        target.account_id(session)


def test_plan_aws_without_credentials_fails_with_a_clear_message(aws_config):
    result = subprocess.run(
        [sys.executable, "-m", "cli", "plan-aws", "--profile", "nocreds", "--bucket", "acme-uploads", "--secret", "s"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert result.returncode == 1, result
    assert result.stderr.strip().splitlines() == [
        "error: no AWS credentials found for profile 'nocreds': "
        "`aws sso login --profile nocreds` or `aws configure --profile nocreds`"
    ]
    assert "Traceback" not in result.stderr
