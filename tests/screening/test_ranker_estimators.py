"""The estimators of the relevant records left (``sysreview.screening._ranker``): the discovery-curve Poisson
process (maximum likelihood against a generic optimiser and recovering known parameters), the EM prior adjustment
(recovering a known prior), Elkan & Noto's positive-unlabelled weights, the screening sequence, and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize
from scipy.special import expit

from sysreview.errors import InputError
from sysreview.screening._ranker import (
    ESTIMATORS,
    DiscoveryCurve,
    discovery_sequence,
    fit_discovery_curve,
    relevant_left_estimates,
    saerens_prior,
)

#: absolute tolerance of a maximum-likelihood fit compared with a generic optimiser's
FIT = 1e-4


def _negative_loglik(params: np.ndarray, x: np.ndarray, phi: np.ndarray) -> float:
    log_a, beta = params
    log_rate = log_a - beta * phi
    return float(np.exp(log_rate).sum() - x @ log_rate)


@pytest.mark.parametrize("shape", ["exponential", "power"])
def test_the_discovery_fit_is_the_maximum_likelihood(shape: str) -> None:
    rng = np.random.default_rng(3)
    t = np.arange(1, 401, dtype=np.float64)
    phi = t if shape == "exponential" else np.log(t)
    x = (rng.random(t.size) < np.minimum(0.6 * np.exp(-(0.01 if shape == "exponential" else 0.7) * phi), 1)).astype(
        np.float64
    )
    curve = fit_discovery_curve(x, shape=shape)
    assert curve is not None
    assert (curve.screened, curve.found) == (400, int(x.sum()))
    reference = optimize.minimize(
        _negative_loglik,
        np.array([0.0, 0.0]),
        args=(x, phi),
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 10_000},
    )
    assert np.log(curve.rate) == pytest.approx(reference.x[0], abs=FIT)
    assert curve.decay == pytest.approx(reference.x[1], abs=FIT)


def test_the_exponential_discovery_fit_recovers_known_parameters() -> None:
    # relevant records found as a Poisson process of rate 2·exp(-0.004 t) over 1,500 records screened (about 499
    # events): the maximum-likelihood estimates are within sampling error (SE of β ≈ 2.6e-4, of log A ≈ 0.07)
    rng = np.random.default_rng(11)
    t = np.arange(1, 1501, dtype=np.float64)
    x = rng.poisson(2.0 * np.exp(-0.004 * t)).astype(np.float64)
    curve = fit_discovery_curve(x)
    assert curve is not None
    assert curve.decay == pytest.approx(0.004, abs=8e-4)
    assert curve.rate == pytest.approx(2.0, rel=0.2)
    # the expected count over the next 1,000 records is the integral of the rate: 2/β·(e^{-6} - e^{-10}) ≈ 1.24
    truth = 2.0 * np.exp(-0.004 * np.arange(1501, 2501)).sum()
    assert curve.expected(1000) == pytest.approx(truth, rel=0.6)
    # and the count is the sum of the fitted rate over those records
    fitted = curve.rate * np.exp(-curve.decay * np.arange(1501, 2501)).sum()
    assert curve.expected(1000) == pytest.approx(fitted, rel=1e-10)


def test_a_constant_rate_gives_the_prevalence_bound() -> None:
    # relevant records later than at random: β = 0, and the estimate is prevalence of the screened × unscreened
    x = np.zeros(100)
    x[[60, 80, 99]] = 1
    curve = fit_discovery_curve(x)
    assert curve is not None
    assert curve.decay == 0.0
    assert curve.rate == pytest.approx(3 / 100)
    assert curve.expected(500) == pytest.approx(15.0)
    assert fit_discovery_curve(np.zeros(10)) is None  # nothing found: no estimate
    with pytest.raises(InputError, match="unknown rate shape 'linear'; choose one of: exponential, power"):
        fit_discovery_curve(x, shape="linear")


def test_the_upper_variant_lowers_the_decay_by_the_profile_likelihood_bound() -> None:
    rng = np.random.default_rng(5)
    x = (rng.random(600) < 0.5 * np.exp(-0.01 * np.arange(1, 601))).astype(np.float64)
    best = fit_discovery_curve(x)
    upper = fit_discovery_curve(x, z=1.0)
    assert best is not None
    assert upper is not None
    assert 0 <= upper.decay < best.decay
    assert upper.expected(1000) > best.expected(1000)

    def loglik(curve: DiscoveryCurve) -> float:
        return -_negative_loglik(np.array([np.log(curve.rate), curve.decay]), x, np.arange(1, 601, dtype=float))

    # the bound's log-likelihood (A profiled out) is z²/2 = 0.5 below the maximum
    assert loglik(best) - loglik(upper) == pytest.approx(0.5, abs=1e-6)


def test_em_prior_adjustment_recovers_a_known_prior() -> None:
    # scores s | relevant ~ N(1, 1), s | irrelevant ~ N(-1, 1): under a training prior of 1/2 the posterior is
    # σ(2 s); on a set with prior 0.1 (20,000 records) EM recovers it within sampling error (SE ≈ 0.003)
    rng = np.random.default_rng(2)
    y = rng.random(20_000) < 0.1
    s = np.where(y, rng.normal(1.0, 1.0, y.size), rng.normal(-1.0, 1.0, y.size))
    prior, adjusted = saerens_prior(expit(2 * s), 0.5)
    assert prior == pytest.approx(float(y.mean()), abs=0.01)
    assert adjusted.mean() == pytest.approx(prior, abs=1e-6)  # the fixed point: π = mean of the adjusted posteriors
    # the adjusted posterior is Bayes' rule with the new prior: odds multiplied by (π/(1-π)) / (π₀/(1-π₀))
    odds = np.exp(2 * s) * prior / (1 - prior)
    assert adjusted == pytest.approx(odds / (1 + odds), abs=1e-9)
    same, unchanged = saerens_prior(np.full(10, 0.3), 0.3)
    assert same == pytest.approx(0.3)
    assert unchanged == pytest.approx(np.full(10, 0.3))


def test_the_discovery_sequence_puts_keys_of_unknown_order_first() -> None:
    ids = ("a", "b", "c", "d", "e")
    labels = [1, 0, -1, 1, 0]
    assert discovery_sequence(ids, labels, ()) is None
    # "e" is labelled but missing from the sequence (a prior): first; "c" is not labelled, "x" unknown, "d" repeated
    found = discovery_sequence(ids, labels, ("d", "x", "c", "b", "d", "a"))
    assert found is not None
    assert found.tolist() == [0, 1, 0, 1]


def test_unknown_estimators_are_refused() -> None:
    X = np.eye(4)
    with pytest.raises(InputError, match="unknown estimator 'knee'; choose one of: " + ", ".join(ESTIMATORS)):
        relevant_left_estimates(X, [0, 1], [1, 0], [2, 3], estimators=("knee",))


@settings(max_examples=60, deadline=None)
@given(
    found=st.lists(st.integers(0, 1), min_size=1, max_size=200),
    unscreened=st.integers(0, 5000),
    z=st.sampled_from([0.0, 1.0, 2.0]),
    shape=st.sampled_from(["exponential", "power"]),
)
def test_discovery_estimates_are_between_zero_and_the_prevalence_bound(
    found: list[int], unscreened: int, z: float, shape: str
) -> None:
    curve = fit_discovery_curve(found, shape=shape, z=z)
    if sum(found) == 0:
        assert curve is None
        return
    assert curve is not None
    assert curve.decay >= 0
    expected = curve.expected(unscreened)
    # a decaying rate expects no more than the constant one (β = 0): prevalence of the screened × unscreened
    assert 0.0 <= expected <= sum(found) / len(found) * unscreened * (1 + 1e-9) + 1e-12


def test_the_ranker_estimate_is_chosen_by_name_and_uses_the_sequence() -> None:
    from sysreview.records import Record, RecordSet
    from sysreview.review import LabelledRecords
    from sysreview.screening import ActiveRanker, default_ranker

    assert default_ranker().estimate == "combined"
    assert ActiveRanker(estimate=False).estimate is None
    with pytest.raises(InputError, match="unknown estimate 'knee'; choose one of: " + ", ".join(ESTIMATORS)):
        ActiveRanker(estimate="knee")
    texts = [f"acne scar fat grafting trial {i}" if i % 3 == 0 else f"keloid burn laser series {i}" for i in range(30)]
    records = RecordSet(tuple(Record(id=f"r{i}", title=t) for i, t in enumerate(texts)))
    labels: list[int | None] = [None] * 30
    for i in range(12):
        labels[i] = int(i % 3 == 0)
    data = LabelledRecords(stage="title_abstract", reviewer="A", records=records, labels=tuple(labels))
    ordered = LabelledRecords(
        stage="title_abstract",
        reviewer="A",
        records=records,
        labels=tuple(labels),
        sequence=tuple(f"r{i}" for i in (0, 3, 6, 9, 1, 2, 4, 5, 7, 8, 10, 11)),
    )
    ranker = default_ranker()
    # the four relevant records first, then eight irrelevant: the fitted decay expects few left, below the
    # constant-rate bound 4/12 × 18 = 6; without the order the ranker falls back to the calibrated estimate
    with_order = ranker.rank(ordered).relevant_left
    assert with_order is not None
    curve = fit_discovery_curve([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], z=1.645)
    assert curve is not None
    calibrated_with_order = ActiveRanker(estimate="calibrated").rank(ordered).relevant_left
    assert calibrated_with_order is not None
    assert with_order == pytest.approx(min(calibrated_with_order, curve.expected(18)))
    assert ActiveRanker(estimate="decay-upper").rank(ordered).relevant_left == pytest.approx(curve.expected(18))
    assert 0 <= with_order < 6
    calibrated = ActiveRanker(estimate="calibrated").rank(data).relevant_left
    assert ranker.rank(data).relevant_left == pytest.approx(calibrated)
