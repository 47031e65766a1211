"""Agreement between two reviewers: percent agreement and Cohen's kappa, per stage and reviewer pair.

Both are computed over the records the two reviewers both voted on, from their votes in force, with the labels as
they gave them (``include``, ``exclude``, ``maybe``): a ``maybe`` against an ``include`` counts as a disagreement,
although both carry the record forward at title/abstract.

Cohen's kappa is κ = (p_o − p_e) / (1 − p_e), with p_o the proportion of records on which the two agree and p_e the
agreement expected by chance from each reviewer's own label frequencies. It is undefined (None) when p_e = 1, that
is when both reviewers gave every record the same single label.

References
----------
Cohen J (1960). A coefficient of agreement for nominal scales. Educational and Psychological Measurement
20(1):37–46. doi:10.1177/001316446002000104
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from sysreview.errors import InputError
from sysreview.review._state import ScreeningState
from sysreview.review._vocab import Stage

__all__ = ["Agreement", "agreement", "cohen_kappa"]

#: the categories of the agreement tables, in this order
CATEGORIES: tuple[str, ...] = ("include", "exclude", "maybe")


@dataclass(frozen=True, slots=True, kw_only=True)
class Agreement:
    """Agreement of two reviewers at one stage."""

    stage: Stage
    reviewer_a: str
    reviewer_b: str
    n: int
    """Records both reviewers voted on."""
    agreed: int
    """Of those, records they gave the same label."""
    percent_agreement: float | None
    """100 · agreed / n (percent); None when n = 0."""
    kappa: float | None
    """Cohen's κ; None when n = 0 or when chance agreement is 1."""
    categories: tuple[str, ...]
    table: tuple[tuple[int, ...], ...]
    """Counts: row = ``reviewer_a``'s label, column = ``reviewer_b``'s, in the order of ``categories``."""

    def to_dict(self) -> dict[str, Any]:
        """The agreement as plain data."""
        return {
            "stage": self.stage,
            "reviewer_a": self.reviewer_a,
            "reviewer_b": self.reviewer_b,
            "n": self.n,
            "agreed": self.agreed,
            "percent_agreement": self.percent_agreement,
            "kappa": self.kappa,
            "categories": list(self.categories),
            "table": [list(row) for row in self.table],
        }


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's κ of two raters' labels of the same items (``a[i]`` and ``b[i]`` label item ``i``).

    Returns None when there are no items or when chance agreement is 1 (κ is undefined).
    """
    if len(a) != len(b):
        raise InputError(f"the two raters label different numbers of items ({len(a)} and {len(b)})")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    categories = set(a) | set(b)
    expected = sum((a.count(c) / n) * (b.count(c) / n) for c in categories)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def agreement(state: ScreeningState, stage: Stage) -> tuple[Agreement, ...]:
    """Agreement of every pair of reviewers who voted on at least one common record at ``stage``.

    Pairs are ordered by name; pairs without a common record are left out.
    """
    votes = state.votes(stage)
    reviewers = sorted({name for by_reviewer in votes.values() for name in by_reviewer})
    results: list[Agreement] = []
    for first, second in combinations(reviewers, 2):
        a: list[str] = []
        b: list[str] = []
        for by_reviewer in votes.values():
            if first in by_reviewer and second in by_reviewer:
                a.append(by_reviewer[first])
                b.append(by_reviewer[second])
        if not a:
            continue
        agreed = sum(x == y for x, y in zip(a, b, strict=True))
        table = tuple(
            tuple(sum(1 for x, y in zip(a, b, strict=True) if x == row and y == column) for column in CATEGORIES)
            for row in CATEGORIES
        )
        results.append(
            Agreement(
                stage=stage,
                reviewer_a=first,
                reviewer_b=second,
                n=len(a),
                agreed=agreed,
                percent_agreement=100.0 * agreed / len(a),
                kappa=cohen_kappa(a, b),
                categories=CATEGORIES,
                table=table,
            )
        )
    return tuple(results)
