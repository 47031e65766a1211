"""The pooling kernel is batch-first: many meta-analyses of different k in one call give exactly the results of
fitting them one at a time (the one-analysis API is the batch of one)."""

from __future__ import annotations

import numpy as np
import pytest

from sysreview.errors import ConvergenceError
from sysreview.models import Control, rma
from sysreview.models._fit import fit_batch, q_profile
from sysreview.models._kernel import make_batch
from sysreview.models._tau2 import RANDOM_EFFECTS_METHODS
from tests._golden import golden_cases

DATASETS = ["bcg_RR_es", "normand_SMD_es", "molloy_ZCOR_es", "pritz_PLO_es", "nielweise2008_IRR_es"]


def _ragged() -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[list[float], list[float]]]]:
    data = []
    for case_id in DATASETS:
        case = next(c for c in golden_cases() if c["id"] == case_id)
        data.append((case["expected"]["yi"], case["expected"]["vi"]))
    K = max(len(y) for y, _ in data)
    y = np.zeros((len(data), K))
    v = np.ones((len(data), K))
    mask = np.zeros((len(data), K), dtype=bool)
    for b, (yi, vi) in enumerate(data):
        y[b, : len(yi)] = yi
        v[b, : len(vi)] = vi
        mask[b, : len(yi)] = True
    return y, v, mask, data


@pytest.mark.parametrize("method", ["FE", *RANDOM_EFFECTS_METHODS])
@pytest.mark.parametrize("test", ["z", "knha"])
def test_ragged_batch_equals_one_at_a_time(method: str, test: str) -> None:
    y, v, mask, data = _ragged()
    batch = make_batch(y, v, np.ones((*y.shape, 1)), mask)
    settings = Control().settings()
    fit = fit_batch(batch, method=method, test=test, level=0.95, settings=settings)
    qp = q_profile(batch, level=0.95, settings=settings, tau2_hat=fit.tau2)
    for b, (yi, vi) in enumerate(data):
        one = rma(yi, vi, method=method, test=test)
        assert fit.beta[b, 0] == pytest.approx(one.estimate, rel=1e-10, abs=1e-13)
        assert fit.se[b, 0] == pytest.approx(one.se, rel=1e-10)
        assert fit.tau2[b] == pytest.approx(one.tau2, rel=1e-10, abs=1e-15)
        assert fit.Q[b] == pytest.approx(one.Q, rel=1e-12)
        assert fit.I2[b] == pytest.approx(one.I2, rel=1e-9, abs=1e-12)
        assert fit.pi_lower[b] == pytest.approx(one.pi_lower if one.pi_lower is not None else fit.pi_lower[b])
        if one.tau2_ci is not None:
            assert qp.tau2_lower[b] == pytest.approx(one.tau2_ci.lower, rel=1e-10, abs=1e-15)
            assert qp.tau2_upper[b] == pytest.approx(one.tau2_ci.upper, rel=1e-10)
        np.testing.assert_allclose(fit.weights[b, : len(yi)], one.weights, rtol=1e-10)
        assert not fit.weights[b, len(yi) :].any()  # padded cells carry no weight


def test_convergence_failure_says_what_was_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    """When Fisher scoring and the bounded search both fail, the error lists both attempts."""
    import scipy.optimize
    from scipy.optimize import OptimizeResult

    def failing(*args: object, **kwargs: object) -> OptimizeResult:
        return OptimizeResult(x=np.nan, success=False, message="forced failure")

    monkeypatch.setattr(scipy.optimize, "minimize_scalar", failing)
    *_, data = _ragged()
    with pytest.raises(ConvergenceError) as err:
        rma(data[0][0], data[0][1], method="REML", control=Control(maxiter=1))
    text = str(err.value)
    assert "REML estimate of tau^2 did not converge" in text
    assert "Fisher scoring with step halving (1 iterations)" in text
    assert "bounded maximisation of the likelihood" in text


def test_a_perfect_knapp_hartung_fit_does_not_sink_its_batch() -> None:
    """Knapp–Hartung with a perfect fit (QE = 0, so s² = 0 and V(b) = 0) has no omnibus test: metafor 3.8-1
    reports QM = NA for ``rma(rep(1, 4), rep(1, 4), mods = ~ c(1, 2, 3, 4), method = "FE", test = "knha")`` with
    b = (1, 0) and SE = (0, 0). In a batch, the other analyses keep theirs."""
    x = np.array([1.0, 2.0, 3.0, 4.0])
    one = rma(np.ones(4), np.ones(4), mods=x, method="FE", test="knha")
    assert one.QM is None
    assert one.QM_pvalue is None
    assert [(c.estimate, c.se) for c in one.coefficients] == [(1.0, 0.0), (0.0, 0.0)]
    y = np.array([[1.0, 1.0, 1.0, 1.0], [0.1, 0.5, 0.2, 0.9]])
    X = np.stack([np.column_stack([np.ones(4), x])] * 2)
    batch = make_batch(y, np.ones((2, 4)), X, np.ones((2, 4), dtype=bool))
    fit = fit_batch(batch, method="FE", test="knha", level=0.95, settings=Control().settings())
    other = rma(y[1], np.ones(4), mods=x, method="FE", test="knha")
    assert np.isnan(fit.QM[0])
    assert other.QM is not None
    assert fit.QM[1] == pytest.approx(other.QM, rel=1e-12)
