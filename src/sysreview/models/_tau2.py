"""Estimators of the between-study variance τ², each working on a batch of meta-analyses.

Method codes are metafor's: FE (no τ²), DL, DLIT, HE, HS, HSk, SJ, SJIT, ML, REML, EB, PM, PMM.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sysreview._distributions import chi2_ppf
from sysreview._typing import BoolArray, FloatArray
from sysreview.errors import ConvergenceError
from sysreview.models._kernel import (
    Batch,
    WLSFit,
    projection,
    py_p_py,
    residual_quadratic_form_variance,
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
    #: ML/REML steps: "newton" (observed information; quadratic convergence), "scoring" (Fisher scoring, metafor's
    #: algorithm, whose iterates a coarse threshold reproduces) or "auto" (Newton when threshold ≤ 1e-9)
    algorithm: str = "auto"


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
    if method == "EB":
        return _fixed_point(batch, settings)
    if method == "SJIT":
        return _sidik_jonkman_iterated(batch, settings)
    if method == "DLIT":
        return _dersimonian_laird_iterated(batch, settings)
    if method in {"PM", "PMM"}:
        return _paule_mandel(batch, method, settings)
    raise ValueError(f"unknown method {method!r}")


# ---------------------------------------------------------------------------- moment estimators


def _se_quadratic(batch: Batch, fit: WLSFit, tau2: FloatArray, factor: FloatArray) -> FloatArray:
    """SE of a moment estimator ``τ̂² = f·(y'Py − c)`` under normality: ``f·sqrt(2 tr(PΣPΣ))``, Σ = V + τ̂²I."""
    sigma = np.where(batch.mask, batch.v + tau2[:, None], 0.0)
    return np.sqrt(residual_quadratic_form_variance(batch, fit, sigma)) * factor


def _hedges(batch: Batch) -> Tau2Estimate:
    """Hedges (1983) / Hedges & Olkin (1985) unweighted method-of-moments estimator."""
    n = batch.size
    ols = wls(batch, batch.mask.astype(np.float64))
    v = np.where(batch.mask, batch.v, 0.0)
    if batch.intercept_only:
        trPV = v.sum(axis=1) * (1.0 - 1.0 / batch.k)  # P = I − 11'/k
    else:
        trPV = np.einsum("bkk,bk->b", projection(batch, ols), v)  # I − H on the studies of each lane
    df = _df(batch)
    tau2 = np.maximum(0.0, (ols.rss - trPV) / df)
    sigma = np.where(batch.mask, batch.v + tau2[:, None], 0.0)
    se = np.sqrt(residual_quadratic_form_variance(batch, ols, sigma)) / df
    return Tau2Estimate(tau2, se, np.ones(n, dtype=bool), np.zeros(n))


def _sidik_jonkman_start(batch: Batch) -> FloatArray:
    """Sidik & Jonkman (2005) starting value: the variance of the effect sizes about their mean, divisor k.

    It ignores any moderators (as metafor does): the start is a crude total variance, the SJ step then weights it.
    """
    y = np.where(batch.mask, batch.y, 0.0)
    mean = y.sum(axis=1) / batch.k
    dev = np.where(batch.mask, batch.y - mean[:, None], 0.0)
    return (dev * dev).sum(axis=1) / batch.k


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
    return _loglik_of_fit(batch, tau2, wls(batch, weights(batch, tau2)), method)


def _loglik_of_fit(batch: Batch, tau2: FloatArray, fit: WLSFit, method: str) -> FloatArray:
    """The (restricted) log-likelihood at τ² from the weighted fit at that τ² (no refit)."""
    logdet_v = np.where(batch.mask, np.log(batch.v + tau2[:, None]), 0.0).sum(axis=1)
    ll = -0.5 * (logdet_v + fit.rss)
    if method == "REML":
        if batch.intercept_only:
            logdet = np.log(fit.w.sum(axis=1))  # X'WX = Σw
        else:
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
    if _uses_newton(settings):
        fe = _common_wls(batch)  # any start does; DerSimonian–Laird is the cheapest sensible one
        start = np.maximum(0.0, (fe.rss - _df(batch)) / fe.trP)
    else:
        start = np.maximum(_hedges(batch).tau2, 0.0)  # metafor's start: its Fisher scoring path is reproduced
    tau2, converged, iterations = _fisher_scoring(batch, method, settings, start)
    if settings.global_check:
        # The (restricted) likelihood of τ² can have more than one maximum; the iterations find the one nearest their
        # start. The sign pattern of the score on a grid tells where there is more than one; there, the likelihood
        # is compared at the grid points and the iterations restart from any point that beats the estimate.
        scale = np.maximum(_sidik_jonkman_start(batch), tau2) + np.where(batch.mask, batch.v, 0.0).max(axis=1)
        grid = np.concatenate([np.zeros((batch.size, 1)), scale[:, None] * np.geomspace(1e-3, 10.0, 12)], axis=1)
        suspect = _several_maxima(batch, method, grid)
        if suspect.any():
            sub = batch.take(suspect)
            sub_grid = grid[suspect]
            ll_hat = _loglik(sub, tau2[suspect], method)
            ll_grid = np.stack([_loglik(sub, sub_grid[:, j], method) for j in range(sub_grid.shape[1])], axis=1)
            better = ll_grid.max(axis=1) > ll_hat + 1e-8 * np.maximum(1.0, np.abs(ll_hat))
            if better.any():
                lanes = np.flatnonzero(suspect)[better]
                start = sub_grid[better, ll_grid[better].argmax(axis=1)]
                t2, c2, i2 = _fisher_scoring(sub.take(better), method, settings, start)
                tau2[lanes], converged[lanes], iterations[lanes] = t2, c2, iterations[lanes] + i2
    fallback = ~converged
    if fallback.any():
        _bounded_fallback(batch, method, settings, tau2, converged)
    fit = wls(batch, weights(batch, tau2))
    info = (fit.w * fit.w).sum(axis=1) if method == "ML" else trace_PP(batch, fit)
    se = np.sqrt(2.0 / info)
    return Tau2Estimate(tau2, se, converged, iterations, fallback)


def _score_and_information(
    batch: Batch, tau2: FloatArray, method: str, *, observed: bool
) -> tuple[FloatArray, FloatArray]:
    """The (doubled) score of the (restricted) likelihood at τ² and its expected or observed information.

    Score: ``y'PPy − tr P`` (REML) or ``Σw²r² − Σw`` (ML). Expected information: ``tr(PP)`` or ``Σw²``;
    observed: ``2 y'PPPy − tr(PP)`` or ``2 y'PPPy − Σw²`` where that is positive (the expected one elsewhere).
    Intercept-only models use fused closed-form sums (each pass over the data once).
    """
    if batch.intercept_only:
        w = weights(batch, tau2)
        sw = w.sum(axis=1)
        w2 = w * w
        sw2 = w2.sum(axis=1)
        mu = np.einsum("bk,bk->b", w, batch.y) / sw
        r = batch.y - mu[:, None]
        if not batch.full:
            r = np.where(batch.mask, r, 0.0)
        u = w * r
        yppy = np.einsum("bk,bk->b", u, u)
        if method == "ML":
            score = yppy - sw
            expected = sw2
        else:
            score = yppy - (sw - sw2 / sw)
            ratio = sw2 / sw
            expected = sw2 - 2.0 * np.einsum("bk,bk->b", w2, w) / sw + ratio * ratio
        if not observed:
            return score, expected
        wu = w * u
        swu = wu.sum(axis=1)
        py_ppy = np.einsum("bk,bk->b", wu, u) - swu * swu / sw
        obs = 2.0 * py_ppy - (sw2 if method == "ML" else expected)
        return score, np.where(obs > 0.0, obs, expected)
    fit = wls(batch, weights(batch, tau2))
    w = fit.w
    wr = w * fit.resid
    if method == "ML":
        score = (wr * wr).sum(axis=1) - w.sum(axis=1)
        expected = (w * w).sum(axis=1)
    else:
        score = (wr * wr).sum(axis=1) - fit.trP
        expected = trace_PP(batch, fit)
    if not observed:
        return score, expected
    obs = 2.0 * py_p_py(batch, fit) - (expected if method == "REML" else (w * w).sum(axis=1))
    return score, np.where(obs > 0.0, obs, expected)


def _several_maxima(batch: Batch, method: str, grid: FloatArray) -> BoolArray:
    """Lanes whose likelihood may have more than one local maximum on ``grid`` (shape ``(B, G)``, ascending from 0).

    The score's sign is evaluated at every grid point: a maximum lies at 0 when the score there is ≤ 0 and between
    two grid points where the score turns from positive to non-positive. More than one such place flags the lane.
    """
    n, g = grid.shape
    signs = np.empty((n, g), dtype=bool)
    if batch.intercept_only:
        # centred effects keep the sums below well conditioned; the score from Σw, Σwy, Σw², Σw²y, Σw²y²
        mask = batch.mask
        y = np.where(mask, batch.y, 0.0)
        y = np.where(mask, y - (y.sum(axis=1) / batch.k)[:, None], 0.0)
        y2 = y * y
        v = np.where(mask, batch.v, np.inf)  # padded cells get zero weight
        for j in range(g):
            w = 1.0 / (v + grid[:, j : j + 1])
            sw = w.sum(axis=1)
            mu = np.einsum("bk,bk->b", w, y) / sw
            w2 = w * w
            sw2 = w2.sum(axis=1)
            w2r2 = np.einsum("bk,bk->b", w2, y2) - 2.0 * mu * np.einsum("bk,bk->b", w2, y) + mu * mu * sw2
            extra = sw if method == "ML" else sw - sw2 / sw
            signs[:, j] = w2r2 - extra > 0.0
    else:
        for j in range(g):
            fit = wls(batch, weights(batch, grid[:, j]))
            wr = fit.w * fit.resid
            extra = fit.w.sum(axis=1) if method == "ML" else fit.trP
            signs[:, j] = (wr * wr).sum(axis=1) - extra > 0.0
    maxima = (~signs[:, 0]).astype(np.int64) + (signs[:, :-1] & ~signs[:, 1:]).sum(axis=1) + signs[:, -1]
    return maxima > 1


def _uses_newton(settings: Tau2Settings) -> bool:
    return settings.algorithm == "newton" or (settings.algorithm == "auto" and settings.threshold <= 1e-9)


def _fisher_scoring(
    batch: Batch, method: str, settings: Tau2Settings, start: FloatArray
) -> tuple[FloatArray, BoolArray, FloatArray]:
    """Fisher scoring or Newton–Raphson in every lane, safeguarded by a bracket on the score.

    With a fine convergence threshold (the default) the steps use the observed information (Newton–Raphson:
    quadratic convergence to the exact maximum, a handful of iterations); with a coarse one, the expected
    information (Fisher scoring), so that a threshold like metafor's default 1e-5 reproduces metafor's iterates.
    Plain Fisher scoring (metafor's algorithm) can oscillate around a small τ² for ever: the expected information
    then underestimates the curvature and every step overshoots. Each iteration therefore also records where the
    score was positive (``lo``) and negative (``hi``). While the scoring steps behave they are taken unchanged
    (so converging cases follow metafor's iterates exactly); a step that leaves the bracket, or that reverses the
    previous step without halving it, is replaced by a regula falsi step in the bracket (Illinois variant; Dowell &
    Jarratt 1971). Converged lanes leave the working set, which is compacted as it shrinks.
    """
    n = batch.size
    newton = _uses_newton(settings)
    tau2 = np.array(start, dtype=np.float64, copy=True)
    converged = np.zeros(n, dtype=bool)
    iterations = np.zeros(n)
    idx = np.arange(n)  # lanes of the working set
    sub = batch
    t = tau2.copy()
    # Newton steps are kept in check by the bracket alone; the likelihood is needed only for scoring's halving
    ll = np.zeros(n) if newton else _loglik(sub, t, method)
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    s_lo = np.full(n, np.nan)
    s_hi = np.full(n, np.nan)
    prev_step = np.zeros(n)
    last_side = np.zeros(n)  # +1: lo was updated last, −1: hi was updated last
    for _ in range(settings.maxiter):
        active = ~converged[idx]
        score, info = _score_and_information(sub, t, method, observed=newton)
        # the bracket: the maximum lies above points with a positive score and below points with a negative one
        up = active & (score > 0.0) & (t >= lo)
        down = active & (score < 0.0) & (t <= hi)
        # Illinois: the end kept twice in a row has its score halved, so that regula falsi cannot stall
        s_hi = np.where(up & (last_side > 0), s_hi / 2.0, s_hi)
        s_lo = np.where(down & (last_side < 0), s_lo / 2.0, s_lo)
        lo = np.where(up, t, lo)
        s_lo = np.where(up, score, s_lo)
        hi = np.where(down, t, hi)
        s_hi = np.where(down, score, s_hi)
        last_side = np.where(up, 1.0, np.where(down, -1.0, last_side))

        step = np.where(active, score / info, 0.0)
        new = np.maximum(0.0, t + step)
        bracketed = np.isfinite(hi) & np.isfinite(s_lo) & (hi > lo)
        oscillating = (step * prev_step < 0.0) & (np.abs(step) > 0.5 * np.abs(prev_step))
        outside = (new <= lo) | (new >= hi)
        safeguard = active & bracketed & (oscillating | outside)
        with np.errstate(divide="ignore", invalid="ignore"):
            falsi = lo + (hi - lo) * s_lo / (s_lo - s_hi)
        falsi = np.where(np.isfinite(falsi) & (falsi > lo) & (falsi < hi), falsi, (lo + hi) / 2.0)
        new = np.where(safeguard, falsi, new)
        step = new - t
        ll_new = ll
        if not newton:
            # step halving where a scoring step would decrease the likelihood
            ll_new = _loglik(sub, new, method)
            for _h in range(settings.step_halvings):
                worse = active & ~safeguard & (ll_new < ll - 1e-12 * np.abs(ll))
                if not worse.any():
                    break
                step = np.where(worse, step / 2.0, step)
                new = np.where(worse, np.maximum(0.0, t + step), new)
                ll_new = _loglik(sub, new, method)
        tolerance = settings.threshold * np.maximum(1.0, t)
        done = active & ((np.abs(new - t) < tolerance) | (bracketed & (hi - lo < tolerance)))
        moved = idx[active]
        tau2[moved] = new[active]
        iterations[moved] += 1
        converged[idx[done]] = True
        still = active & ~done
        if not still.any():
            break
        t, ll, prev_step = new, ll_new, step
        if (~still).sum() * 4 >= idx.size:  # compact once a quarter of the working set has converged
            idx = idx[still]
            sub = sub.take(still)
            t, ll, prev_step = t[still], ll[still], prev_step[still]
            lo, hi, s_lo, s_hi, last_side = lo[still], hi[still], s_lo[still], s_hi[still], last_side[still]
    return tau2, converged, iterations


def _bounded_fallback(
    batch: Batch, method: str, settings: Tau2Settings, tau2: FloatArray, converged: BoolArray
) -> None:
    from scipy.optimize import minimize_scalar  # noqa: PLC0415 - rarely needed; scipy.optimize is slow to import

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
    target = df if method == "PM" else chi2_ppf(0.5, df)
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


def _exact(settings: Tau2Settings) -> Tau2Settings:
    """The same settings with Brent's root search at machine precision."""
    return Tau2Settings(
        threshold=settings.threshold,
        maxiter=settings.maxiter,
        tol=0.0,
        tau2_max=settings.tau2_max,
        step_halvings=settings.step_halvings,
        global_check=settings.global_check,
        algorithm=settings.algorithm,
    )


def _fixed_point(batch: Batch, settings: Tau2Settings) -> Tau2Estimate:
    """Empirical Bayes (Morris 1983; Berkey et al. 1995): the root of ``Q(τ²) = k − p`` (τ² = 0 where
    ``Q(0) ≤ k − p``), which is the fixed point of Morris's iteration; found directly by Brent's method at machine
    precision (the iteration converges only linearly). This is the value metafor reports when its iteration
    converges.
    """
    tau2, converged, iterations = solve_q_equation(batch, _df(batch), _exact(settings))
    se = _se_paule_mandel(batch, tau2)
    return Tau2Estimate(tau2, se, converged, iterations)


def _sidik_jonkman_iterated(batch: Batch, settings: Tau2Settings) -> Tau2Estimate:
    """Iterated Sidik–Jonkman (Sidik & Jonkman 2005, 2007): the SJ update ``τ² ← τ² · y'P y/(k − p)`` with weights
    ``1/(v + τ²)`` repeated from the SJ start until τ² changes by less than the threshold.

    The iteration is run as metafor runs it (its iterates are reproduced, including where it approaches a zero
    τ² only geometrically). Its fixed points solve ``Q(τ²) = k − p``; lanes that have not converged after
    ``maxiter`` steps get that root instead, found exactly.
    """
    n = batch.size
    tau2 = _sidik_jonkman_start(batch)
    df = _df(batch)
    converged = np.zeros(n, dtype=bool)
    iterations = np.zeros(n)
    idx = np.arange(n)
    sub = batch
    t = tau2.copy()
    for _ in range(settings.maxiter):
        new = t * wls(sub, weights(sub, t)).rss / df[idx]
        done = np.abs(new - t) < settings.threshold * np.maximum(1.0, t)
        tau2[idx] = new
        iterations[idx] += 1
        converged[idx[done]] = True
        if done.all():
            break
        keep = ~done
        idx, sub, t = idx[keep], sub.take(keep), new[keep]
    if not converged.all():
        lanes = ~converged
        root, ok, its = solve_q_equation(batch.take(lanes), df[lanes], _exact(settings))
        tau2[lanes], converged[lanes], iterations[lanes] = root, ok, iterations[lanes] + its
    return Tau2Estimate(tau2, _se_paule_mandel(batch, tau2), converged, iterations)


def _dersimonian_laird_iterated(batch: Batch, settings: Tau2Settings) -> Tau2Estimate:
    """Iterated DerSimonian–Laird (DerSimonian & Kacker 2007): the DL moment formula repeated with the weights
    of the current τ², ``τ² ← max(0, (Q(τ²) − (k − p)) / tr P(τ²))``, from τ² = 0.

    Its fixed point solves ``Q(τ²) − (k − p) − τ² tr P(τ²) = 0``; it is found directly by Brent's method at
    machine precision (τ² = 0 where the DL estimate itself is 0). The standard error is the DL one evaluated at
    the final τ², with P at the final weights (as metafor reports it).
    """
    n = batch.size
    df = _df(batch)
    fe = _common_wls(batch)
    search = fe.rss - df > 0.0
    tau2 = np.zeros(n)
    converged = np.ones(n, dtype=bool)
    iterations = np.zeros(n)
    if search.any():
        sub = batch.take(search)
        sub_df = df[search]

        def h(x: FloatArray, active: BoolArray) -> FloatArray:
            out = np.zeros_like(x)
            if active.any():
                lanes = sub.take(active)
                fit = wls(lanes, weights(lanes, x[active]))
                out[active] = fit.rss - sub_df[active] - x[active] * fit.trP
            return out

        upper = np.full(sub.size, settings.tau2_max)
        f_upper = h(upper, np.ones(sub.size, dtype=bool))
        for _ in range(60):  # widen until the bracket holds the root
            beyond = f_upper > 0.0
            if not beyond.any():
                break
            upper = np.where(beyond, upper * 10.0, upper)
            f_upper = h(upper, np.ones(sub.size, dtype=bool))
        f_zero = (fe.rss - df)[search]
        root, ok, its = brent_zeroin(h, np.zeros(sub.size), upper, f_zero, f_upper, tol=0.0, maxiter=settings.maxiter)
        tau2[search], converged[search], iterations[search] = root, ok, its
    # the DL standard-error formula, sqrt(2(k − p) + 4τ² tr P + 2τ⁴ tr PP) / tr P, with P at the final weights
    final = wls(batch, weights(batch, tau2))
    se = np.sqrt(2.0 * df + 4.0 * tau2 * final.trP + 2.0 * tau2**2 * trace_PP(batch, final)) / final.trP
    return Tau2Estimate(tau2, se, converged, iterations)
