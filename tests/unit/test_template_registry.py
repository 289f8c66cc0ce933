"""The registry of template processes: a replacement holds up no other version, and never two replacements."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from localstack_process_executor.template_registry import TemplateRegistry
from tests.support import poll_until

TIMEOUT_SECONDS = 30  # a bound on a hang, never on speed


class FakeTemplate:
    def __init__(self, name: str, importing: threading.Event | None = None) -> None:
        self.name = name
        self.importing = importing  # start() waits for it: a slow import
        self.started = threading.Event()
        self.retired = False
        self.successors: list[FakeTemplate] = []

    def successor(self) -> FakeTemplate:
        successor = FakeTemplate(f"{self.name}'", self.importing)
        self.successors.append(successor)
        return successor

    def start(self, timeout: float) -> bool:
        self.started.set()
        if self.importing is not None:
            assert self.importing.wait(TIMEOUT_SECONDS), "the test never let the import finish"
        return True

    def retire(self) -> None:
        self.retired = True


def wait_until_its_successor_imports(template: FakeTemplate) -> None:
    poll_until(
        lambda: template.successors and template.successors[0].started.is_set(),
        timeout=TIMEOUT_SECONDS,
        what="the successor's import to start",
        interval=0.01,
    )


def never_stale(template: FakeTemplate) -> bool:
    return False


def always_stale(template: FakeTemplate) -> bool:
    return not template.name.endswith("'")


def test_a_fresh_template_is_forked_from_and_a_missing_one_means_a_fresh_process():
    registry: TemplateRegistry[FakeTemplate] = TemplateRegistry()
    a = FakeTemplate("a")
    registry.install("a", a)
    assert registry.current("a", never_stale, 1) is a
    assert registry.current("b", never_stale, 1) is None


def test_installing_or_removing_retires_the_template_it_replaces():
    registry: TemplateRegistry[FakeTemplate] = TemplateRegistry()
    first, second = FakeTemplate("a"), FakeTemplate("a2")
    registry.install("a", first)
    registry.install("a", second)
    assert first.retired and not second.retired
    registry.remove("a")
    assert second.retired and registry.current("a", never_stale, 1) is None


def test_a_stale_template_is_retired_and_replaced_by_its_successor():
    registry: TemplateRegistry[FakeTemplate] = TemplateRegistry()
    a = FakeTemplate("a")
    registry.install("a", a)
    successor = registry.current("a", always_stale, 1)
    assert successor is a.successors[0] and a.retired and successor.started.is_set()
    assert registry.current("a", always_stale, 1) is successor


def test_while_one_version_imports_its_successor_other_versions_and_environments_do_not_wait():
    registry: TemplateRegistry[FakeTemplate] = TemplateRegistry()
    importing = threading.Event()
    a, b = FakeTemplate("a", importing), FakeTemplate("b")
    registry.install("a", a)
    registry.install("b", b)
    with ThreadPoolExecutor(1) as pool:
        replacing = pool.submit(registry.current, "a", always_stale, 1)
        wait_until_its_successor_imports(a)
        # the successor is importing: b forks as usual, a's other environments start fresh processes
        assert registry.current("b", never_stale, 1) is b
        assert registry.current("a", always_stale, 1) is None
        assert len(a.successors) == 1, "a second replacement was started"
        importing.set()
        assert replacing.result(TIMEOUT_SECONDS) is a.successors[0]
    assert registry.current("a", always_stale, 1) is a.successors[0]


def test_a_version_removed_while_its_successor_imports_gets_no_template():
    registry: TemplateRegistry[FakeTemplate] = TemplateRegistry()
    importing = threading.Event()
    a = FakeTemplate("a", importing)
    registry.install("a", a)
    with ThreadPoolExecutor(1) as pool:
        replacing = pool.submit(registry.current, "a", always_stale, 1)
        wait_until_its_successor_imports(a)
        registry.remove("a")
        importing.set()
        assert replacing.result(TIMEOUT_SECONDS) is None
    assert a.successors[0].retired
    assert registry.current("a", never_stale, 1) is None
