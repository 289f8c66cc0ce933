"""Bucket names S3 would refuse are refused first, by the settings and by the AWS commands."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from awsdeploy import commands, target
from settings import config
from tests.unit.awsdeploy.test_template import load

VALID = ["abc", "file-upload-extraction-example", "acme.backup.uploads", "1-2-3", "a" * 63]
INVALID = [
    "ab",  # too short
    "a" * 64,  # too long
    "My_Bucket",  # upper case, underscore
    "-acme",
    "acme-",
    "acme..uploads",
    "192.168.1.10",  # an IP address
    "xn--acme",
    "sthree-acme",
    "acme-s3alias",
    "acme--ol-s3",
    "acme.mrap",
    "acme--x-s3",
    "acme uploads",
]


@pytest.mark.parametrize("name", VALID)
def test_names_s3_accepts_are_settings(monkeypatch, name):
    monkeypatch.setenv("BUCKET", name)
    assert config.load().bucket == name


@pytest.mark.parametrize("name", INVALID)
def test_names_s3_refuses_are_refused_when_the_settings_are_read(monkeypatch, name):
    monkeypatch.setenv("BUCKET", name)
    with pytest.raises(config.InvalidSetting, match=r"^BUCKET must be an S3 bucket name \(3 to 63 lowercase"):
        config.load()


SESSION = SimpleNamespace(profile_name="prod", region_name="eu-west-1")


def request(**options) -> commands.AwsRequest:
    return commands.AwsRequest(command="plan-aws", profile="prod", secret="s", **options)


def test_an_invalid_uploads_bucket_is_refused_before_aws_is_asked(monkeypatch):
    monkeypatch.setattr(target, "account_id", lambda session: pytest.fail("AWS asked"))
    with pytest.raises(target.TargetError, match=r"^bucket must be an S3 bucket name .*, not 'Acme_Uploads'$"):
        commands._deployment(request(bucket="Acme_Uploads"), SESSION)


def test_the_default_zips_bucket_is_a_valid_name_or_says_how_to_get_one(monkeypatch):
    monkeypatch.setattr(target, "account_id", lambda session: "123456789012")
    deployment = commands._deployment(request(bucket="acme-uploads", stack="FileUpload"), SESSION)
    assert deployment.code_bucket == "fileupload-artifacts-123456789012-eu-west-1"
    with pytest.raises(target.TargetError, match="code_bucket=, or a shorter stack="):
        commands._deployment(request(bucket="acme-uploads", stack="x" * 40), SESSION)
    given = commands._deployment(request(bucket="acme-uploads", stack="x" * 40, code_bucket="Legacy_Zips"), SESSION)
    assert given.code_bucket == "Legacy_Zips"  # an existing bucket, named by its owner


def test_the_templates_pattern_admits_every_valid_name():
    spec = load()["Parameters"]["BucketName"]
    pattern = re.compile(spec["AllowedPattern"])  # CloudFormation matches the whole value
    for name in VALID:
        assert pattern.fullmatch(name) and spec["MinLength"] <= len(name) <= spec["MaxLength"], name
    assert not pattern.fullmatch("My_Bucket")
