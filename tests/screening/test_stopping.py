"""Stopping rules: the hypergeometric test of Callaghan & Müller-Hansen (2020) and the heuristics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import hypergeom

from sysreview.errors import InputError
from sysreview.screening import (
    STOPPING_RULES,
    ConsecutiveIrrelevantRule,
    FractionScreenedRule,
    HypergeometricRule,
    StoppingRule,
    hypergeometric_pvalue,
    make_stopping_rule,
    register_stopping_rule,
    stopping_points,
)
from tests.screening._strategies import PROBABILITY


def _every_urn(labels: np.ndarray, n_records: int, recall: float) -> float:
    """The test as the paper states it: every sample of the last n records, scipy's hypergeometric CDF, minimum."""
    y = np.asarray(labels)
    r_seen = y.sum()
    k = np.cumsum(y[::-1])
    n = np.arange(1, y.size + 1)
    urn = n_records - y.size + n
    k_hat = np.floor(r_seen / recall - (r_seen - k) + 1)
    p = np.where(k_hat <= urn, hypergeom.cdf(k, urn, np.minimum(k_hat, urn), n), 0.0)
    return float(p.min())


@st.composite
def ranked_screenings(draw: st.DrawFn) -> tuple[np.ndarray, int, float]:
    """Labels that thin out as a ranking would, a data set at least as large, and a target recall."""
    n = draw(st.integers(1, 150))
    rate = draw(st.floats(0.0, 0.6))
    decay = np.linspace(1.0, 0.0, n) ** draw(st.floats(0.5, 4.0))
    seed = draw(st.integers(0, 2**32 - 1))
    labels = (np.random.default_rng(seed).random(n) < rate * decay).astype(np.int64)
    n_records = n + draw(st.integers(0, 400))
    recall = draw(st.sampled_from([0.8, 0.9, 0.95, 0.99]))
    return labels, n_records, recall


@given(ranked_screenings())
def test_pvalue_equals_the_minimum_over_every_urn(case: tuple[np.ndarray, int, float]) -> None:
    """Only the longest sample of each k is computed; the minimum is the same as over all n (scipy's CDF)."""
    labels, n_records, recall = case
    expected = _every_urn(labels, n_records, recall)
    assert hypergeometric_pvalue(labels, n_records, recall=recall) == pytest.approx(expected, abs=PROBABILITY)


def test_pvalue_worked_example() -> None:
    """20 relevant records first, then 280 irrelevant, 700 unscreened, τ = 0.95.

    K̂ = ⌊20/0.95 − 20 + 1⌋ = 2 for every sample without relevant records; the longest, the 280 irrelevant ones,
    gives the smallest p-value: both relevant records in the 700 unscreened of an urn of 980,
    (700·699)/(980·979). Longer samples reach into the relevant records (k > 0) and give p ≈ 1.
    """
    labels = np.r_[np.ones(20), np.zeros(280)].astype(int)
    expected = (700 * 699) / (980 * 979)
    assert hypergeometric_pvalue(labels, 1000, recall=0.95) == pytest.approx(expected, rel=1e-12)
    assert not HypergeometricRule(recall=0.95, confidence=0.95).should_stop(labels, 1000)


def test_pvalue_is_zero_when_the_unscreened_records_cannot_hold_the_missing_ones() -> None:
    """10 found, τ = 0.5 needs K̂ = 11 relevant in the urn: with one record left, H0 is impossible."""
    labels = np.r_[np.ones(10), np.zeros(5)].astype(int)
    assert hypergeometric_pvalue(labels, 16, recall=0.5) == 0.0


def test_hypergeometric_rule_keeps_its_promise_on_random_orders() -> None:
    """With a random order (the worst case the test allows) recall < τ at the stop happens in ≤ 5 % of runs."""
    rng = np.random.default_rng(20200)
    n_records, n_relevant, rule = 400, 20, HypergeometricRule(recall=0.9, confidence=0.95)
    missed = 0
    for _ in range(200):
        labels = np.zeros(n_records, dtype=np.int64)
        labels[rng.choice(n_records, n_relevant, replace=False)] = 1
        (stop,) = stopping_points(labels, n_records, [rule])
        assert stop.recall is not None
        missed += stop.recall < 0.9
    assert missed <= 10  # 5 % of 200


