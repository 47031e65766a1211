"""What the checks of one audit share: the claims, the findings so far, and which subjects already failed.

Checks run in a fixed order, and a check skips a subject whose inputs an earlier check found inconsistent (an
estimate outside its own interval has no p-value to test): one error gives one finding, not a cascade.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sysreview.audit._claims import Claims
from sysreview.audit._report import SEVERITIES, Finding, Skipped

__all__ = ["Check", "Context"]


@dataclass
class Context:
    claims: Claims
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    checked: Counter[str] = field(default_factory=Counter)
    failed: dict[str, set[str]] = field(default_factory=dict)  # subject key → checks that flagged it

    def compared(self, check: str, count: int = 1) -> None:
        """Count comparisons a check made (whether or not they gave a finding)."""
        self.checked[check] += count

    def skip(self, check: str, subject: str, reason: str) -> None:
        self.skipped.append(Skipped(check=check, subject=subject, reason=reason))

    def flag(self, key: str, finding: Finding) -> None:
        """Record ``finding`` about the subject ``key``."""
        if finding.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {finding.severity!r}")
        self.findings.append(finding)
        self.failed.setdefault(key, set()).add(finding.check)

    def flagged(self, key: str, checks: Iterable[str] | None = None) -> bool:
        """Whether ``key`` was flagged (by any of ``checks``, or by any check)."""
        found = self.failed.get(key, set())
        return bool(found) if checks is None else bool(found.intersection(checks))


@dataclass(frozen=True, slots=True)
class Check:
    """A named check: ``run`` compares what it can and records findings in the context."""

    name: str
    summary: str  # what it compares, in one line
    tolerance: str  # the tolerance rule, in words
    run: Callable[[Context], None]
