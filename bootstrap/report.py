"""What bootstrap did to each resource, printed as it goes."""

from __future__ import annotations

from collections import Counter

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class Report:
    def __init__(self, log=print) -> None:
        self.log = log
        self.outcomes: Counter[str] = Counter()

    def record(self, outcome: str, resource: str) -> str:
        self.outcomes[outcome] += 1
        self.log(f"  {outcome:<10} {resource}")
        return outcome

    @property
    def changed(self) -> bool:
        return bool(self.outcomes[CREATED] or self.outcomes[UPDATED])

    def summary(self) -> str:
        if not self.changed:
            return f"bootstrap: nothing to change ({self.outcomes[UNCHANGED]} resources up to date)"
        parts = ", ".join(f"{self.outcomes[k]} {k}" for k in (CREATED, UPDATED, UNCHANGED) if self.outcomes[k])
        return f"bootstrap: {parts}"
