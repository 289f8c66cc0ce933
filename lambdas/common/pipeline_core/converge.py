"""What both functions' ``sync`` share: the outcome they report, and a bound on passes.

extract's sync reads the state of one key, acts, and reads it again after acting, until
a pass finds nothing to do. A key that keeps changing for MAX_PASSES passes fails its
record (NotSettled), so that the invocation's asynchronous retry takes over. insert's
sync needs one pass: syncs of one key take turns (``indexer.sync``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_PASSES = 5


class NotSettled(RuntimeError):
    """The key kept changing while it was being synced."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} kept changing during {MAX_PASSES} passes; the retry takes over")


@dataclass(frozen=True)
class Outcome:
    """What one sync did to a key, and what else it touched (logged with the record)."""

    action: str
    key: str
    passes: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        return {"action": self.action, "key": self.key, "passes": self.passes, **self.details}
