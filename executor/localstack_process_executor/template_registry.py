"""The template process of each function version, and replacing one without holding up the others.

A template that died, or whose hot-reloaded code changed, is replaced before its next fork:
the environment that finds it so starts the successor and waits for its import. Meanwhile
other environments of that version start as fresh processes, and environments of other
versions fork from their own templates as usual: nothing waits on another version's import.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

T = TypeVar("T", bound="Replaceable")


class Replaceable(Protocol):
    def successor(self: T) -> T: ...

    def start(self, timeout: float) -> bool: ...

    def retire(self) -> None: ...


class TemplateRegistry(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._templates: dict[Hashable, T] = {}
        self._replacing: set[Hashable] = set()

    def install(self, key: Hashable, template: T) -> None:
        """Make ``template`` the version's; the one it replaces is retired."""
        with self._lock:
            previous = self._templates.get(key)
            self._templates[key] = template
        if previous is not None and previous is not template:
            previous.retire()

    def remove(self, key: Hashable) -> None:
        """The version is gone: retire its template."""
        with self._lock:
            removed = self._templates.pop(key, None)
        if removed is not None:
            removed.retire()

    def current(self, key: Hashable, stale: Callable[[T], bool], timeout: float) -> T | None:
        """The version's template to fork from; None means a fresh process (no template, or one being replaced).

        ``stale`` says whether a template must be replaced first (it logs why); it runs without
        the registry's lock, since it may look at the files of the function's code.
        """
        with self._lock:
            template = self._templates.get(key)
            if template is None or key in self._replacing:
                return None
        if not stale(template):
            return template
        with self._lock:
            if key in self._replacing or self._templates.get(key) is not template:
                return None  # another environment replaces it, or has just done so
            self._replacing.add(key)
        try:
            template.retire()
            successor = template.successor()
            successor.start(timeout=timeout)
        except BaseException:
            with self._lock:
                self._replacing.discard(key)
            raise
        with self._lock:
            self._replacing.discard(key)
            kept = self._templates.get(key) is template
            if kept:
                self._templates[key] = successor
        if not kept:  # the version went (or was redeployed) during the import
            successor.retire()
            return None
        return successor
