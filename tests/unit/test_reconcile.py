"""reconcile's comparison: every kind of drift found once, nothing on a consistent stack."""

from dataclasses import replace

import pytest
from pipeline_core.document import SourceVersion

from fue import config
from fue.reconcile import STAGES, Extracted, Finding, compare

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
    uploads["uploads/folder/"] = V1  # a folder placeholder is not a file
    assert compare(CFG, uploads, extracted, rows) == []


@pytest.mark.parametrize(("stage", "drift"), [
    ("not-extracted", lambda u, e, r: e.pop("extracted/a.txt")),
    ("stale-extraction", lambda u, e, r: e.update({"extracted/a.txt": Extracted("uploads/a.txt", V2)})),
    ("stale-extraction", lambda u, e, r: e.update({"extracted/a.txt": Extracted("uploads/a.txt", None)})),
    ("not-indexed", lambda u, e, r: r.pop("uploads/a.txt")),
    ("stale-index", lambda u, e, r: r.update({"uploads/a.txt": ("extracted/a.txt", V2)})),
    ("stale-index", lambda u, e, r: r.update({"uploads/a.txt": ("extracted/a.txt", None)})),  # from before 0002
    ("orphan-extraction", lambda u, e, r: (u.pop("uploads/a.txt"), r.pop("uploads/a.txt"))),
    ("orphan-index", lambda u, e, r: (u.pop("uploads/a.txt"), e.pop("extracted/a.txt"))),
])
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
        Finding("orphan-extraction", LONG, target), Finding("orphan-index", LONG, target)]
    assert compare(CFG, uploads, {}, {}) == [Finding("not-extracted", LONG, target)]
