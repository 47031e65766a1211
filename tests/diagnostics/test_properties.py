"""Invariants of the diagnostics (hypothesis, with the shared strategies of tests/strategies.py).

Refitting diagnostics fit the model k times per example, so they run fewer examples and use fast estimators.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from sysreview.diagnostics import (
    baujat,
    begg_test,
    cumulative,
    egger_test,
    fail_safe_n,
    gosh,
    influence,
    leave_one_out,
    pet_peese,
    trim_and_fill,
)
from sysreview.diagnostics._rank import kendall_tau_test
from sysreview.models import rma
from tests.strategies import meta_data

FAST = ("FE", "DL", "REML")
FEW = settings(max_examples=25, deadline=None)


@FEW
@given(meta_data(max_k=10), st.sampled_from(FAST), st.randoms(use_true_random=False))
def test_leave_one_out_follows_the_studies(data, method, rnd) -> None:
    """Reordering the studies reorders the leave-one-out results and changes nothing else."""
    yi, vi = data
    order = list(range(yi.size))
    rnd.shuffle(order)
    a = leave_one_out(rma(yi, vi, method=method))
    b = leave_one_out(rma(yi[order], vi[order], method=method))
    np.testing.assert_allclose(b.estimate, a.estimate[order], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(b.tau2, a.tau2[order], rtol=1e-5, atol=1e-8)


@FEW
@given(meta_data(max_k=10), st.sampled_from(FAST))
def test_cumulative_ends_with_the_full_fit(data, method) -> None:
    yi, vi = data
    fit = rma(yi, vi, method=method)
    res = cumulative(fit, order=-np.arange(yi.size))  # reverse data order
    assert list(res.order) == list(range(yi.size))[::-1]
    assert list(res.k) == list(range(1, yi.size + 1))
    assert math.isclose(res.estimate[-1], fit.estimate, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(res.estimate[0], yi[-1], rel_tol=1e-12, abs_tol=1e-12)  # one study: its own effect
    assert np.all(res.ci_lower <= res.estimate)
    assert np.all(res.estimate <= res.ci_upper)


@FEW
@given(meta_data(max_k=10), st.sampled_from(FAST))
def test_influence_measures(data, method) -> None:
    yi, vi = data
    fit = rma(yi, vi, method=method)
    res = influence(fit)
    assert math.isclose(float(np.sum(res.hat)), 1.0, rel_tol=1e-9)  # tr(H) = p
    assert np.all(res.cooks_distance >= 0.0)
    assert np.all(res.covratio > 0.0)
    np.testing.assert_allclose(res.hat, res.weight / 100.0, rtol=1e-9)  # intercept-only: hᵢ = wᵢ/Σw
    np.testing.assert_allclose(res.tau2_deleted, leave_one_out(fit).tau2, rtol=1e-12)
    if method == "FE":
        assert np.all(res.tau2_deleted == 0.0)


@given(meta_data(), st.floats(-5.0, 5.0))
def test_egger_shift_and_sign(data, shift) -> None:
    """yi + c moves the limit estimate by c and keeps the test; −yi negates the statistic (same p)."""
    yi, vi = data
    assume(np.ptp(vi) > 1e-3)
    a = egger_test(rma(yi, vi, method="FE"))
    assume(a.bias_se > 1e-6 * (1.0 + abs(a.bias)))  # not a perfect fit (σ² = 0: no test)
    b = egger_test(rma(yi + shift, vi, method="FE"))
    c = egger_test(rma(-yi, vi, method="FE"))
    assert math.isclose(b.intercept, a.intercept + shift, rel_tol=1e-9, abs_tol=1e-8)
    assert math.isclose(b.statistic, a.statistic, rel_tol=1e-6, abs_tol=1e-6)
    assert math.isclose(c.statistic, -a.statistic, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(c.pvalue, a.pvalue, rel_tol=1e-9, abs_tol=1e-12)
    assert a.df == yi.size - 2
    pp = pet_peese(rma(yi, vi, method="FE"))
    assert math.isclose(pp.pet.estimate, a.intercept, rel_tol=1e-12, abs_tol=1e-12)  # PET is Egger's regression
    assert math.isclose(pp.asymmetry.statistic, a.statistic, rel_tol=1e-12, abs_tol=1e-12)


@given(meta_data())
def test_begg_range_and_sign(data) -> None:
    yi, vi = data
    assume(np.ptp(yi) > 1e-6 and np.ptp(vi) > 0)  # τ is undefined when either ranking is constant
    a = begg_test(rma(yi, vi, method="FE"))
    b = begg_test(rma(-yi, vi, method="FE"))
    assert -1.0 <= a.tau <= 1.0
    assert 0.0 <= a.pvalue <= 1.0
    assert math.isclose(b.tau, -a.tau, abs_tol=1e-12)
    assert math.isclose(b.pvalue, a.pvalue, rel_tol=1e-9, abs_tol=1e-12)


@given(st.integers(3, 49), st.integers(0, 2**32 - 1))
def test_exact_kendall_p_value_matches_scipy(n, seed) -> None:
    """Our exact null distribution against scipy's independent implementation (no ties)."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=n), rng.normal(size=n)
    tau, p_exact, exact = kendall_tau_test(x, y, exact=True)
    ref = stats.kendalltau(x, y, method="exact")
    assert exact
    assert math.isclose(tau, ref.statistic, rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(p_exact, ref.pvalue, rel_tol=1e-9, abs_tol=1e-15)
    _, p_normal, normal = kendall_tau_test(x, y, exact=False)
    assert not normal
    assert math.isclose(p_normal, stats.kendalltau(x, y, method="asymptotic").pvalue, rel_tol=1e-9)


@FEW
@given(meta_data(), st.sampled_from(("FE", "DL")), st.sampled_from(("L0", "R0")))
def test_trim_and_fill_mirrors(data, method, estimator) -> None:
    """Negating the effects mirrors the analysis: same k0, the other side, negated estimate."""
    yi, vi = data
    assume(np.ptp(vi) > 0)  # equal standard errors: the side cannot be estimated
    a = trim_and_fill(rma(yi, vi, method=method), estimator=estimator)
    b = trim_and_fill(rma(-yi, vi, method=method), estimator=estimator)
    slope = rma(yi, vi, mods=np.sqrt(vi), method=method).coefficients[1].estimate
    assume(abs(slope) > 1e-9)  # a zero slope puts both on the left
    assert a.k0 == b.k0
    assert {a.side, b.side} == {"left", "right"}
    assert math.isclose(b.estimate, -a.estimate, rel_tol=1e-7, abs_tol=1e-9)
    assert a.fit.k == yi.size + a.k0
    assert len(a.filled_yi) == a.k0
    if a.k0:
        # each filled study mirrors one of the most extreme studies onto the side where studies are missing
        mirrored = yi[[int(label) - 1 for label in a.mirrors]]
        if a.side == "left":
            assert a.filled_yi.max() <= mirrored.min() + 1e-12
        else:
            assert a.filled_yi.min() >= mirrored.max() - 1e-12


@given(meta_data(), st.floats(0.01, 0.2))
def test_fail_safe_numbers(data, alpha) -> None:
    yi, vi = data
    fit = rma(yi, vi, method="FE")
    flipped = rma(-yi, vi, method="FE")
    rosenthal = fail_safe_n(fit, alpha=alpha)
    assert rosenthal.n >= 0
    assert rosenthal.n == fail_safe_n(flipped, alpha=alpha).n
    rosenberg = fail_safe_n(fit, type="Rosenberg", alpha=alpha)
    # Rosenberg's N is 0 exactly when the common-effect estimate is not significant at two-sided alpha
    assert (rosenberg.n == 0) == (fit.pvalue >= alpha) or abs(fit.pvalue - alpha) < 1e-9
    assume(abs(float(np.mean(yi))) > 1e-6)
    assert fail_safe_n(fit, type="Orwin").n == yi.size


@settings(max_examples=10, deadline=None)
@given(meta_data(min_k=2, max_k=6))
def test_gosh_exhaustive(data) -> None:
    yi, vi = data
    fit = rma(yi, vi, method="DL")
    res = gosh(fit)
    k = yi.size
    assert res.exhaustive
    assert res.subsets.shape == (2**k - 1, k)
    assert len({row.tobytes() for row in res.subsets}) == 2**k - 1
    np.testing.assert_array_equal(res.k, res.subsets.sum(axis=1))
    full = np.flatnonzero(res.subsets.all(axis=1))[0]
    assert math.isclose(res.estimate[full], fit.estimate, rel_tol=1e-9)
    singles = res.k == 1
    np.testing.assert_allclose(res.estimate[singles], yi[res.subsets[singles].argmax(axis=1)], rtol=1e-12)


@given(meta_data())
def test_baujat_contributions_add_up_to_q(data) -> None:
    yi, vi = data
    res = baujat(rma(yi, vi, method="REML"))
    assert math.isclose(float(np.sum(res.contribution)), rma(yi, vi, method="FE").Q, rel_tol=1e-9, abs_tol=1e-9)
    assert np.all(res.influence >= 0.0)


@st.composite
def _metareg_data(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """yi, vi and one moderator with at least 4 distinct values (so that no deletion makes X rank-deficient)."""
    yi, vi = draw(meta_data(min_k=5, max_k=10))
    x = np.array(draw(st.lists(st.integers(-20, 20), min_size=yi.size, max_size=yi.size)), dtype=np.float64) / 4.0
    assume(np.unique(x).size >= 4)
    # not on a line (a perfect fit leaves knha no variance: rma cannot test the moderators then)
    design = np.column_stack([np.ones(yi.size), x])
    assume(float(np.sum((yi - design @ np.linalg.lstsq(design, yi, rcond=None)[0]) ** 2)) > 1e-6)
    return yi, vi, x


@FEW
@given(_metareg_data(), st.sampled_from(FAST), st.sampled_from(("z", "knha")))
def test_meta_regression_leave_one_out_is_rma_without_the_study(data, method, test) -> None:
    """Each row of the vectorised leave-one-out is rma() of the data without that study, and the deletion
    measures of influence() are those refits' numbers (Viechtbauer & Cheung 2010, eqs. for t_i and DFFITS)."""
    yi, vi, x = data
    fit = rma(yi, vi, mods=x, method=method, test=test)
    loo = leave_one_out(fit)
    inf = influence(fit)
    k = yi.size
    for i in range(k):
        keep = np.arange(k) != i
        ref = rma(yi[keep], vi[keep], mods=x[keep], method=method, test=test)
        beta = np.array([c.estimate for c in ref.coefficients])
        np.testing.assert_allclose(loo.estimate[i], beta, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(loo.se[i], [c.se for c in ref.coefficients], rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(loo.pvalue[i], [c.pvalue for c in ref.coefficients], rtol=1e-6, atol=1e-9)
        assert math.isclose(loo.tau2[i], ref.tau2, rel_tol=1e-7, abs_tol=1e-9)
        assert math.isclose(loo.Q[i], ref.Q, rel_tol=1e-9, abs_tol=1e-9)
        assert math.isclose(loo.QM[i], ref.QM, rel_tol=1e-6, abs_tol=1e-9)
        assert math.isclose(inf.tau2_deleted[i], ref.tau2, rel_tol=1e-7, abs_tol=1e-9)
        # t_i: the deleted residual over its standard deviation (under knha scaled by the refit's factor s²)
        xi = np.array([1.0, x[i]])
        vb = np.asarray(ref.vcov)
        s2 = 1.0
        if test == "knha":
            w = 1.0 / (vi[keep] + ref.tau2)
            s2 = float(np.sum(w * (yi[keep] - np.column_stack([np.ones(k - 1), x[keep]]) @ beta) ** 2)) / (k - 3)
        expected = (yi[i] - xi @ beta) / math.sqrt(s2 * (vi[i] + ref.tau2) + xi @ vb @ xi)
        assert math.isclose(inf.rstudent[i], expected, rel_tol=1e-6, abs_tol=1e-9)
    assert math.isclose(float(np.sum(inf.hat)), 2.0, rel_tol=1e-9)  # tr(H) = p


@FEW
@given(_metareg_data(), st.sampled_from(FAST), st.floats(-5.0, 5.0), st.floats(0.2, 5.0))
def test_influence_does_not_depend_on_the_moderators_origin_and_scale(data, method, shift, scale) -> None:
    """x → a + c·x spans the same model: every deletion measure but the intercept's DFBETAS stays the same (so
    the flags may change, through the intercept's DFBETAS)."""
    yi, vi, x = data
    a = influence(rma(yi, vi, mods=x, method=method))
    b = influence(rma(yi, vi, mods=shift + scale * x, method=method))
    for name in ("rstudent", "dffits", "cooks_distance", "covratio", "hat", "tau2_deleted", "Q_deleted"):
        np.testing.assert_allclose(getattr(b, name), getattr(a, name), rtol=1e-5, atol=1e-7, err_msg=name)
    np.testing.assert_allclose(b.dfbetas[:, 1], a.dfbetas[:, 1], rtol=1e-5, atol=1e-7)
