"""Inference for fitted (mixed-effects) meta-analysis models, on a batch: coefficients, tests, intervals,
heterogeneity statistics and the Q-profile confidence interval for τ²."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sysreview._distributions import chi2_ppf, chi2_sf, f_sf, norm_ppf, norm_sf, t_ppf, t_sf
from sysreview._typing import BoolArray, FloatArray
from sysreview.models._kernel import Batch, weights, wls
from sysreview.models._roots import brent_zeroin
from sysreview.models._tau2 import (
    COMMON_EFFECT_METHODS,
    Tau2Estimate,
    Tau2Settings,
    estimate_tau2,
    generalized_q,
)

__all__ = ["TESTS", "BatchFit", "QProfile", "fit_batch", "q_profile"]

TESTS = ("z", "t", "knha", "adhoc")


@dataclass(frozen=True, slots=True)
class BatchFit:
    """Every quantity of a fitted model, one row per lane (NaN where it does not apply)."""

    beta: FloatArray  # (B, p)
    vb: FloatArray  # (B, p, p)
    se: FloatArray  # (B, p)
    statistic: FloatArray  # (B, p)
    pvalue: FloatArray  # (B, p)
    ci_lower: FloatArray  # (B, p)
    ci_upper: FloatArray  # (B, p)
    df: FloatArray  # (B,) df of the t reference distribution (NaN under z)
    tau2: FloatArray
    tau2_se: FloatArray
    Q: FloatArray
    Q_df: FloatArray
    Q_pvalue: FloatArray
    I2: FloatArray
    H2: FloatArray
    typical_v: FloatArray  # (k − p)/tr(P) of the common-effect fit ("typical" within-study variance)
    pi_lower: FloatArray  # prediction interval at the mean of X... only meaningful for p = 1
    pi_upper: FloatArray
    weights: FloatArray  # (B, K) percent
    QM: FloatArray
    QM_df: FloatArray
    QM_pvalue: FloatArray
    converged: BoolArray
    iterations: FloatArray
    fallback: BoolArray  # the bounded search replaced a failed Fisher scoring

    def pooled(self) -> dict[str, FloatArray]:
        """The pooled-effect columns of an intercept-only fit, one value per lane (NaN where not finite)."""
        columns = {
            "estimate": self.beta[:, 0],
            "se": self.se[:, 0],
            "statistic": self.statistic[:, 0],
            "pvalue": self.pvalue[:, 0],
            "ci_lower": self.ci_lower[:, 0],
            "ci_upper": self.ci_upper[:, 0],
            "tau2": self.tau2,
            "I2": self.I2,
            "H2": self.H2,
            "Q": self.Q,
            "Q_pvalue": self.Q_pvalue,
            "pi_lower": self.pi_lower,
            "pi_upper": self.pi_upper,
        }
        return {name: np.where(np.isfinite(value), value, np.nan) for name, value in columns.items()}


def fit_batch(
    batch: Batch,
    *,
    method: str,
    test: str,
    level: float,
    settings: Tau2Settings,
    tau2_fixed: FloatArray | None = None,
    intercept: bool = True,
) -> BatchFit:
    """Fit the model in every lane: τ² (estimated or fixed), GLS coefficients, tests and heterogeneity."""
    n = batch.size
    if tau2_fixed is not None:
        est = Tau2Estimate(
            np.asarray(tau2_fixed, dtype=np.float64), np.full(n, np.nan), np.ones(n, dtype=bool), np.zeros(n)
        )
    else:
        est = estimate_tau2(batch, method, settings)
    tau2 = est.tau2
    df_resid = batch.k - batch.p

    # heterogeneity of the common-effect fit (Cochran's Q / QE; Higgins & Thompson 2002)
    fe = wls(batch, weights(batch, np.zeros(n)))
    Q = fe.rss
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        Q_pvalue = np.where(df_resid > 0, chi2_sf(Q, df_resid), np.nan)
        typical_v = df_resid / fe.trP
        if method in COMMON_EFFECT_METHODS and tau2_fixed is None:
            # undefined without residual degrees of freedom (k = p): Q is then 0 up to rounding
            I2 = np.where(df_resid > 0, np.where(Q > 0, 100.0 * np.maximum(0.0, (Q - df_resid) / Q), 0.0), np.nan)
            H2 = np.where(df_resid > 0, Q / df_resid, np.nan)
        else:
            I2 = 100.0 * tau2 / (typical_v + tau2)
            H2 = (typical_v + tau2) / typical_v

    # the model fit at τ̂²
    fit = wls(batch, weights(batch, tau2))
    vb = fit.XtWX_inv
    crit_df = np.full(n, np.nan)
    if test in {"knha", "adhoc"}:
        with np.errstate(divide="ignore", invalid="ignore"):  # k = p: no residual df, no knha variance
            s2 = fit.rss / df_resid  # Hartung & Knapp (2001); Sidik & Jonkman (2002)
        if test == "adhoc":
            s2 = np.maximum(1.0, s2)  # Knapp & Hartung (2003) ad hoc improvement
        vb = vb * s2[:, None, None]
    if test in {"t", "knha", "adhoc"}:
        crit_df = df_resid.astype(np.float64)
    se = np.sqrt(np.einsum("bii->bi", vb))
    beta = fit.beta
    with np.errstate(divide="ignore", invalid="ignore"):  # se = 0 (knha with a perfect fit): no test possible
        statistic = np.where(se > 0.0, beta / se, np.nan)
    alpha = 1.0 - level
    if test == "z":
        crit = np.full(n, norm_ppf(1.0 - alpha / 2.0))
        pvalue = 2.0 * norm_sf(np.abs(statistic))
    else:
        # quantiles per distinct df (a batch usually has few): stdtrit is costly per element
        dfs, where = np.unique(crit_df, return_inverse=True)
        crit = t_ppf(1.0 - alpha / 2.0, dfs)[where.ravel()]
        pvalue = 2.0 * t_sf(np.abs(statistic), crit_df[:, None])
    ci_lower = beta - crit[:, None] * se
    ci_upper = beta + crit[:, None] * se

    # prediction interval for the first coefficient (the pooled effect of an intercept-only model)
    pi_se = np.sqrt(se[:, 0] ** 2 + tau2)
    pi_lower = beta[:, 0] - crit * pi_se
    pi_upper = beta[:, 0] + crit * pi_se

    w_sum = fit.w.sum(axis=1, keepdims=True)
    weights_pct = 100.0 * fit.w / w_sum

    # omnibus test of the moderators (all coefficients but the intercept)
    QM, QM_df, QM_pvalue = _omnibus(beta, vb, intercept=intercept, test=test, df_resid=df_resid)

    return BatchFit(
        beta=beta,
        vb=vb,
        se=se,
        statistic=statistic,
        pvalue=pvalue,
        ci_lower=ci_lower,
        ci_upper=ci_upper,
        df=crit_df,
        tau2=tau2,
        tau2_se=est.se,
        Q=Q,
        Q_df=df_resid,
        Q_pvalue=Q_pvalue,
        I2=I2,
        H2=H2,
        typical_v=typical_v,
        pi_lower=pi_lower,
        pi_upper=pi_upper,
        weights=weights_pct,
        QM=QM,
        QM_df=QM_df,
        QM_pvalue=QM_pvalue,
        converged=est.converged,
        iterations=est.iterations,
        fallback=np.zeros(n, dtype=bool) if est.fallback is None else est.fallback,
    )


def _omnibus(
    beta: FloatArray, vb: FloatArray, *, intercept: bool, test: str, df_resid: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Wald-type omnibus test ``QM = b' V⁻¹ b`` of the moderator coefficients (χ² under z, F under t/knha)."""
    n, p = beta.shape
    start = 1 if intercept else 0
    m = p - start
    if m <= 0:
        nan = np.full(n, np.nan)
        return nan, nan, nan
    b = beta[:, start:]
    V = vb[:, start:, start:]
    try:
        solved = np.linalg.solve(V, b[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        # one singular V(b) (Knapp–Hartung with a perfect fit: s² = 0) must not sink the other analyses of the
        # batch; that analysis gets no omnibus test (QM and its p-value NaN, as metafor reports NA)
        solved = np.full_like(b, np.nan)
        for i in range(n):
            try:
                solved[i] = np.linalg.solve(V[i], b[i])
            except np.linalg.LinAlgError:
                continue
    QM = np.einsum("bi,bi->b", b, solved)
    QM_df = np.full(n, float(m))
    if test == "z":
        return QM, QM_df, chi2_sf(QM, m)
    F = QM / m
    return F, QM_df, f_sf(F, m, df_resid)


@dataclass(frozen=True, slots=True)
class QProfile:
    tau2_lower: FloatArray
    tau2_upper: FloatArray
    converged: BoolArray
    truncated: BoolArray  # a bound lies beyond the search range and was set to its end


def q_profile(batch: Batch, *, level: float, settings: Tau2Settings, tau2_hat: FloatArray) -> QProfile:
    """Q-profile confidence interval for τ² (Viechtbauer 2007): the τ² values at which the generalised Q
    statistic equals the ``1 − α/2`` and ``α/2`` quantiles of χ²(k − p). Bounds are truncated at zero.

    The root searches use Brent's method with R's uniroot tolerance on ``[0, max(100, 10 τ̂²)]``, which reproduces
    metafor's ``confint()``; a bound beyond that range is set to its end and flagged in ``truncated``.

    References
    ----------
    Viechtbauer, W. (2007). Confidence intervals for the amount of heterogeneity in meta-analysis.
    *Statistics in Medicine*, 26(1), 37–52.
    """
    n = batch.size
    df = batch.k - batch.p
    alpha = 1.0 - level
    q_hi = chi2_ppf(1.0 - alpha / 2.0, df)
    q_lo = chi2_ppf(alpha / 2.0, df)
    conv = np.ones(n, dtype=bool)
    truncated = np.zeros(n, dtype=bool)
    bounds = []
    upper_end = np.maximum(settings.tau2_max, 10.0 * tau2_hat)
    for target in (q_hi, q_lo):
        q0 = generalized_q(batch, np.zeros(n)) - target
        out = np.zeros(n)
        search = q0 > 0.0
        if search.any():
            sub = batch.take(search)
            tgt = target[search]
            upper = upper_end[search].copy()
            f_upper = generalized_q(sub, upper) - tgt
            # as metafor's confint(), a bound beyond the search range is reported at its end (and flagged)
            beyond = f_upper > 0.0
            truncated[search] |= beyond

            def f(x: FloatArray, active: BoolArray, sub: Batch = sub, tgt: FloatArray = tgt) -> FloatArray:
                res = np.zeros_like(x)
                if active.any():
                    res[active] = generalized_q(sub.take(active), x[active]) - tgt[active]
                return res

            root, ok, _ = brent_zeroin(
                f, np.zeros(sub.size), upper, q0[search], f_upper, tol=settings.tol, maxiter=settings.maxiter
            )
            root = np.where(beyond, upper, root)
            ok = ok | beyond
            out[search] = root
            conv[search] &= ok
        bounds.append(out)
    return QProfile(tau2_lower=bounds[0], tau2_upper=bounds[1], converged=conv, truncated=truncated)
