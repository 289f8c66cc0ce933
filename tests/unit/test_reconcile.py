"""reconcile: every kind of drift found once, nothing on a consistent stack; re-drives, dry run, JSON, exit status."""

import io
import json
from dataclasses import replace

import pytest

from operations import reconcile
from operations.reconcile import STAGES, Extracted, Finding, compare
from pipeline_core.document import SourceVersion
from settings import config
from tests.fakes import offline_s3

CFG = replace(config.load(), upload_prefix="uploads/", extracted_prefix="extracted/")
V1 = SourceVersion("e1", 10, 1_767_225_600_000)
V2 = SourceVersion("e2", 12, 1_767_225_601_000)
LONG = "uploads/" + "ü" * 508


def consistent(*keys: str):
    uploads = {key: V1 for key in keys}
    extracted = {CFG.extracted_key(key): Extracted(key, V1) for key in keys}
    rows = {key: (CFG.extracted_key(key), V1) for key in keys}
    return uploads, extracted, rows


def test_a_consistent_stack_has_no_findings():
    uploads, extracted, rows = consistent("uploads/a.txt", "uploads/b/c.pdf", LONG)
    uploads = {"uploads/folder/": V1, **uploads}  # a folder placeholder is not a file (listed first)
    assert compare(CFG, uploads, extracted, rows) == []
    assert compare(CFG, {**uploads, "uploads/new.txt": V1}, extracted, rows)[0].upload_key == "uploads/new.txt"


@pytest.mark.parametrize(
    ("stage", "drift"),
    [
        ("not-extracted", lambda u, e, r: e.pop("extracted/a.txt")),
        ("stale-extraction", lambda u, e, r: e.update({"extracted/a.txt": Extracted("uploads/a.txt", V2)})),
        ("stale-extraction", lambda u, e, r: e.update({"extracted/a.txt": Extracted("uploads/a.txt", None)})),
        ("not-indexed", lambda u, e, r: r.pop("uploads/a.txt")),
        ("stale-index", lambda u, e, r: r.update({"uploads/a.txt": ("extracted/a.txt", V2)})),
        ("stale-index", lambda u, e, r: r.update({"uploads/a.txt": ("extracted/a.txt", None)})),  # from before 0002
        ("orphan-extraction", lambda u, e, r: (u.pop("uploads/a.txt"), r.pop("uploads/a.txt"))),
        ("orphan-index", lambda u, e, r: (u.pop("uploads/a.txt"), e.pop("extracted/a.txt"))),
    ],
)
def test_each_drift_is_one_finding_with_the_function_that_repairs_it(stage, drift):
    uploads, extracted, rows = consistent("uploads/a.txt", "uploads/b.txt")
    drift(uploads, extracted, rows)
    [finding] = compare(CFG, uploads, extracted, rows)
    assert finding == Finding(stage, "uploads/a.txt", "extracted/a.txt")
    assert finding.event_key == ("uploads/a.txt" if STAGES[stage][1] == "extract" else "extracted/a.txt")


def test_shortened_document_keys_are_followed_both_ways():
    uploads, extracted, rows = consistent(LONG)
    target = CFG.extracted_key(LONG)
    assert compare(CFG, {}, extracted, rows) == [
        Finding("orphan-extraction", LONG, target),
        Finding("orphan-index", LONG, target),
    ]
    assert compare(CFG, uploads, {}, {}) == [Finding("not-extracted", LONG, target)]


# --- reading the bucket (moto) and re-driving (a fake Lambda API) ------------------------------


@pytest.fixture
def s3(monkeypatch):
    with offline_s3(monkeypatch, CFG.bucket) as client:

        def client_of(cfg, service, **_):
            assert (cfg, service) == (CFG, "s3"), "S3 of the configured stack"
            return client

        monkeypatch.setattr("settings.aws.client", client_of)
        yield client


def _upload(s3, key: str, body: bytes) -> SourceVersion:
    s3.put_object(Bucket=CFG.bucket, Key=key, Body=body)
    return SourceVersion.of(s3.head_object(Bucket=CFG.bucket, Key=key))


def _document(s3, upload_key: str, version: SourceVersion) -> str:
    target = CFG.extracted_key(upload_key)
    s3.put_object(
        Bucket=CFG.bucket, Key=target, Body=json.dumps({"SourceKey": upload_key}).encode(), Metadata=version.metadata()
    )
    return target


