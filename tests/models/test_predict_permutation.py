"""Predictions at new moderator values and permutation tests."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from sysreview.models import permutation_test, rma
from tests._golden import golden_cases

BCG = next(c for c in golden_cases() if c["id"] == "bcg_RR_es")


def test_predict_bcg_latitude_viechtbauer_2010() -> None:
    """Viechtbauer (2010), J Stat Softw 36(3), section 3.3: predict(res, newmods = c(10, 30, 50), transf = exp)
    for the mixed-effects model of dat.bcg on absolute latitude gives risk ratios 0.9612 (0.6668 to 1.3857;
    credibility/prediction interval 0.5001 to 1.8475), 0.5371 and 0.3001."""
    r = rma(BCG["expected"]["yi"], BCG["expected"]["vi"], mods=BCG["input"]["ablat"], mod_names=["ablat"])
    pred = r.predict([10, 30, 50])
    rr = np.exp(pred.pred)
    assert [round(x, 4) for x in rr] == [0.9612, 0.5371, 0.3001]
    assert round(math.exp(pred.ci_lower[0]), 4) == 0.6668
    assert round(math.exp(pred.ci_upper[0]), 4) == 1.3857
    assert round(math.exp(pred.pi_lower[0]), 4) == 0.5001
    # the paper's τ² (0.0764) came from metafor's default convergence threshold of the time; at the converged
    # τ² = 0.07635 the upper bound is 1.8477, so this bound agrees with the printed 1.8475 to three decimals
    assert abs(math.exp(pred.pi_upper[0]) - 1.8475) < 5e-4


def test_predict_without_moderators_is_the_pooled_effect_and_its_intervals() -> None:
    r = rma(BCG["expected"]["yi"], BCG["expected"]["vi"], test="knha")
    pred = r.predict()
    assert pred.pred[0] == pytest.approx(r.estimate, rel=1e-14)
    assert pred.ci_lower[0] == pytest.approx(r.ci_lower, rel=1e-12)
    assert pred.pi_lower[0] == pytest.approx(r.pi_lower, rel=1e-12)
    assert pred.pi_upper[0] == pytest.approx(r.pi_upper, rel=1e-12)


def _brute_force_pvalues(yi, vi, mods, method):
    """The exact permutation p-values by refitting every ordering of the moderator one at a time."""
    observed = rma(yi, vi, mods=mods, method=method)
    z_obs = abs(observed.coefficients[1].statistic)
    hits = 0
    qm_hits = 0
    total = 0
    for perm in itertools.permutations(range(len(yi))):
        fit = rma(yi, vi, mods=np.asarray(mods)[list(perm)], method=method)
        hits += abs(fit.coefficients[1].statistic) >= z_obs * (1 - 1e-10)
        qm_hits += fit.QM >= observed.QM * (1 - 1e-10)
        total += 1
    return hits / total, qm_hits / total, observed


@pytest.mark.parametrize("method", ["FE", "DL", "REML"])
def test_exact_permutation_test_equals_brute_force(method: str) -> None:
    yi = np.array([0.12, 0.55, -0.08, 0.40, 0.91, 0.33])
    vi = np.array([0.04, 0.09, 0.02, 0.05, 0.12, 0.03])
    mods = np.array([1.0, 3.0, 0.5, 2.5, 4.0, 2.0])
    p_slope, p_qm, observed = _brute_force_pvalues(yi, vi, mods, method)
    perm = permutation_test(observed, iterations=1000)  # 6! = 720 ≤ 1000: exact
    assert perm.exact
    assert perm.permutations == 720
    assert perm.pvalue[1] == pytest.approx(p_slope, abs=1e-12)
    assert perm.QM_pvalue == pytest.approx(p_qm, abs=1e-12)


def test_sign_flip_test_is_exact_for_small_k_and_seeded_otherwise() -> None:
    yi = np.array([0.3, 0.5, 0.1, 0.7, 0.4])
    vi = np.array([0.02, 0.04, 0.03, 0.05, 0.02])
    r = rma(yi, vi, method="DL")
    exact = permutation_test(r, iterations=100)
    assert exact.exact
    assert exact.permutations == 32
    # all effects positive: only the all-positive and all-negative patterns are as extreme → p = 2/32
    assert exact.pvalue[0] == pytest.approx(2 / 32)
    a = permutation_test(r, iterations=20, seed=7)
    b = permutation_test(r, iterations=20, seed=7)
    assert not a.exact
    assert a.permutations == 20
    assert a.pvalue == b.pvalue
    assert 1 / 21 <= a.pvalue[0] <= 1.0
