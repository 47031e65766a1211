"""Estimators of the between-study variance τ², each working on a batch of meta-analyses.

Method codes are metafor's: FE (no τ²), DL, DLIT, HE, HS, HSk, SJ, SJIT, ML, REML, EB, PM, PMM.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.optimize import minimize_scalar

from sysreview._typing import BoolArray, FloatArray
from sysreview.errors import ConvergenceError
from sysreview.models._kernel import (
    Batch,
    WLSFit,
    projection,
    quadratic_form_variance,
    trace_PP,
    weights,
    wls,
)
from sysreview.models._roots import R_UNIROOT_TOL, brent_zeroin

__all__ = ["COMMON_EFFECT_METHODS", "RANDOM_EFFECTS_METHODS", "Tau2Estimate", "Tau2Settings", "estimate_tau2"]

COMMON_EFFECT_METHODS = frozenset({"FE", "EE", "CE"})
RANDOM_EFFECTS_METHODS = (
    "DL",
    "DLIT",
    "HE",
    "HS",
    "HSk",
    "SJ",
    "SJIT",
    "ML",
    "REML",
    "EB",
    "PM",
    "PMM",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tau2Settings:
    """Numerical settings: ``threshold`` stops the iterative estimators (change in τ² below it), ``tol`` is the
    tolerance of the Brent root searches of PM/PMM (R's uniroot default, as metafor), ``tau2_max`` the upper end
    of those searches (widened automatically when the root lies beyond it)."""

    threshold: float = 1e-10
    maxiter: int = 1000
    tol: float = R_UNIROOT_TOL
    tau2_max: float = 100.0
    step_halvings: int = 30
    global_check: bool = True


@dataclass(frozen=True, slots=True)
class Tau2Estimate:
    tau2: FloatArray
    se: FloatArray
    converged: BoolArray
    iterations: FloatArray
    #: lanes where Fisher scoring failed and the bounded one-dimensional search gave the estimate
    fallback: BoolArray | None = None


def _df(batch: Batch) -> FloatArray:
    return batch.k - batch.p


def _common_wls(batch: Batch) -> WLSFit:
    return wls(batch, weights(batch, np.zeros(batch.size)))


def estimate_tau2(batch: Batch, method: str, settings: Tau2Settings) -> Tau2Estimate:
    """Estimate τ² (and its standard error) in every lane with one estimator."""
    n = batch.size
    ones = np.ones(n, dtype=bool)
    zeros = np.zeros(n)
    if method in COMMON_EFFECT_METHODS:
        return Tau2Estimate(zeros, np.full(n, np.nan), ones, zeros)
    if method == "DL":
        fe = _common_wls(batch)
        tau2 = np.maximum(0.0, (fe.rss - _df(batch)) / fe.trP)
        se = _se_quadratic(batch, fe, tau2, 1.0 / fe.trP)
        return Tau2Estimate(tau2, se, ones, zeros)
    if method == "HE":
        return _hedges(batch)
    if method in {"HS", "HSk"}:
        fe = _common_wls(batch)
        sw = fe.w.sum(axis=1)
        if method == "HS":  # Hunter & Schmidt (2004): (Q − k)/Σw
            tau2 = np.maximum(0.0, (fe.rss - batch.k) / sw)
            se = _se_quadratic(batch, fe, tau2, 1.0 / sw)
        else:  # small-sample corrected version: k/(k − p) · (Q − (k − p))/Σw (Brannick et al. 2019)
            scale = batch.k / _df(batch)
            tau2 = np.maximum(0.0, scale * (fe.rss - _df(batch)) / sw)
            se = _se_quadratic(batch, fe, tau2, scale / sw)
        return Tau2Estimate(tau2, se, ones, zeros)
    if method == "SJ":
        tau2_0 = _sidik_jonkman_start(batch)
        return _sidik_jonkman_step(batch, tau2_0, ones, zeros)
    if method in {"ML", "REML"}:
        return _likelihood(batch, method, settings)
    if method in {"EB", "SJIT", "DLIT"}:
        return _fixed_point(batch, settings)
    if method in {"PM", "PMM"}:
        return _paule_mandel(batch, method, settings)
    raise ValueError(f"unknown method {method!r}")


# ---------------------------------------------------------------------------- moment estimators


def _se_quadratic(batch: Batch, fit: WLSFit, tau2: FloatArray, factor: FloatArray) -> FloatArray:
    """SE of a moment estimator ``τ̂² = f·(y'Py − c)`` under normality: ``f·sqrt(2 tr(PΣPΣ))``, Σ = V + τ̂²I."""
    P = projection(batch, fit)
    sigma = np.where(batch.mask, batch.v + tau2[:, None], 0.0)
    return np.sqrt(quadratic_form_variance(P, sigma)) * factor


def _hedges(batch: Batch) -> Tau2Estimate:
    """Hedges (1983) / Hedges & Olkin (1985) unweighted method-of-moments estimator."""
    n = batch.size
    ols = wls(batch, batch.mask.astype(np.float64))
    P = projection(batch, ols)  # I − H on the studies of each lane
    trPV = np.einsum("bkk,bk->b", P, np.where(batch.mask, batch.v, 0.0))
    df = _df(batch)
    tau2 = np.maximum(0.0, (ols.rss - trPV) / df)
    sigma = np.where(batch.mask, batch.v + tau2[:, None], 0.0)
    se = np.sqrt(quadratic_form_variance(P, sigma)) / df
    return Tau2Estimate(tau2, se, np.ones(n, dtype=bool), np.zeros(n))


def _sidik_jonkman_start(batch: Batch) -> FloatArray:
    """Sidik & Jonkman (2005) starting value: the OLS residual variance with divisor k."""
    ols = wls(batch, batch.mask.astype(np.float64))
    return ols.rss / batch.k


def _sidik_jonkman_step(batch: Batch, tau2_0: FloatArray, converged: BoolArray, iterations: FloatArray) -> Tau2Estimate:
    """One Sidik–Jonkman update ``τ̂² = τ0² · y'P y/(k − p)`` with weights ``1/(v + τ0²)``."""
    fit = wls(batch, weights(batch, tau2_0))
    df = _df(batch)
    tau2 = tau2_0 * fit.rss / df
    se = _se_quadratic(batch, fit, tau2, tau2_0 / df)
    return Tau2Estimate(tau2, se, converged, iterations)


# ---------------------------------------------------------------------------- likelihood


def _loglik(batch: Batch, tau2: FloatArray, method: str) -> FloatArray:
    """(Restricted) log-likelihood up to the constant that does not depend on τ²."""
    w = weights(batch, tau2)
    fit = wls(batch, w)
    logdet_v = np.where(batch.mask, np.log(batch.v + tau2[:, None]), 0.0).sum(axis=1)
    ll = -0.5 * (logdet_v + fit.rss)
    if method == "REML":
        _, logdet = np.linalg.slogdet(np.linalg.inv(fit.XtWX_inv))
        ll = ll - 0.5 * logdet
    return ll


def _likelihood(batch: Batch, method: str, settings: Tau2Settings) -> Tau2Estimate:
    """ML / REML by Fisher scoring with step halving, started at the Hedges estimate.

    Fisher scoring for τ² (Harville 1977; Viechtbauer 2005): the score of the (restricted) likelihood is
    ``½(Σw²r² − Σw)`` (ML) or ``½(y'PPy − tr P)`` (REML), its information ``½Σw²`` or ``½tr(PP)``. A step that
    does not increase the likelihood is halved; τ² is kept ≥ 0. Lanes that still fail fall back to a bounded
    one-dimensional maximisation; if that fails too, a ConvergenceError names what was tried. The likelihood can be
    multimodal: the maximum found is compared with a grid of τ² values and refined from the best of them.
    """
    tau2, converged, iterations = _fisher_scoring(batch, method, settings, np.maximum(_hedges(batch).tau2, 0.0))
    if settings.global_check:
        # The (restricted) likelihood of τ² can have more than one maximum; Fisher scoring finds the one nearest its
        # start. Compare with a grid over the plausible range and restart from any grid point that beats it.
        scale = np.maximum(_sidik_jonkman_start(batch), tau2) + np.where(batch.mask, batch.v, 0.0).max(axis=1)
        grid = np.concatenate([np.zeros((batch.size, 1)), scale[:, None] * np.geomspace(1e-3, 10.0, 24)], axis=1)
        ll_hat = _loglik(batch, tau2, method)
        ll_grid = np.stack([_loglik(batch, grid[:, j], method) for j in range(grid.shape[1])], axis=1)
        better = ll_grid.max(axis=1) > ll_hat + 1e-8 * np.maximum(1.0, np.abs(ll_hat))
        if better.any():
            sub = batch.take(better)
            start = grid[better, ll_grid[better].argmax(axis=1)]
            t2, c2, i2 = _fisher_scoring(sub, method, settings, start)
            tau2[better], converged[better], iterations[better] = t2, c2, iterations[better] + i2
    fallback = ~converged
    if fallback.any():
        _bounded_fallback(batch, method, settings, tau2, converged)
    fit = wls(batch, weights(batch, tau2))
    info = (fit.w * fit.w).sum(axis=1) if method == "ML" else trace_PP(batch, fit)
    se = np.sqrt(2.0 / info)
    return Tau2Estimate(tau2, se, converged, iterations, fallback)


def _fisher_scoring(
    batch: Batch, method: str, settings: Tau2Settings, start: FloatArray
) -> tuple[FloatArray, BoolArray, FloatArray]:
    n = batch.size
    tau2 = np.array(start, dtype=np.float64, copy=True)
    ll = _loglik(batch, tau2, method)
    converged = np.zeros(n, dtype=bool)
    iterations = np.zeros(n)
    for _ in range(settings.maxiter):
        act = ~converged
        if not act.any():
            break
        sub = batch.take(act)
        t = tau2[act]
        fit = wls(sub, weights(sub, t))
        w = fit.w
        wr = w * fit.resid
        if method == "ML":
            score = (wr * wr).sum(axis=1) - w.sum(axis=1)
            info = (w * w).sum(axis=1)
        else:
            score = (wr * wr).sum(axis=1) - fit.trP
            info = trace_PP(sub, fit)
        step = score / info
        new = np.maximum(0.0, t + step)
        ll_old = ll[act]
        ll_new = _loglik(sub, new, method)
        # step halving where the likelihood would decrease
        for _h in range(settings.step_halvings):
            worse = ll_new < ll_old - 1e-12 * np.abs(ll_old)
            if not worse.any():
                break
            step = np.where(worse, step / 2.0, step)
            new = np.where(worse, np.maximum(0.0, t + step), new)
            ll_new = np.where(worse, _loglik(sub, new, method), ll_new)
        change = np.abs(new - t)
        done = change < settings.threshold * np.maximum(1.0, t)
        idx = np.flatnonzero(act)
        tau2[idx] = new
        ll[idx] = ll_new
        iterations[idx] += 1
        converged[idx[done]] = True
    return tau2, converged, iterations


def _bounded_fallback(
    batch: Batch, method: str, settings: Tau2Settings, tau2: FloatArray, converged: BoolArray
) -> None:
    for lane in np.flatnonzero(~converged):
        sub = batch.take(np.arange(batch.size) == lane)
        upper = max(settings.tau2_max, 10.0 * float(tau2[lane]) + 1.0)

        def negll(t: float, sub: Batch = sub) -> float:
            return -float(_loglik(sub, np.array([t]), method)[0])

        res = minimize_scalar(negll, bounds=(0.0, upper), method="bounded", options={"xatol": 1e-12})
        if not res.success:
            raise ConvergenceError(
                f"{method} estimate of tau^2 did not converge",
                attempts=(
                    f"Fisher scoring with step halving ({settings.maxiter} iterations)",
                    f"bounded maximisation of the likelihood on [0, {upper:g}]",
                ),
            )
        tau2[lane] = float(res.x)
        converged[lane] = True


# ---------------------------------------------------------------------------- generalised Q


def generalized_q(batch: Batch, tau2: FloatArray) -> FloatArray:
    """``Q(τ²) = Σ (y − Xβ̂(τ²))²/(v + τ²)``, decreasing in τ² (DerSimonian & Kacker 2007)."""
    return wls(batch, weights(batch, tau2)).rss


def _paule_mandel(batch: Batch, method: str, settings: Tau2Settings) -> Tau2Estimate:
    """Paule & Mandel (1982): solve ``Q(τ²) = k − p`` (PM) or its median-unbiased version ``Q(τ²) = χ²_{k−p, 0.5}``
    (PMM; Viechtbauer 2021, metafor docs). τ² = 0 where Q(0) is already below the target."""
    df = _df(batch)
    target = df if method == "PM" else stats.chi2.ppf(0.5, df)
    tau2, converged, iterations = solve_q_equation(batch, target, settings)
    se = _se_paule_mandel(batch, tau2)
    return Tau2Estimate(tau2, se, converged, iterations)


def solve_q_equation(
    batch: Batch, target: FloatArray, settings: Tau2Settings
) -> tuple[FloatArray, BoolArray, FloatArray]:
    """Solve ``Q(τ²) = target`` for τ² ≥ 0 in every lane (0 where ``Q(0) < target``)."""
    n = batch.size
    zero = np.zeros(n)
    q0 = generalized_q(batch, zero) - target
    tau2 = np.zeros(n)
    converged = np.ones(n, dtype=bool)
    iterations = np.zeros(n)
    search = q0 > 0.0
    if not search.any():
        return tau2, converged, iterations
    sub = batch.take(search)
    tgt = target[search]
    upper = np.full(sub.size, settings.tau2_max)
    f_upper = generalized_q(sub, upper) - tgt
    # widen the bracket where the root lies beyond tau2_max (metafor would stop with an error)
    for _ in range(60):
        beyond = f_upper > 0.0
        if not beyond.any():
            break
        upper = np.where(beyond, upper * 10.0, upper)
        f_upper = np.where(beyond, generalized_q(sub, upper) - tgt, f_upper)

    def f(x: FloatArray, active: BoolArray) -> FloatArray:
        out = np.zeros_like(x)
        if active.any():
            out[active] = generalized_q(sub.take(active), x[active]) - tgt[active]
        return out

    root, conv, its = brent_zeroin(
        f, np.zeros(sub.size), upper, q0[search], f_upper, tol=settings.tol, maxiter=settings.maxiter
    )
    tau2[search] = root
    converged[search] = conv
    iterations[search] = its
    return tau2, converged, iterations


def _se_paule_mandel(batch: Batch, tau2: FloatArray) -> FloatArray:
    """Large-sample SE of the generalised-Q estimators (PM, PMM, EB, SJIT, DLIT):
    ``sqrt(2 k² / (k − p)) / Σw`` with ``w = 1/(v + τ̂²)`` — the information-type approximation of Morris (1983)
    for the empirical Bayes estimator, which metafor reports for all of these estimators."""
    w = weights(batch, tau2)
    k = batch.k
    return np.sqrt(2.0 * k * k / _df(batch)) / w.sum(axis=1)


def _fixed_point(batch: Batch, settings: Tau2Settings) -> Tau2Estimate:
    """Iterated estimators: empirical Bayes (Morris 1983; Berkey et al. 1995), iterated Sidik–Jonkman and
    iterated DerSimonian–Laird (DerSimonian & Kacker 2007).

    The fixed point of each of the three iterations is the root of ``Q(τ²) = k − p`` (τ² = 0 where ``Q(0) ≤ k − p``).
    The iterations themselves converge only linearly — SJIT can need thousands of steps and stop short of the
    fixed point — so the root is found directly, by Brent's method at machine precision. This is the value metafor
    reports whenever its iteration converges.
    """
    exact = Tau2Settings(
        threshold=settings.threshold,
        maxiter=settings.maxiter,
        tol=0.0,
        tau2_max=settings.tau2_max,
        step_halvings=settings.step_halvings,
        global_check=settings.global_check,
    )
    tau2, converged, iterations = solve_q_equation(batch, _df(batch), exact)
    se = _se_paule_mandel(batch, tau2)
    return Tau2Estimate(tau2, se, converged, iterations)
