"""Generalised Q-statistic estimators of τ² with user-chosen weights: GENQ and GENQM, for one analysis.

With weights ``a_i`` (``A = diag(a)``) the generalised Q statistic is ``Q_a = y'P_a y``, the weighted residual sum
of squares of the weighted least-squares fit, ``P_a = A − A X (X'AX)⁻¹ X'A``. Under the random-effects model
``y ~ N(Xβ, Σ)``, ``Σ = V + τ² I``, its expectation is ``tr(P_a V) + τ² tr(P_a)`` and its distribution is that of
``Σ λ_j χ²₁`` with ``λ_j`` the non-zero eigenvalues of ``Σ^½ P_a Σ^½``.

* GENQ (DerSimonian & Kacker 2007): the moment estimator ``τ̂² = max(0, (Q_a − tr(P_a V)) / tr(P_a))``.
  Weights ``1/v`` give DerSimonian–Laird, equal weights the Hedges (HE) estimator.
* GENQM (Jackson, Turner, Rhodes & Viechtbauer 2014): the median-unbiased estimator, the τ² at which the
  observed ``Q_a`` is the median of its exact distribution (0 where it lies below the median at τ² = 0).

The fixed effects are estimated with the same weights, ``β̂ = (X'AX)⁻¹X'Ay``, with the sandwich covariance
``(X'AX)⁻¹ X'A Σ̂ A X (X'AX)⁻¹``; under the Knapp–Hartung adjustment it is multiplied by the generalised Q
statistic with inverse-variance weights at τ̂², divided by ``k − p`` (the factor of the unweighted model). The
confidence interval for τ² inverts the exact distribution of ``Q_a`` (Jackson 2013; Jackson et al. 2014): the
bounds are the τ² at which ``P(Q_a > q_obs)`` equals ``α/2`` and ``1 − α/2``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sysreview._typing import BoolArray, FloatArray
from sysreview.models._quadform import quadratic_form_weights, weighted_chi2_sf
from sysreview.models._roots import brent_zeroin
from sysreview.models._tau2 import Tau2Settings

__all__ = ["WEIGHTED_METHODS", "WeightedTau2", "weighted_fixed_effects", "weighted_q_interval", "weighted_tau2"]

WEIGHTED_METHODS = ("GENQ", "GENQM")


@dataclass(frozen=True, slots=True)
class WeightedTau2:
    tau2: float
    se: float
    converged: bool
    iterations: int


def _residual_former(X: FloatArray, a: FloatArray) -> FloatArray:
    """``P_a = A − A X (X'AX)⁻¹ X'A``."""
    AX = X * a[:, None]
    P = -(AX @ np.linalg.solve(X.T @ AX, AX.T))
    P[np.diag_indices_from(P)] += a
    return np.asarray(P, dtype=np.float64)


def _se(P: FloatArray, v: FloatArray, tau2: float) -> float:
    """``sqrt(2 tr(P_a Σ P_a Σ)) / tr(P_a)`` at ``Σ = V + τ̂² I``: the standard error of the GENQ moment
    estimator under normality (the variance of a quadratic form); reported for GENQM too, at its own τ̂²."""
    PS = P * (v + tau2)[None, :]
    return float(np.sqrt(2.0 * np.einsum("ij,ji->", PS, PS)) / np.trace(P))


def _scalar_root(f: object, lower: float, upper: float, f_lower: float, f_upper: float, *, tol: float) -> float:
    """Brent's method (R's zeroin, as the other root searches) for one scalar function."""

    def batched(x: FloatArray, active: BoolArray) -> FloatArray:
        return np.array([f(float(x[0])) if active[0] else 0.0])  # type: ignore[operator]

    root, _, _ = brent_zeroin(
        batched, np.array([lower]), np.array([upper]), np.array([f_lower]), np.array([f_upper]), tol=tol
    )
    return float(root[0])


def _tail(P: FloatArray, v: FloatArray, rank: int, q_obs: float) -> object:
    """``τ² ↦ P(Q_a > q_obs | τ²)``, increasing in τ²."""

    def tail(tau2: float) -> float:
        return weighted_chi2_sf(q_obs, quadratic_form_weights(P, v + tau2, rank))

    return tail


def _search(tail: object, target: float, upper: float, tol: float) -> tuple[float, bool]:
    """The τ² in ``[0, upper]`` with ``tail(τ²) = target`` (0 where ``tail(0) ≥ target``; ``upper`` and False
    where ``tail(upper) < target``)."""
    f0 = tail(0.0) - target  # type: ignore[operator]
    if f0 >= 0.0:
        return 0.0, False
    fu = tail(upper) - target  # type: ignore[operator]
    if fu < 0.0:
        return upper, True
    return _scalar_root(lambda t: tail(t) - target, 0.0, upper, f0, fu, tol=tol), False  # type: ignore[operator]


def weighted_tau2(
    y: FloatArray, v: FloatArray, X: FloatArray, a: FloatArray, *, method: str, settings: Tau2Settings
) -> WeightedTau2:
    """GENQ or GENQM estimate of τ² (with its standard error) for one analysis with weights ``a``.

    References
    ----------
    DerSimonian, R., & Kacker, R. (2007). Random-effects model for meta-analysis of clinical trials: An update.
    *Contemporary Clinical Trials*, 28(2), 105–114.
    Jackson, D., Turner, R., Rhodes, K., & Viechtbauer, W. (2014). Methods for calculating confidence and credible
    intervals for the residual between-study variance in random effects meta-regression models.
    *BMC Medical Research Methodology*, 14, 103.
    """
    k, p = X.shape
    P = _residual_former(X, a)
    q_obs = float(y @ P @ y)
    trP = float(np.trace(P))
    if method == "GENQ":
        tau2 = max(0.0, (q_obs - float(np.dot(np.diag(P), v))) / trP)
        return WeightedTau2(tau2, _se(P, v, tau2), True, 0)
    if method != "GENQM":
        raise ValueError(f"unknown weighted method {method!r}")
    tail = _tail(P, v, k - p, q_obs)
    upper = settings.tau2_max
    tau2, beyond = _search(tail, 0.5, upper, settings.tol)
    for _ in range(60):  # widen the search where the root lies beyond tau2_max
        if not beyond:
            break
        upper *= 10.0
        tau2, beyond = _search(tail, 0.5, upper, settings.tol)
    return WeightedTau2(tau2, _se(P, v, tau2), not beyond, 0)


def weighted_q_interval(
    y: FloatArray, v: FloatArray, X: FloatArray, a: FloatArray, *, level: float, tau2_hat: float, settings: Tau2Settings
) -> tuple[float, float, bool]:
    """Confidence interval for τ² from the exact distribution of the generalised Q statistic ``Q_a``.

    The bounds are the τ² at which ``P(Q_a > q_obs)`` equals ``α/2`` (lower) and ``1 − α/2`` (upper), each 0 where
    that probability already exceeds its target at τ² = 0. The searches run on ``[0, max(tau2_max, 10 τ̂²)]``
    as the Q-profile interval's do; a bound beyond that is set to its end (the third value is then True).

    References
    ----------
    Jackson, D. (2013). Confidence intervals for the between-study variance in random effects meta-analysis using
    generalised Cochran heterogeneity statistics. *Research Synthesis Methods*, 4(3), 220–229.
    Jackson, D., Turner, R., Rhodes, K., & Viechtbauer, W. (2014). *BMC Medical Research Methodology*, 14, 103.
    """
    k, p = X.shape
    P = _residual_former(X, a)
    q_obs = float(y @ P @ y)
    tail = _tail(P, v, k - p, q_obs)
    alpha = 1.0 - level
    upper = max(settings.tau2_max, 10.0 * tau2_hat)
    lower_bound, beyond_lo = _search(tail, alpha / 2.0, upper, settings.tol)
    upper_bound, beyond_hi = _search(tail, 1.0 - alpha / 2.0, upper, settings.tol)
    return lower_bound, upper_bound, beyond_lo or beyond_hi


def weighted_fixed_effects(
    y: FloatArray, v: FloatArray, X: FloatArray, a: FloatArray, *, tau2: float, test: str
) -> tuple[FloatArray, FloatArray]:
    """``β̂ = (X'AX)⁻¹X'Ay`` and its covariance: the sandwich ``(X'AX)⁻¹ X'AΣ̂AX (X'AX)⁻¹``, times (knha) the
    generalised Q statistic with weights ``1/(v + τ̂²)`` over ``k − p`` (at least 1 under ``adhoc``)."""
    k, p = X.shape
    AX = X * a[:, None]
    bread = np.linalg.inv(X.T @ AX)
    beta = bread @ (AX.T @ y)
    meat = AX.T @ (AX * (v + tau2)[:, None])
    vb = bread @ meat @ bread
    if test in {"knha", "adhoc"}:
        w = 1.0 / (v + tau2)
        WX = X * w[:, None]
        b_w = np.linalg.solve(X.T @ WX, WX.T @ y)
        r = y - X @ b_w
        s2 = float(np.sum(w * r * r)) / (k - p) if k > p else float("nan")
        if test == "adhoc":
            s2 = max(1.0, s2)
        vb = vb * s2
    return np.asarray(beta, dtype=np.float64), np.asarray(0.5 * (vb + vb.T), dtype=np.float64)
