"""Invariants of the pooling models (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysreview.models import Control, rma
from sysreview.models._kernel import make_batch
from sysreview.models._tau2 import generalized_q
from tests.strategies import RANDOM_METHODS, meta_data

ALL_METHODS = ("FE", *RANDOM_METHODS)


@given(meta_data(), st.sampled_from(ALL_METHODS), st.randoms(use_true_random=False))
def test_study_order_does_not_change_the_result(data, method, rnd) -> None:
    yi, vi = data
    order = list(range(yi.size))
    rnd.shuffle(order)
    a = rma(yi, vi, method=method)
    b = rma(yi[order], vi[order], method=method)
    assert math.isclose(a.estimate, b.estimate, rel_tol=1e-7, abs_tol=1e-9)
    assert math.isclose(a.tau2, b.tau2, rel_tol=1e-6, abs_tol=1e-9)
    assert math.isclose(a.Q, b.Q, rel_tol=1e-9, abs_tol=1e-9)


@given(meta_data(), st.sampled_from(ALL_METHODS), st.sampled_from(("z", "t", "knha", "adhoc")))
def test_tau2_nonnegative_and_intervals_contain_estimate(data, method, test) -> None:
    yi, vi = data
    r = rma(yi, vi, method=method, test=test)
    assert r.tau2 >= 0.0
    assert r.ci_lower <= r.estimate <= r.ci_upper
    assert 0.0 <= r.I2 <= 100.0
    assert r.H2 >= 1.0 or method == "FE"
    if r.pi_lower is not None:
        assert r.pi_lower <= r.ci_lower
        assert r.ci_upper <= r.pi_upper
    if r.tau2_ci is not None:
        assert r.tau2_ci.lower <= r.tau2_ci.upper
    assert math.isclose(float(np.sum(r.weights)), 100.0, rel_tol=1e-12)


# SJIT is left out: its iteration (as metafor's) stops on an absolute change in τ², which is not scale-free near 0
@given(
    meta_data(),
    st.sampled_from(tuple(m for m in ALL_METHODS if m != "SJIT")),
    st.floats(0.1, 10.0),
    st.floats(-5.0, 5.0),
)
def test_location_scale_equivariance(data, method, scale, shift) -> None:
    """y → a·y + b, v → a²·v: estimate → a·estimate + b, τ² → a²τ², I², Q and z unchanged."""
    yi, vi = data
    ctl = Control(tol=1e-13)  # exact roots, so that the comparison is not limited by the root search tolerance
    a = rma(yi, vi, method=method, control=ctl)
    b = rma(scale * yi + shift, scale**2 * vi, method=method, control=ctl)
    assert math.isclose(b.estimate, scale * a.estimate + shift, rel_tol=1e-6, abs_tol=1e-7)
    assert math.isclose(b.tau2, scale**2 * a.tau2, rel_tol=1e-6, abs_tol=1e-9)
    assert math.isclose(b.Q, a.Q, rel_tol=1e-8, abs_tol=1e-9)
    assert math.isclose(b.I2, a.I2, rel_tol=1e-6, abs_tol=1e-6)


@given(meta_data())
def test_common_effect_is_the_inverse_variance_weighted_mean(data) -> None:
    yi, vi = data
    r = rma(yi, vi, method="FE")
    w = 1.0 / vi
    assert math.isclose(r.estimate, float(np.sum(w * yi) / np.sum(w)), rel_tol=1e-10, abs_tol=1e-12)
    assert math.isclose(r.se, float(1.0 / math.sqrt(np.sum(w))), rel_tol=1e-10)


@given(meta_data(), st.sampled_from(("PM", "EB", "SJIT")))
def test_generalised_q_estimators_solve_q_equals_df(data, method) -> None:
    """Paule–Mandel and empirical Bayes solve Q(τ²) = k − 1 (or give τ² = 0); iterated SJ converges to that root,
    stopping when τ² changes by less than the threshold (as metafor's iteration does)."""
    yi, vi = data
    r = rma(yi, vi, method=method, control=Control(tol=1e-14))
    k = yi.size
    batch = make_batch(yi[None], vi[None], np.ones((1, k, 1)), np.ones((1, k), dtype=bool))
    q = float(generalized_q(batch, np.array([r.tau2]))[0])
    rel = 1e-6 if method != "SJIT" else 1e-3
    if r.tau2 > 1e-8:
        assert math.isclose(q, k - 1, rel_tol=rel)
    else:
        assert q <= (k - 1) * (1 + rel) + 1e-6


@given(meta_data())
def test_iterated_dersimonian_laird_is_a_fixed_point_of_the_dl_formula(data) -> None:
    """DLIT (DerSimonian & Kacker 2007): τ² = max(0, (Q(τ²) − (k − 1)) / tr P(τ²)) with the weights of τ² itself."""
    from sysreview.models._kernel import weights as kernel_weights
    from sysreview.models._kernel import wls

    yi, vi = data
    r = rma(yi, vi, method="DLIT")
    k = yi.size
    batch = make_batch(yi[None], vi[None], np.ones((1, k, 1)), np.ones((1, k), dtype=bool))
    fit = wls(batch, kernel_weights(batch, np.array([r.tau2])))
    again = max(0.0, (float(fit.rss[0]) - (k - 1)) / float(fit.trP[0]))
    assert math.isclose(again, r.tau2, rel_tol=1e-8, abs_tol=1e-12)


@given(meta_data())
def test_dersimonian_laird_closed_form(data) -> None:
    """DerSimonian & Laird (1986), eq. (8): τ² = max(0, (Q − (k − 1)) / (Σw − Σw²/Σw))."""
    yi, vi = data
    w = 1.0 / vi
    mu = np.sum(w * yi) / np.sum(w)
    Q = float(np.sum(w * (yi - mu) ** 2))
    expected = max(0.0, (Q - (yi.size - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    assert math.isclose(rma(yi, vi, method="DL").tau2, expected, rel_tol=1e-10, abs_tol=1e-14)


@given(meta_data(min_k=4), st.sampled_from(("ML", "REML")))
def test_likelihood_estimators_maximise_the_likelihood(data, method) -> None:
    """The ML/REML estimate beats every other τ² on a grid (including 0) in (restricted) log-likelihood."""
    from sysreview.models._tau2 import _loglik

    yi, vi = data
    r = rma(yi, vi, method=method)
    k = yi.size
    batch = make_batch(yi[None], vi[None], np.ones((1, k, 1)), np.ones((1, k), dtype=bool))
    grid = np.concatenate([[0.0], np.geomspace(1e-4, 10.0, 40)])
    best = float(_loglik(batch, np.array([r.tau2]), method)[0])
    for t in grid:
        assert float(_loglik(batch, np.array([t]), method)[0]) <= best + 1e-9


def test_sei_is_the_same_as_vi() -> None:
    yi = np.array([0.1, 0.4, -0.2, 0.3])
    vi = np.array([0.04, 0.09, 0.01, 0.02])
    assert rma(yi, sei=np.sqrt(vi)).to_dict()["estimate"] == pytest.approx(rma(yi, vi).estimate, rel=1e-14)


def test_failed_fisher_scoring_falls_back_and_says_so() -> None:
    """With too few iterations allowed, Fisher scoring cannot converge; the bounded search still finds the REML
    maximum (the value metafor reports for dat.bcg, log RR: τ² = 0.313243258137274) and a note says what happened."""
    from tests._golden import golden_cases

    es = next(c for c in golden_cases() if c["id"] == "bcg_RR_es")["expected"]
    r = rma(es["yi"], es["vi"], method="REML", control=Control(maxiter=1))
    assert r.tau2 == pytest.approx(0.313243258137274, rel=1e-6)
    assert r.converged
    assert any("bounded one-dimensional search" in note for note in r.notes)


def test_multimodal_likelihood_reaches_the_global_maximum() -> None:
    """An ML likelihood with two maxima (found by hypothesis): the local one at τ² = 0 and the global one near
    0.3. Fisher scoring from the Hedges start stops at 0; the grid check moves it to the global maximum."""
    from sysreview.models._tau2 import _loglik

    yi = np.array([0.0, 1.5, 1.5, 1.5])
    vi = np.array([0.03125, 1.0, 1.0, 1.0])
    r = rma(yi, vi, method="ML")
    batch = make_batch(yi[None], vi[None], np.ones((1, 4, 1)), np.ones((1, 4), dtype=bool))
    assert r.tau2 > 0.2
    assert float(_loglik(batch, np.array([r.tau2]), "ML")[0]) > float(_loglik(batch, np.zeros(1), "ML")[0])
    local = rma(yi, vi, method="ML", control=Control(global_check=False))
    assert local.tau2 == 0.0  # what plain Fisher scoring reports