def test_rules_on_a_ranked_sequence() -> None:
    labels = np.r_[[1, 1, 0, 1], np.zeros(296)].astype(int)
    n_records = 1000
    consecutive, fraction = ConsecutiveIrrelevantRule(n=50), FractionScreenedRule(fraction=0.25)
    assert not consecutive.should_stop(labels[:53], n_records)
    assert consecutive.should_stop(labels[:54], n_records)
    assert not fraction.should_stop(labels[:249], n_records)
    assert fraction.should_stop(labels[:250], n_records)
    stops = stopping_points(labels, n_records, [consecutive, fraction, HypergeometricRule()])
    assert [s.n_screened for s in stops[:2]] == [54, 250]
    assert [s.recall for s in stops[:2]] == [1.0, 1.0]
    assert stops[2].n_screened is not None
    assert stops[2].n_screened > 54  # the guarantee needs more evidence than the heuristic


def test_nothing_relevant_seen_never_stops_before_the_end() -> None:
    rule = HypergeometricRule()
    assert not rule.should_stop(np.zeros(99, dtype=int), 100)
    assert rule.should_stop(np.zeros(100, dtype=int), 100)
    assert not ConsecutiveIrrelevantRule(n=5).should_stop(np.zeros(50, dtype=int), 100)


@given(ranked_screenings())
def test_bisection_finds_the_same_stop_as_checking_every_record(case: tuple[np.ndarray, int, float]) -> None:
    labels, n_records, recall = case
    padded = np.r_[labels, np.zeros(n_records - labels.size, dtype=np.int64)]
    rules: list[StoppingRule] = [
        HypergeometricRule(recall=recall),
        ConsecutiveIrrelevantRule(n=7),
        FractionScreenedRule(fraction=0.3),
    ]
    for rule, stop in zip(rules, stopping_points(labels, n_records, rules), strict=True):
        first = next(n for n in range(1, n_records + 1) if rule.should_stop(padded[:n], n_records))
        assert stop.n_screened == first


def test_a_rule_that_never_fires_reports_none() -> None:
    class Never:
        name = "never"

        def should_stop(self, labels: object, n_records: int) -> bool:
            return False

    (stop,) = stopping_points([1, 0, 0], 5, [Never()])
    assert (stop.n_screened, stop.recall, stop.fraction_screened) == (None, None, None)


def test_registry() -> None:
    assert set(STOPPING_RULES) >= {"hypergeometric", "consecutive_irrelevant", "fraction_screened"}
    rule = make_stopping_rule("hypergeometric", recall=0.9, confidence=0.99)
    assert isinstance(rule, StoppingRule)
    assert rule.name == "hypergeometric(recall=0.9, confidence=0.99)"
    register_stopping_rule("budget", lambda n=10: FractionScreenedRule(fraction=n / 100))
    try:
        assert make_stopping_rule("budget", n=20).should_stop(np.zeros(20, dtype=int), 100)
    finally:
        del STOPPING_RULES["budget"]
    with pytest.raises(InputError, match="unknown stopping rule 'knee'; choose one of: consecutive_irrelevant"):
        make_stopping_rule("knee")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: HypergeometricRule(recall=1.0), "recall must be in"),
        (lambda: HypergeometricRule(confidence=0.0), "confidence must be in"),
        (lambda: ConsecutiveIrrelevantRule(n=0), "positive number"),
        (lambda: FractionScreenedRule(fraction=0.0), "fraction must be in"),
        (lambda: hypergeometric_pvalue([1, 0], 1), "2 labels for a data set of 1"),
    ],
)
def test_input_errors(build: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        build()  # type: ignore[operator]