def test_find_reads_versions_from_the_bucket_and_follows_shortened_keys(s3, monkeypatch):
    current = _upload(s3, "uploads/a.txt", b"current")
    _document(s3, "uploads/a.txt", current)
    long_version = _upload(s3, LONG, b"long")
    long_target = _document(s3, LONG, long_version)
    _document(s3, "uploads/gone.txt", V1)  # its upload was deleted
    stale = _upload(s3, "uploads/stale.txt", b"new bytes")
    _document(s3, "uploads/stale.txt", V1)
    _upload(s3, "uploads/new.txt", b"not extracted yet")
    gone_long = "uploads/" + "é" * 508
    gone_long_target = _document(s3, gone_long, V1)  # a shortened key whose upload was deleted
    # A document is known by its key and metadata: its body is read only for shortened keys.
    s3.put_object(Bucket=CFG.bucket, Key="extracted/opaque.txt", Body=b"not JSON", Metadata=V1.metadata())
    rows = {
        "uploads/a.txt": ("extracted/a.txt", current),
        LONG: (long_target, long_version),
        "uploads/stale.txt": ("extracted/stale.txt", stale),
    }
    monkeypatch.setattr(reconcile, "_rows", lambda cfg: rows if cfg is CFG else pytest.fail("another stack"))

    assert sorted(reconcile.find(CFG), key=lambda f: f.upload_key) == sorted(
        [
            Finding("orphan-extraction", "uploads/gone.txt", "extracted/gone.txt"),
            Finding("not-extracted", "uploads/new.txt", "extracted/new.txt"),
            Finding("orphan-extraction", "uploads/opaque.txt", "extracted/opaque.txt"),
            Finding("stale-extraction", "uploads/stale.txt", "extracted/stale.txt"),
            Finding("orphan-extraction", gone_long, gone_long_target),
        ],
        key=lambda f: f.upload_key,
    )


def test_listing_is_by_prefix_and_an_empty_one_is_empty(s3):
    _upload(s3, "uploads/a.txt", b"a")
    _document(s3, "uploads/a.txt", V1)
    assert list(reconcile._list(s3, CFG.bucket, "uploads/")) == ["uploads/a.txt"]
    assert reconcile._list(s3, CFG.bucket, "nothing-here/") == {}


def test_a_document_that_cannot_be_read_is_of_no_known_version(s3, monkeypatch):
    _document(s3, "uploads/vanishing.txt", V1)
    real_head = s3.head_object

    def head_object(**kwargs):
        if kwargs["Key"] == "extracted/vanishing.txt":  # deleted between the listing and the HEAD
            real_head(Bucket=CFG.bucket, Key="extracted/no-such-document")
        return real_head(**kwargs)

    monkeypatch.setattr(s3, "head_object", head_object)
    assert reconcile._documents(CFG, s3, ["extracted/vanishing.txt"]) == {
        "extracted/vanishing.txt": Extracted("uploads/vanishing.txt", None)
    }


class Lambda:
    """The Lambda invoke API: records what was invoked; keys in ``failing`` answer FunctionError."""

    def __init__(self, failing=()):
        self.failing = set(failing)
        self.calls: list[tuple[str, str, str]] = []

    def invoke(self, FunctionName, Payload, **_):
        [record] = json.loads(Payload)["Records"]
        assert (record["awsRegion"], record["s3"]["bucket"]["name"]) == (CFG.region, CFG.bucket)
        key = record["s3"]["object"]["key"]
        self.calls.append((FunctionName, record["eventName"], key))
        if key in self.failing:
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(b'{"errorMessage": "boom"}')}
        return {"StatusCode": 200, "Payload": io.BytesIO(b"[]")}


@pytest.fixture
def lam(monkeypatch):
    function = Lambda()

    def invoker(cfg, **_):
        assert cfg is CFG, "the Lambda API of the configured stack"
        return function

    monkeypatch.setattr("settings.aws.invoker", invoker)
    return function


def test_redrive_invokes_the_owning_function_then_insert_for_the_document(lam):
    findings = [
        Finding("not-extracted", "uploads/a b.txt", "extracted/a b.txt"),
        Finding("orphan-index", "uploads/gone.txt", "extracted/gone.txt"),
        Finding("stale-index", "uploads/c.txt", "extracted/c.txt"),
    ]
    assert reconcile.redrive(CFG, findings, log=lambda line: None) == 0
    assert sorted(lam.calls) == sorted(
        [
            (CFG.extract_function, "ObjectCreated:Put", "uploads/a+b.txt"),
            (CFG.insert_function, "ObjectCreated:Put", "extracted/a+b.txt"),
            (CFG.insert_function, "ObjectRemoved:Delete", "extracted/gone.txt"),
            (CFG.insert_function, "ObjectCreated:Put", "extracted/c.txt"),
        ]
    )


