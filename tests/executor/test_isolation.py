"""What a function can reach on the host: started as root, the stack runs it as an unprivileged user."""

from __future__ import annotations

import os
import pwd

import pytest

from settings.config import PROJECT_ROOT

REPORT_HANDLER = """
import os, stat

def readable(path):
    try:
        with open(path, "rb"):
            return True
    except OSError:
        return False

def listable(path):
    try:
        os.listdir(path)
        return True
    except OSError:
        return False

def handler(event, context):
    home = os.environ["HOME"]
    return {
        "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
        "home": home, "home_mode": stat.S_IMODE(os.stat(home).st_mode), "home_owner": os.stat(home).st_uid,
        "tmpdir": os.environ["TMPDIR"],
        "env_names": sorted(os.environ),
        "reads": {path: readable(path) for path in event["read"]},
        "lists": {path: listable(path) for path in event["list"]},
        "writes_project": os.access(event["project"], os.W_OK),
    }
"""

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="the stack drops privileges only when started as root")


@root_only
def test_a_function_of_a_stack_started_as_root_runs_unprivileged(make_function, cfg):
    dotenv = PROJECT_ROOT / ".env"
    postgres_data = cfg.postgres_dir / "data"
    function = make_function({"app.py": REPORT_HANDLER})

    result = function.invoke(
        {
            "read": [str(dotenv), str(cfg.localstack_dir / "localstack.log"), "/etc/shadow"],
            "list": [str(postgres_data), "/root"],
            "project": str(PROJECT_ROOT),
        }
    )

    assert result.function_error is None, result.log_tail
    report = result.payload
    unprivileged = pwd.getpwnam("localstack-svc")
    assert report["uid"] == report["euid"] == unprivileged.pw_uid != 0, report
    assert report["gid"] == unprivileged.pw_gid and 0 not in report["groups"], report
    # A private HOME and TMPDIR, nobody else's to read.
    assert report["home_owner"] == unprivileged.pw_uid and report["home_mode"] == 0o700, report
    assert report["tmpdir"] == report["home"]
    # No secret within reach: not .env, not LocalStack's log, not the database's files.
    assert not any(report["reads"].values()), report["reads"]
    assert not any(report["lists"].values()), report["lists"]
    assert not report["writes_project"]
    assert not {"POSTGRES_PASSWORD", "POSTGRES_INSERT_PASSWORD", "AWS_PROFILE"} & set(report["env_names"])
