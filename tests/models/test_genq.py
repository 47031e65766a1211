"""GENQ / GENQM (generalised Q estimators with user weights) and the weighted χ² distribution they rest on.

The metafor comparisons of these estimators are oracle cases of tests/data/metafor_extra.json (run through the
command line by tests/cli/test_extra_oracle.py). Here: the distribution function against exact cases, and the
invariants of the estimators (DerSimonian & Kacker 2007; Jackson et al. 2014).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from sysreview.errors import InputError
from sysreview.models import rma
from sysreview.models._quadform import weighted_chi2_sf


@pytest.mark.parametrize("n", [1, 2, 3, 5, 12, 40])
@pytest.mark.parametrize("q", [0.05, 1.0, 4.0, 15.0, 60.0])
def test_equal_weights_give_a_scaled_chi_square(n: int, q: float) -> None:
    lam = np.full(n, 0.7)
    assert weighted_chi2_sf(q, lam) == pytest.approx(stats.chi2.sf(q / 0.7, n), rel=1e-12, abs=1e-15)
    # the quadrature path (weights not all equal): a relative change of 1e-9 moves P by < 1e-9
    lam[0] *= 1.0 + 1e-9
    assert abs(weighted_chi2_sf(q, lam) - stats.chi2.sf(q / 0.7, n)) < 1e-8


def _two_weights(q: float, a: float, b: float) -> float:
    """P(a χ²₁ + b χ²₁ > q) by the convolution integral (the χ²₁ density's singularity removed by x = t²)."""

    def inner(t: float) -> float:  # x = t², dx = 2t dt; f₁(t²)·2t = 2 φ(t)
        return 2.0 * stats.norm.pdf(t) * stats.chi2.cdf((q - a * t * t) / b, 1)

    return 1.0 - integrate.quad(inner, 0.0, math.sqrt(q / a), epsabs=1e-14, epsrel=1e-13, limit=200)[0]


@pytest.mark.parametrize("q", [0.01, 0.5, 2.0, 7.0, 30.0])
@pytest.mark.parametrize(("a", "b"), [(3.0, 0.4), (1.0, 0.999), (50.0, 0.01)])
def test_two_weights_closed_form(q: float, a: float, b: float) -> None:
    assert abs(weighted_chi2_sf(q, [a, b]) - _two_weights(q, a, b)) < 1e-9


def test_two_equal_weights_is_exponential() -> None:
    # λ(χ²₁ + χ²₁) = λ χ²₂: P(Q > q) = exp(−q/(2λ))
    for q in (0.1, 1.0, 9.0):
        assert weighted_chi2_sf(q, [1.3, 1.3 * (1 + 1e-10)]) == pytest.approx(math.exp(-q / 2.6), abs=1e-9)


def test_mean_of_a_weighted_sum_matches_the_distribution() -> None:
    # E[Q] = Σλ = ∫₀^∞ P(Q > q) dq
    lam = np.array([2.0, 1.0, 0.5, 0.25, 0.1])
    mean, _ = integrate.quad(lambda q: weighted_chi2_sf(q, lam), 0.0, np.inf, limit=200)
    assert mean == pytest.approx(lam.sum(), rel=1e-7)


def test_weights_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        weighted_chi2_sf(1.0, [1.0, 0.0])
    assert weighted_chi2_sf(-1.0, [1.0, 2.0]) == 1.0


# ------------------------------------------------------------------------------------------------ estimators

studies = st.integers(min_value=4, max_value=12).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=k, max_size=k),
        st.lists(st.floats(0.01, 1.0, allow_nan=False), min_size=k, max_size=k),
        st.lists(st.floats(0.1, 10.0, allow_nan=False), min_size=k, max_size=k),
    )
)