def test_redrive_counts_and_reports_each_failure_and_skips_insert_after_a_failed_extract(lam):
    lam.failing = {"uploads/bad.txt", "extracted/c.txt"}
    lines: list[str] = []
    findings = [
        Finding("not-extracted", "uploads/bad.txt", "extracted/bad.txt"),
        Finding("stale-index", "uploads/c.txt", "extracted/c.txt"),
        Finding("not-indexed", "uploads/d.txt", "extracted/d.txt"),
    ]
    assert reconcile.redrive(CFG, findings, log=lines.append) == 2
    assert (CFG.insert_function, "ObjectCreated:Put", "extracted/bad.txt") not in lam.calls
    assert sorted(line.split(":")[0].split()[-1] for line in lines) == ["extracted/c.txt", "uploads/bad.txt"]
    assert all(line.lstrip().startswith("failed") and "boom" in line for line in lines)


@pytest.fixture
def found(monkeypatch):
    findings = [
        Finding("not-extracted", "uploads/a.txt", "extracted/a.txt"),
        Finding("orphan-index", "uploads/b.txt", "extracted/b.txt"),
    ]
    monkeypatch.setattr(reconcile, "find", lambda cfg: list(findings))
    return findings


def test_dry_run_reports_every_finding_and_re_drives_nothing(found, monkeypatch):
    monkeypatch.setattr(reconcile, "redrive", lambda *a, **k: pytest.fail("a dry run re-drove"))
    lines: list[str] = []
    assert reconcile.run(CFG, dry_run=True, log=lines.append) == 0
    assert lines[0].split() == ["not-extracted", "uploads/a.txt", "(uploaded", "but", "not", "extracted)"]
    assert lines[1].split()[:2] == ["orphan-index", "uploads/b.txt"]
    assert lines[-1] == "reconcile: 2 file(s) stuck"


def test_json_output_lists_stage_and_both_keys(found, monkeypatch, capsys):
    monkeypatch.setattr(reconcile, "redrive", lambda *a, **k: 0)
    assert reconcile.run(CFG, dry_run=True, as_json=True, log=lambda line: None) == 0
    out = capsys.readouterr().out
    assert out.startswith('[\n  {\n    "stage": "not-extracted",')  # indented for people, parsed by tools
    assert json.loads(out) == [
        {"stage": "not-extracted", "key": "uploads/a.txt", "extracted_key": "extracted/a.txt"},
        {"stage": "orphan-index", "key": "uploads/b.txt", "extracted_key": "extracted/b.txt"},
    ]


@pytest.mark.parametrize(
    ("still_failing", "status", "summary"),
    [(0, 0, "re-driven 2, still failing 0"), (1, 1, "re-driven 1, still failing 1")],
)
def test_exit_status_says_whether_every_re_drive_succeeded(found, monkeypatch, still_failing, status, summary):
    redriven = []
    monkeypatch.setattr(
        reconcile, "redrive", lambda cfg, findings, log: redriven.append((cfg, findings)) or still_failing
    )
    lines: list[str] = []
    assert reconcile.run(CFG, dry_run=False, log=lines.append) == status
    assert redriven == [(CFG, found)] and lines[-1] == summary


def test_a_consistent_stack_says_so_and_re_drives_nothing(monkeypatch):
    monkeypatch.setattr(reconcile, "find", lambda cfg: [])
    monkeypatch.setattr(reconcile, "redrive", lambda *a, **k: pytest.fail("nothing to re-drive"))
    lines: list[str] = []
    assert reconcile.run(CFG, dry_run=False, log=lines.append) == 0
    assert lines == ["reconcile: everything is consistent"]


def test_an_invoke_that_times_out_is_one_failure_reported_with_its_error(lam, monkeypatch):
    from botocore.exceptions import ReadTimeoutError

    real_invoke = lam.invoke

    def invoke(FunctionName, Payload, **kwargs):
        if b"slow.txt" in Payload:
            raise ReadTimeoutError(endpoint_url="http://127.0.0.1:4566/invoke")
        return real_invoke(FunctionName, Payload, **kwargs)

    monkeypatch.setattr(lam, "invoke", invoke)
    lines: list[str] = []
    findings = [
        Finding("not-indexed", "uploads/slow.txt", "extracted/slow.txt"),
        Finding("not-indexed", "uploads/d.txt", "extracted/d.txt"),
    ]
    assert reconcile.redrive(CFG, findings, log=lines.append) == 1
    assert [line.split() for line in lines] == [
        [
            "failed",
            "extracted/slow.txt:",
            "ReadTimeoutError:",
            "Read",
            "timeout",
            "on",
            "endpoint",
            "URL:",
            '"http://127.0.0.1:4566/invoke"',
        ]
    ]
