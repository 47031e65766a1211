"""rma: common-effect and random-effects models and mixed-effects meta-regression, one analysis at a time.

One analysis is a batch of one: the work is done by the batch kernels in ``_kernel``, ``_tau2`` and ``_fit``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from sysreview._distributions import chi2_sf, f_sf, norm_ppf, norm_sf, t_ppf, t_sf
from sysreview._typing import ArrayLike, FloatArray
from sysreview.errors import InputError
from sysreview.models._checks import METHODS, check_level, check_method, check_test
from sysreview.models._fit import BatchFit, fit_batch, q_profile
from sysreview.models._genq import WEIGHTED_METHODS, weighted_fixed_effects, weighted_q_interval, weighted_tau2
from sysreview.models._kernel import Batch, make_batch
from sysreview.models._results import Coefficient, Interval, MetaResult
from sysreview.models._roots import R_UNIROOT_TOL
from sysreview.models._tau2 import COMMON_EFFECT_METHODS, Tau2Settings

__all__ = ["Control", "rma"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Control:
    """Numerical settings of the iterative estimators.

    ``threshold``: convergence criterion of the iterative estimators (ML, REML, EB, SJIT, DLIT), on the change
    in τ² per iteration. ``tol``: tolerance of the Brent root searches of PM, PMM and the Q-profile interval;
    the default is R's ``uniroot`` tolerance so that results agree with metafor, and a smaller value (e.g.
    1e-12) gives the exact root. ``tau2_max``: upper end of those searches (widened when the root lies beyond).
    ``global_check``: compare the ML/REML maximum found by Fisher scoring with a grid of τ² values, so that a
    multimodal likelihood does not leave the estimate at a local maximum. ``algorithm``: ML/REML steps —
    ``"newton"`` (observed information), ``"scoring"`` (Fisher scoring, metafor's) or ``"auto"`` (Newton when
    ``threshold`` ≤ 1e-9, otherwise scoring, so that a coarse threshold reproduces metafor's iterates).
    """

    threshold: float = 1e-12
    maxiter: int = 1000
    tol: float = R_UNIROOT_TOL
    tau2_max: float = 100.0
    global_check: bool = True
    algorithm: str = "auto"

    def settings(self) -> Tau2Settings:
        return Tau2Settings(
            threshold=self.threshold,
            maxiter=self.maxiter,
            tol=self.tol,
            tau2_max=self.tau2_max,
            global_check=self.global_check,
            algorithm=self.algorithm,
        )


def _vector(name: str, values: ArrayLike) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numeric ({exc})", column=name) from None
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {arr.shape}", column=name)
    return arr


def rma(
    yi: ArrayLike,
    vi: ArrayLike | None = None,
    *,
    sei: ArrayLike | None = None,
    mods: ArrayLike | None = None,
    mod_names: Sequence[str] | None = None,
    intercept: bool = True,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    measure: str | None = None,
    study: Sequence[str] | None = None,
    tau2: float | None = None,
    control: Control | None = None,
    weights: ArrayLike | None = None,
) -> MetaResult:
    """Fit a common-effect, random-effects or mixed-effects meta-regression model.

    Parameters
    ----------
    yi, vi : array_like
        Observed effect sizes and their sampling variances (or ``sei``, the standard errors).
    mods : array_like, optional
        Moderators, shape ``(k,)`` or ``(k, m)``; named by ``mod_names`` (default ``mod1``, ``mod2``, …).
        An intercept named ``intrcpt`` is added unless ``intercept=False``.
    method : str
        ``FE`` (common effect; ``EE``/``CE`` are synonyms) or a τ² estimator: ``DL`` (DerSimonian & Laird 1986),
        ``DLIT`` (iterated DL), ``HE`` (Hedges 1983), ``HS`` / ``HSk`` (Hunter & Schmidt 2004; Brannick et
        al. 2019), ``SJ`` / ``SJIT`` (Sidik & Jonkman 2005), ``ML``, ``REML`` (Viechtbauer 2005), ``EB``
        (Morris 1983), ``PM`` (Paule & Mandel 1982), ``PMM`` (median-unbiased PM; Viechtbauer 2021), or, with
        ``weights``, ``GENQ`` (generalised Q moment estimator; DerSimonian & Kacker 2007) and ``GENQM`` (its
        median-unbiased version from the exact distribution of the generalised Q; Jackson et al. 2014).
    test : str
        ``z`` (Wald), ``t`` (t with k − p df), ``knha`` (Hartung & Knapp 2001; Sidik & Jonkman 2002) or
        ``adhoc`` (knha with the ad hoc truncation of Knapp & Hartung 2003).
    level : float
        Confidence level of the intervals (0.95 or 95).
    tau2 : float, optional
        Fix τ² at this value instead of estimating it.
    weights : array_like, optional
        Weights of the generalised Q statistic, required by (and only used with) ``GENQ`` and ``GENQM``; the
        coefficients are then estimated with these weights too (with a sandwich covariance), as in metafor.

    Returns
    -------
    MetaResult
        Estimates on the model scale; I² and H² as metafor defines them (Higgins & Thompson 2002, with the
        "typical" within-study variance (k − p)/tr(P)); Q-profile intervals for τ², I², H² (Viechtbauer 2007);
        the prediction interval for intercept-only models (normal quantile under ``z``, t(k − p) otherwise).

    References
    ----------
    DerSimonian, R., & Laird, N. (1986). Meta-analysis in clinical trials. *Controlled Clinical Trials*, 7, 177–188.
    Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the random-effects model.
    *Journal of Educational and Behavioral Statistics*, 30(3), 261–293.
    Raudenbush, S. W. (2009). Analyzing effect sizes: Random-effects models. In H. Cooper et al. (Eds.),
    *The handbook of research synthesis and meta-analysis* (2nd ed., pp. 295–315).
    Higgins, J. P. T., & Thompson, S. G. (2002). Quantifying heterogeneity in a meta-analysis.
    *Statistics in Medicine*, 21, 1539–1558.
    Hartung, J., & Knapp, G. (2001). A refined method for the meta-analysis of controlled clinical trials with
    binary outcome. *Statistics in Medicine*, 20, 3875–3889.
    DerSimonian, R., & Kacker, R. (2007). Random-effects model for meta-analysis of clinical trials: An update.
    *Contemporary Clinical Trials*, 28(2), 105–114.
    Jackson, D., Turner, R., Rhodes, K., & Viechtbauer, W. (2014). Methods for calculating confidence and credible
    intervals for the residual between-study variance in random effects meta-regression models.
    *BMC Medical Research Methodology*, 14, 103.
    """
    method = check_method(method, allowed=(*METHODS, *WEIGHTED_METHODS))
    test = check_test(test)
    level = check_level(level)
    control = control or Control()

    y = _vector("yi", yi)
    if vi is None and sei is None:
        raise InputError("give the sampling variances vi or the standard errors sei", column="vi")
    if vi is not None:
        v = _vector("vi", vi)
        vname = "vi"
    else:
        se_arr = _vector("sei", sei)  # type: ignore[arg-type]
        bad = np.flatnonzero(se_arr < 0)
        if bad.size:
            raise InputError(f"negative standard error {se_arr[bad[0]]:g}", row=int(bad[0]) + 1, column="sei")
        v = se_arr**2
        vname = "sei"
    if y.shape != v.shape:
        raise InputError(f"yi has {y.size} values but {vname} has {v.size}", column=vname)
    labels = [str(i + 1) for i in range(y.size)] if study is None else [str(s) for s in study]
    if len(labels) != y.size:
        raise InputError(f"study has {len(labels)} labels for {y.size} effect sizes", column="study")
    bad = np.flatnonzero(v < 0)
    if bad.size:
        raise InputError(f"negative sampling variance {v[bad[0]]:g}", row=int(bad[0]) + 1, column=vname)
    bad = np.flatnonzero(np.isinf(y) | np.isinf(v))
    if bad.size:
        raise InputError("infinite effect size or variance", row=int(bad[0]) + 1, column="yi")

    X, names = _design(mods, mod_names, y.size, intercept=intercept)
    a = _user_weights(weights, method, y.size)

    notes: list[str] = []
    keep = ~(np.isnan(y) | np.isnan(v) | np.isnan(X).any(axis=1))
    if a is not None:
        keep &= ~np.isnan(a)
    if not keep.all():
        omitted = [labels[i] for i in np.flatnonzero(~keep)]
        notes.append(
            f"{len(omitted)} stud{'y' if len(omitted) == 1 else 'ies'} omitted for missing values: "
            + ", ".join(omitted)
        )
    y, v, X = y[keep], v[keep], X[keep]
    if a is not None:
        a = a[keep]
    labels = [lab for lab, kept in zip(labels, keep, strict=True) if kept]
    k, p = X.shape
    if k == 0:
        raise InputError("no studies to pool (k = 0)")
    if k < p:
        raise InputError(f"k = {k} studies cannot estimate {p} coefficients")
    if np.linalg.matrix_rank(X) < p:
        raise InputError("the moderators are linearly dependent (model matrix not of full rank)", column="mods")
    fitted_method = method
    if k - p < 1 and method not in COMMON_EFFECT_METHODS and tau2 is None:
        notes.append(f"k = {k}: tau^2 cannot be estimated; a common-effect model was fitted")
        fitted_method = "FE"
    if fitted_method in COMMON_EFFECT_METHODS and np.any(v == 0):
        raise InputError("a zero sampling variance gives a common-effect model infinite weight", column=vname)

    batch = make_batch(y[None, :], v[None, :], X[None, :, :], np.ones((1, k), dtype=bool))
    settings = control.settings()
    fixed = None if tau2 is None else np.array([float(tau2)])
    weighted = a is not None and fitted_method in WEIGHTED_METHODS
    if a is not None and not weighted:
        a = None
    if weighted:
        assert a is not None
        fit = fit_weighted(
            batch,
            y,
            v,
            X,
            a,
            method=fitted_method,
            test=test,
            level=level,
            settings=settings,
            tau2=tau2,
            intercept=intercept,
        )
    else:
        fit = fit_batch(
            batch,
            method=fitted_method,
            test=test,
            level=level,
            settings=settings,
            tau2_fixed=fixed,
            intercept=intercept,
        )
    if fit.fallback[0]:
        notes.append(
            f"Fisher scoring for the {method} estimate of tau^2 did not converge in {control.maxiter} iterations; "
            "the maximum was found by a bounded one-dimensional search of the likelihood instead"
        )
    if not fit.converged[0]:
        notes.append(f"the {method} estimator did not converge; results may be unreliable")

    random = fitted_method not in COMMON_EFFECT_METHODS or tau2 is not None
    tau2_hat = float(fit.tau2[0])
    tau2_ci = I2_ci = H2_ci = None
    if random and k - p >= 1 and weighted:
        assert a is not None
        lo, hi, beyond = weighted_q_interval(y, v, X, a, level=level, tau2_hat=tau2_hat, settings=settings)
        if beyond:
            notes.append(
                "the confidence interval for tau^2 reaches the end of its search range; pass a larger "
                "Control(tau2_max=...) to search further"
            )
        s2 = float(fit.typical_v[0])
        tau2_ci = Interval(lo, hi)
        I2_ci = Interval(100.0 * lo / (s2 + lo), 100.0 * hi / (s2 + hi))
        H2_ci = Interval((s2 + lo) / s2, (s2 + hi) / s2)
    elif random and k - p >= 1:
        qp = q_profile(batch, level=level, settings=settings, tau2_hat=fit.tau2)
        lo, hi = float(qp.tau2_lower[0]), float(qp.tau2_upper[0])
        if qp.truncated[0]:
            notes.append(
                f"the Q-profile interval for tau^2 reaches the end of its search range ({hi:g}); "
                "its upper bound is at least this large (pass a larger Control(tau2_max=...) to search further)"
            )
        s2 = float(fit.typical_v[0])
        tau2_ci = Interval(lo, hi)
        I2_ci = Interval(100.0 * lo / (s2 + lo), 100.0 * hi / (s2 + hi))
        H2_ci = Interval((s2 + lo) / s2, (s2 + hi) / s2)

    R2 = None
    if p > 1 and intercept and fitted_method not in COMMON_EFFECT_METHODS:
        if weighted:
            assert a is not None
            t0 = weighted_tau2(y, v, np.ones((k, 1)), a, method=fitted_method, settings=settings).tau2
        else:
            null = make_batch(y[None, :], v[None, :], np.ones((1, k, 1)), np.ones((1, k), dtype=bool))
            fit0 = fit_batch(null, method=fitted_method, test="z", level=level, settings=settings)
            t0 = float(fit0.tau2[0])
        R2 = 0.0 if t0 <= 0 else max(0.0, 100.0 * (t0 - tau2_hat) / t0)
    elif p > 1 and intercept and k > p:
        # a common-effect meta-regression explains a share of the weighted variation: the adjusted R² of the
        # weighted least-squares regression (as metafor reports for FE models), in percent
        w = 1.0 / v
        rss_null = float(np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2))
        rss_full = float(fit.Q[0])
        if rss_null > 0:
            adjusted = 1.0 - (rss_full / rss_null) * (k - 1) / (k - p)
            R2 = max(0.0, 100.0 * adjusted)

    coefficients = tuple(
        Coefficient(
            name=names[j],
            estimate=float(fit.beta[0, j]),
            se=float(fit.se[0, j]),
            statistic=float(fit.statistic[0, j]),
            pvalue=float(fit.pvalue[0, j]),
            ci_lower=float(fit.ci_lower[0, j]),
            ci_upper=float(fit.ci_upper[0, j]),
        )
        for j in range(p)
    )
    pooled = p == 1 and intercept
    df = None if math.isnan(float(fit.df[0])) else float(fit.df[0])
    q_df = int(k - p)
    return MetaResult(
        measure=measure,
        method=fitted_method if fitted_method != method and method not in COMMON_EFFECT_METHODS else method,
        test=test,
        level=level,
        k=k,
        p=p,
        study=tuple(labels),
        yi=_readonly(y),
        vi=_readonly(v),
        weights=_readonly(fit.weights[0, :k]),
        coefficients=coefficients,
        estimate=coefficients[0].estimate if pooled else None,
        se=coefficients[0].se if pooled else None,
        statistic=coefficients[0].statistic if pooled else None,
        pvalue=coefficients[0].pvalue if pooled else None,
        ci_lower=coefficients[0].ci_lower if pooled else None,
        ci_upper=coefficients[0].ci_upper if pooled else None,
        df=df,
        tau2=tau2_hat,
        tau2_se=_finite(fit.tau2_se[0]) if random and tau2 is None else None,
        tau2_ci=tau2_ci,
        I2=_finite(fit.I2[0]),
        I2_ci=I2_ci,
        H2=_finite(fit.H2[0]),
        H2_ci=H2_ci,
        Q=float(fit.Q[0]),
        Q_df=q_df,
        Q_pvalue=_finite(fit.Q_pvalue[0]),
        pi_lower=float(fit.pi_lower[0]) if pooled and random else None,
        pi_upper=float(fit.pi_upper[0]) if pooled and random else None,
        moderators=tuple(names[1:] if intercept else names) if p > 1 or not intercept else (),
        QM=_finite(fit.QM[0]),
        QM_df=None if math.isnan(float(fit.QM_df[0])) else int(fit.QM_df[0]),
        QM_pvalue=_finite(fit.QM_pvalue[0]),
        R2=R2,
        X=_readonly(X),
        vcov=_readonly(fit.vb[0]),
        user_weights=_readonly(a) if weighted and a is not None else None,
        converged=bool(fit.converged[0]),
        iterations=int(fit.iterations[0]),
        notes=tuple(notes),
    )


def _design(
    mods: ArrayLike | None, mod_names: Sequence[str] | None, k: int, *, intercept: bool
) -> tuple[FloatArray, list[str]]:
    columns: list[FloatArray] = []
    names: list[str] = []
    if intercept:
        columns.append(np.ones(k))
        names.append("intrcpt")
    if mods is not None:
        try:
            M = np.asarray(mods, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(f"moderators must be numeric ({exc}); dummy-code factors first", column="mods") from None
        if M.ndim == 1:
            M = M[:, None]
        if M.ndim != 2 or M.shape[0] != k:
            raise InputError(f"mods must have {k} rows, got shape {M.shape}", column="mods")
        given = list(mod_names) if mod_names is not None else [f"mod{j + 1}" for j in range(M.shape[1])]
        if len(given) != M.shape[1]:
            raise InputError(f"{len(given)} moderator names for {M.shape[1]} moderators", column="mods")
        for j in range(M.shape[1]):
            columns.append(M[:, j])
            names.append(str(given[j]))
    if not columns:
        raise InputError("a model without intercept needs moderators", column="mods")
    return np.column_stack(columns), names


def _readonly(a: FloatArray) -> FloatArray:
    out = np.array(a, dtype=np.float64, copy=True)
    out.flags.writeable = False
    return out


def _finite(x: float | np.floating) -> float | None:
    value = float(x)
    return value if math.isfinite(value) else None


def _user_weights(weights: ArrayLike | None, method: str, k: int) -> FloatArray | None:
    """The weights of GENQ/GENQM (required there, refused elsewhere), checked: finite and positive or missing."""
    if method not in WEIGHTED_METHODS:
        if weights is not None:
            raise InputError(f"weights are used by the GENQ and GENQM estimators only, not {method}", column="weights")
        return None
    if weights is None:
        raise InputError(
            f"method {method} needs weights (the weights of its generalised Q statistic)", column="weights"
        )
    a = _vector("weights", weights)
    if a.size != k:
        raise InputError(f"weights has {a.size} values for {k} effect sizes", column="weights")
    bad = np.flatnonzero(~np.isnan(a) & ~(np.isfinite(a) & (a > 0.0)))
    if bad.size:
        raise InputError(
            f"weights must be positive and finite, got {a[bad[0]]:g}", row=int(bad[0]) + 1, column="weights"
        )
    return a


def fit_weighted(
    batch: Batch,
    y: FloatArray,
    v: FloatArray,
    X: FloatArray,
    a: FloatArray,
    *,
    method: str,
    test: str,
    level: float,
    settings: Tau2Settings,
    tau2: float | None = None,
    intercept: bool = True,
) -> BatchFit:
    """A GENQ/GENQM fit of one analysis (``batch`` holds its ``y, v, X`` as one lane): τ² estimated with the
    generalised Q statistic of the weights ``a`` (or fixed at ``tau2``), the heterogeneity statistics of the
    inverse-variance model at that τ², and the coefficients of the weighted least-squares fit with weights ``a``
    (no interval for τ²; :func:`rma` adds it)."""
    est = None
    if tau2 is None:
        est = weighted_tau2(y, v, X, a, method=method, settings=settings)
        fixed = np.array([est.tau2])
    else:
        fixed = np.array([float(tau2)])
    base = fit_batch(
        batch, method="FE", test=test, level=level, settings=settings, tau2_fixed=fixed, intercept=intercept
    )
    fit = _weighted_fit(base, y, v, X, a, test=test, level=level, intercept=intercept)
    if est is not None:
        fit = replace(fit, tau2_se=np.array([est.se]), converged=np.array([est.converged]))
    return fit


def _weighted_fit(
    base: BatchFit,
    y: FloatArray,
    v: FloatArray,
    X: FloatArray,
    a: FloatArray,
    *,
    test: str,
    level: float,
    intercept: bool,
) -> BatchFit:
    """The fit at τ̂² (``base``: heterogeneity statistics of the inverse-variance model at that τ²) with the
    coefficients, their inference and the study weights of the weighted least-squares fit with weights ``a``."""
    k, p = X.shape
    tau2 = float(base.tau2[0])
    beta, vb = weighted_fixed_effects(y, v, X, a, tau2=tau2, test=test)
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(se > 0.0, beta / se, np.nan)
    alpha = 1.0 - level
    df = float(k - p)
    if test == "z":
        crit = float(norm_ppf(1.0 - alpha / 2.0))
        pvalue = 2.0 * norm_sf(np.abs(statistic))
    else:
        crit = float(t_ppf(1.0 - alpha / 2.0, df))
        pvalue = 2.0 * t_sf(np.abs(statistic), df)
    pi_se = math.sqrt(float(se[0]) ** 2 + tau2)
    start = 1 if intercept else 0
    QM = QM_df = QM_pvalue = np.array([np.nan])
    if p > start:
        b = beta[start:]
        qm = float(b @ np.linalg.solve(vb[start:, start:], b))
        m = p - start
        QM_df = np.array([float(m)])
        if test == "z":
            QM, QM_pvalue = np.array([qm]), np.array([float(chi2_sf(qm, m))])
        else:
            QM, QM_pvalue = np.array([qm / m]), np.array([float(f_sf(qm / m, m, df))])
    return replace(
        base,
        beta=beta[None, :],
        vb=vb[None, :, :],
        se=se[None, :],
        statistic=statistic[None, :],
        pvalue=np.asarray(pvalue, dtype=np.float64)[None, :],
        ci_lower=(beta - crit * se)[None, :],
        ci_upper=(beta + crit * se)[None, :],
        df=np.array([np.nan if test == "z" else df]),
        pi_lower=np.array([float(beta[0]) - crit * pi_se]),
        pi_upper=np.array([float(beta[0]) + crit * pi_se]),
        weights=(100.0 * a / a.sum())[None, :],
        QM=QM,
        QM_df=QM_df,
        QM_pvalue=QM_pvalue,
    )
