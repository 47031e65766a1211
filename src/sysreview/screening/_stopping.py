"""Stopping rules: when may ranked screening stop? A statistical rule with a recall guarantee, and two heuristics.

A rule looks at the labels so far, in the order they were screened (random prior records included), and the
number of records in the data set; ``should_stop`` is its one method. Rules are registered by name in
``STOPPING_RULES``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln

from sysreview.errors import InputError

__all__ = [
    "STOPPING_RULES",
    "ConsecutiveIrrelevantRule",
    "FractionScreenedRule",
    "HypergeometricRule",
    "StoppingRule",
    "hypergeometric_pvalue",
    "make_stopping_rule",
    "register_stopping_rule",
]

IntArray = npt.NDArray[np.int64]


@runtime_checkable
class StoppingRule(Protocol):
    """A stopping rule: ``should_stop(labels, n_records)`` with the 0/1 labels in screening order.

    A rule must be monotone between relevant records: once it says stop, screening more irrelevant records does
    not make it take that back (``stopping_points`` relies on it to find the stop by bisection). It must say
    stop once every record is screened.
    """

    @property
    def name(self) -> str:
        """Registry name and parameters, for reports (``"hypergeometric(recall=0.95, confidence=0.95)"``)."""
        ...

    def should_stop(self, labels: npt.ArrayLike, n_records: int) -> bool:
        """True when screening may stop after the records labelled so far."""
        ...


def _labels(labels: npt.ArrayLike, n_records: int) -> IntArray:
    y = np.asarray(labels, dtype=np.int64)
    if y.ndim != 1:
        raise InputError(f"labels must be one-dimensional, got shape {y.shape}")
    if y.size > n_records:
        raise InputError(f"{y.size} labels for a data set of {n_records} records")
    return y


def _log_choose(n: npt.NDArray[np.float64], k: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1), dtype=np.float64)


def _hypergeometric_lower_tail(
    k: IntArray, population: IntArray, successes: IntArray, draws: IntArray
) -> npt.NDArray[np.float64]:
    """P(X ≤ k) for X ~ Hypergeometric(population, successes, draws), elementwise, summing the pmf in log space.

    Faster than ``scipy.stats.hypergeom.cdf`` for the small ``k`` of a stopping test; where ``successes`` exceeds
    ``population`` the event is impossible under the hypothesis and the probability is 0.
    """
    out = np.zeros(k.size)
    valid = successes <= population
    if not valid.any():
        return out
    kk, mm, ss, nn = k[valid], population[valid], successes[valid], draws[valid]
    # one row per (case, j) with j = 0 … k of that case
    rows = np.repeat(np.arange(kk.size), kk + 1)
    starts = np.cumsum(kk + 1) - (kk + 1)
    j = (np.arange(rows.size) - np.repeat(starts, kk + 1)).astype(np.float64)
    m, s, n = mm[rows].astype(np.float64), ss[rows].astype(np.float64), nn[rows].astype(np.float64)
    feasible = (j <= s) & (j <= n) & (n - j <= m - s)
    log_pmf = np.full(rows.size, -np.inf)
    f = feasible
    log_pmf[f] = _log_choose(s[f], j[f]) + _log_choose(m[f] - s[f], n[f] - j[f]) - _log_choose(m[f], n[f])
    out[valid] = np.minimum(np.bincount(rows, weights=np.exp(log_pmf), minlength=kk.size), 1.0)
    return out


def hypergeometric_pvalue(labels: npt.ArrayLike, n_records: int, *, recall: float = 0.95) -> float:
    """p-value of H0 "recall is below ``recall``" after screening ``labels`` (Callaghan & Müller-Hansen 2020).

    The last n screened records are treated as a random sample, drawn without replacement, from themselves and the
    unscreened records (an urn of N − N_seen + n records). Under H0 the urn holds at least
    K̂ = ⌊r_seen/τ − (r_seen − k) + 1⌋ relevant records, where k is the number found in the sample; the p-value
    for that sample is the hypergeometric probability of finding k or fewer. Every n = 1 … N_seen is tried and the
    smallest p-value returned (the ranking puts likely relevant records first, so the recent records are at least
    as likely to be relevant as the unscreened ones, which makes the test conservative). Where K̂ exceeds the
    urn, H0 is impossible and the p-value is 0.

    For a fixed k the p-value falls as n grows (one more irrelevant record drawn), so the minimum is found among
    the longest sample of each k: those ending just before a relevant record, and the whole sequence. Only these
    r_seen + 1 samples are computed.

    Parameters
    ----------
    labels
        0/1 labels in screening order.
    n_records
        Records in the data set (screened and not).
    recall
        Target recall τ.

    References
    ----------
    Callaghan MW, Müller-Hansen F (2020). Statistical stopping criteria for automated screening in systematic
    reviews. Systematic Reviews 9:273. doi:10.1186/s13643-020-01521-4
    """
    y = _labels(labels, n_records)
    if not 0.0 < recall < 1.0:
        raise InputError(f"recall must be in (0, 1), got {recall}")
    if y.size == 0:
        return 1.0
    backwards = y[::-1]
    found_in_sample = np.cumsum(backwards)  # k for the last 1, 2, … records
    # longest sample for each k: the one before the next relevant record (backwards), and the whole sequence
    last_of_k = np.append(np.flatnonzero(backwards[1:] == 1), y.size - 1)
    k = found_in_sample[last_of_k]
    sample_size = last_of_k + 1
    r_seen = int(y.sum())
    urn = n_records - y.size + sample_size
    k_hat = np.floor(r_seen / recall - (r_seen - k) + 1).astype(np.int64)
    p = _hypergeometric_lower_tail(k, urn, k_hat, sample_size)
    return float(p.min())


@dataclass(frozen=True, slots=True)
class HypergeometricRule:
    """Stop once H0 "recall < ``recall``" is rejected at level 1 − ``confidence`` (Callaghan & Müller-Hansen 2020).

    The guarantee: if the ranking is at least as good as random among the unscreened records, the probability of
    stopping before ``recall`` is reached is at most 1 − ``confidence``. See :func:`hypergeometric_pvalue`.
    """

    recall: float = 0.95
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if not 0.0 < self.recall < 1.0:
            raise InputError(f"recall must be in (0, 1), got {self.recall}")
        if not 0.0 < self.confidence < 1.0:
            raise InputError(f"confidence must be in (0, 1), got {self.confidence}")

    @property
    def name(self) -> str:
        return f"hypergeometric(recall={self.recall:g}, confidence={self.confidence:g})"

    def should_stop(self, labels: npt.ArrayLike, n_records: int) -> bool:
        y = _labels(labels, n_records)
        if y.size == n_records:
            return True
        if y.sum() == 0:
            return False
        return hypergeometric_pvalue(y, n_records, recall=self.recall) < 1.0 - self.confidence


@dataclass(frozen=True, slots=True)
class ConsecutiveIrrelevantRule:
    """Heuristic: stop after ``n`` irrelevant records in a row (once at least one relevant record was found).

    A common rule of thumb without a recall guarantee (Callaghan & Müller-Hansen 2020 show how its recall varies
    across data sets); reported for comparison with the statistical rule.
    """

    n: int = 100

    def __post_init__(self) -> None:
        if self.n < 1:
            raise InputError(f"n must be a positive number of records, got {self.n}")

    @property
    def name(self) -> str:
        return f"consecutive_irrelevant(n={self.n})"

    def should_stop(self, labels: npt.ArrayLike, n_records: int) -> bool:
        y = _labels(labels, n_records)
        if y.size == n_records:
            return True
        hits = np.flatnonzero(y)
        if hits.size == 0:
            return False
        return bool(y.size - 1 - hits[-1] >= self.n)


@dataclass(frozen=True, slots=True)
class FractionScreenedRule:
    """Heuristic: stop after screening a fixed ``fraction`` of the records (no recall guarantee)."""

    fraction: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.fraction <= 1.0:
            raise InputError(f"fraction must be in (0, 1], got {self.fraction}")

    @property
    def name(self) -> str:
        return f"fraction_screened(fraction={self.fraction:g})"

    def should_stop(self, labels: npt.ArrayLike, n_records: int) -> bool:
        y = _labels(labels, n_records)
        return y.size >= math.ceil(round(self.fraction * n_records, 9))


#: stopping rules by name: a factory taking the rule's keyword options
STOPPING_RULES: dict[str, Callable[..., StoppingRule]] = {
    "hypergeometric": HypergeometricRule,
    "consecutive_irrelevant": ConsecutiveIrrelevantRule,
    "fraction_screened": FractionScreenedRule,
}


def register_stopping_rule(name: str, factory: Callable[..., StoppingRule]) -> None:
    """Make a stopping rule available by ``name`` (replaces an earlier rule of that name)."""
    STOPPING_RULES[name] = factory


def make_stopping_rule(name: str, **options: Any) -> StoppingRule:
    """The rule registered as ``name``, built with ``options``."""
    try:
        factory = STOPPING_RULES[name]
    except KeyError:
        choices = ", ".join(sorted(STOPPING_RULES))
        raise InputError(f"unknown stopping rule {name!r}; choose one of: {choices}") from None
    return factory(**options)