@settings(max_examples=40, deadline=None)
@given(studies)
def test_genq_with_inverse_variance_weights_is_dersimonian_laird(data: tuple[list[float], ...]) -> None:
    y, v, _ = (np.array(x) for x in data)
    genq = rma(y, v, method="GENQ", weights=1.0 / v)
    dl = rma(y, v, method="DL")
    assert genq.tau2 == pytest.approx(dl.tau2, rel=1e-9, abs=1e-12)
    assert genq.tau2_se == pytest.approx(dl.tau2_se, rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(studies)
def test_genq_with_equal_weights_is_hedges(data: tuple[list[float], ...]) -> None:
    y, v, _ = (np.array(x) for x in data)
    assert rma(y, v, method="GENQ", weights=np.ones_like(v)).tau2 == pytest.approx(
        rma(y, v, method="HE").tau2, rel=1e-9, abs=1e-12
    )


@settings(max_examples=25, deadline=None)
@given(studies)
def test_tau2_is_non_negative_and_scale_free_in_the_weights(data: tuple[list[float], ...]) -> None:
    y, v, a = (np.array(x) for x in data)
    for method in ("GENQ", "GENQM"):
        res = rma(y, v, method=method, weights=a)
        assert res.tau2 >= 0.0
        assert res.tau2_ci is not None
        assert res.tau2_ci.lower <= res.tau2_ci.upper
        scaled = rma(y, v, method=method, weights=7.5 * a)
        assert scaled.tau2 == pytest.approx(res.tau2, rel=1e-6, abs=1e-9)
        assert scaled.coefficients[0].estimate == pytest.approx(res.coefficients[0].estimate, rel=1e-9, abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.integers(4, 10), st.floats(0.05, 1.0), st.floats(0.01, 2.0), st.integers(0, 2**31 - 1))
def test_genqm_with_equal_variances_is_pmm(k: int, v0: float, spread: float, seed: int) -> None:
    # equal v and equal weights: Q_a(τ²) ~ (1 + τ²/v)·χ²(k − 1) and Q(τ²) = Q(0)·v/(v + τ²), so the
    # median-unbiased GENQM solves the same equation as PMM
    y = np.random.default_rng(seed).normal(0.0, spread, k)
    v = np.full(k, v0)
    genqm = rma(y, v, method="GENQM", weights=np.ones(k), control=None)
    pmm = rma(y, v, method="PMM")
    # both stop Brent's search at R's uniroot tolerance (on different functions of τ²)
    assert genqm.tau2 == pytest.approx(pmm.tau2, abs=2e-4)


def test_an_all_zero_moderator_column_changes_nothing() -> None:
    y = np.array([0.1, 0.5, -0.2, 0.8, 0.3, 0.0])
    v = np.array([0.05, 0.1, 0.02, 0.2, 0.07, 0.04])
    a = 1.0 / np.sqrt(v)
    x = np.array([1.0, 2.0, 0.0, 3.0, 1.0, 2.5])
    one = rma(y, v, mods=x, method="GENQM", weights=a, test="knha")
    # the same model with the moderator shifted: the slope and τ² are unchanged
    shifted = rma(y, v, mods=x + 10.0, method="GENQM", weights=a, test="knha")
    assert shifted.tau2 == pytest.approx(one.tau2, rel=1e-9, abs=1e-12)
    assert shifted.coefficients[1].estimate == pytest.approx(one.coefficients[1].estimate, rel=1e-9)
    assert shifted.coefficients[1].se == pytest.approx(one.coefficients[1].se, rel=1e-9)


def test_weights_are_required_and_checked() -> None:
    y, v = np.array([0.1, 0.4, 0.3]), np.array([0.1, 0.2, 0.1])
    with pytest.raises(InputError, match="needs weights"):
        rma(y, v, method="GENQ")
    with pytest.raises(InputError, match="GENQ and GENQM"):
        rma(y, v, method="REML", weights=[1, 1, 1])
    with pytest.raises(InputError, match="positive"):
        rma(y, v, method="GENQM", weights=[1, 0, 1])
    with pytest.raises(InputError, match="3 effect sizes"):
        rma(y, v, method="GENQ", weights=[1, 1])
    # a missing weight leaves its study out, as a missing yi does
    res = rma([0.1, 0.4, 0.3, 0.9], [0.1, 0.2, 0.1, 0.3], method="GENQ", weights=[1, 2, float("nan"), 1])
    assert res.k == 3
    assert sum(res.weights) == pytest.approx(100.0)
    # the result keeps the weights of the studies it pooled (read-only), for the refitting diagnostics
    assert res.user_weights is not None
    assert res.user_weights.tolist() == [1.0, 2.0, 1.0]
    assert not res.user_weights.flags.writeable
    assert "user_weights" not in res.to_dict()
    assert rma(y, v, method="REML").user_weights is None
