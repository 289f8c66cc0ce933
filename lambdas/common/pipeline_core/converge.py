"""What both functions' ``sync`` report: the outcome of one sync of one key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Outcome:
    """What one sync did to a key, and what else it touched (logged with the record)."""

    action: str
    key: str
    passes: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        return {"action": self.action, "key": self.key, "passes": self.passes, **self.details}
