"""Regression tests and corrections for small-study effects: Egger, Peters, PET-PEESE."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from sysreview._distributions import t_sf
from sysreview._typing import ArrayLike, FloatArray
from sysreview.diagnostics._common import (
    check_choice,
    check_level,
    critical_value,
    plain,
    require_intercept_only,
    require_refittable,
    require_studies,
)
from sysreview.errors import InputError
from sysreview.models import Coefficient, MetaResult, rma

__all__ = ["PetPeeseResult", "RegressionTestResult", "egger_test", "pet_peese", "peters_test"]

MODELS = ("lm", "rma")
PREDICTORS = ("sei", "vi")


@dataclass(frozen=True, slots=True, kw_only=True)
class RegressionTestResult:
    """A regression test for funnel-plot asymmetry: yᵢ regressed on a precision predictor.

    ``statistic``, ``pvalue`` and ``df`` test the predictor's coefficient ``bias`` (H₀: no asymmetry).
    ``intercept`` is the fitted effect where the predictor is 0 (a study of infinite precision): the "limit
    estimate". In Egger's original form, the standard normal deviate yᵢ/seᵢ regressed on the precision
    1/seᵢ, the two swap places: Egger's intercept is ``bias`` here and his slope is ``intercept``.
    """

    model: str  # "lm": weighted least squares, residual variance estimated; "rma": meta-regression
    predictor: str  # "sei", "vi" or "ninv" (1/n, Peters' test)
    method: str | None  # τ² estimator of the meta-regression (model "rma")
    test: str  # "t" for model "lm"; the test of the meta-regression for model "rma"
    level: float
    k: int
    statistic: float
    pvalue: float
    df: int | None  # None for a z test
    bias: float
    bias_se: float
    intercept: float
    intercept_se: float
    intercept_ci_lower: float
    intercept_ci_upper: float

    def to_dict(self) -> dict[str, Any]:
        """Field name → value."""
        out: dict[str, Any] = plain({f.name: getattr(self, f.name) for f in fields(self)})
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class PetPeeseResult:
    """PET and PEESE limit estimates and the one the conditional PET-PEESE rule selects.

    ``estimate`` … ``pvalue`` repeat the intercept of the selected model (``selected``: "PET" or "PEESE").
    """

    k: int
    df: int
    level: float
    alpha: float
    #: PET: intercept of yᵢ ~ seᵢ (weights 1/vᵢ)
    pet: Coefficient
    #: the slope of PET, the test of funnel-plot asymmetry (Egger's test)
    asymmetry: Coefficient
    #: PEESE: intercept of yᵢ ~ vᵢ (weights 1/vᵢ)
    peese: Coefficient
    selected: str
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    pvalue: float

    def to_dict(self) -> dict[str, Any]:
        """Field name → value (coefficients as mappings)."""
        out: dict[str, Any] = plain(
            {
                f.name: getattr(self, f.name).to_dict()
                if isinstance(getattr(self, f.name), Coefficient)
                else getattr(self, f.name)
                for f in fields(self)
            }
        )
        return out


def egger_test(fit: MetaResult, *, model: str = "lm", predictor: str = "sei") -> RegressionTestResult:
    """Egger's regression test for funnel-plot asymmetry.

    ``model="lm"`` is the classical test (Egger et al. 1997): weighted least squares of yᵢ on seᵢ with
    weights 1/vᵢ and a residual variance estimated from the data (a multiplicative dispersion), so that the
    coefficient of seᵢ has a t(k − 2) test. ``model="rma"`` is its mixed-effects form: the meta-regression
    of yᵢ on seᵢ fitted with the τ² estimator and test of ``fit`` (z unless ``fit`` used t/knha).
    ``predictor="vi"`` regresses on the sampling variance instead (as PEESE).

    Parameters
    ----------
    fit : MetaResult
        A fitted intercept-only model (its ``yi``, ``vi``, method, test and level are used).
    model : {"lm", "rma"}
    predictor : {"sei", "vi"}

    Returns
    -------
    RegressionTestResult
        ``statistic``/``pvalue`` test the predictor's coefficient; ``intercept`` is the limit estimate.

    References
    ----------
    Egger, M., Davey Smith, G., Schneider, M., & Minder, C. (1997). Bias in meta-analysis detected by a simple,
    graphical test. *BMJ*, 315, 629–634.
    Sterne, J. A. C., & Egger, M. (2005). Regression methods to detect publication and other bias in
    meta-analysis. In H. R. Rothstein, A. J. Sutton, & M. Borenstein (Eds.), *Publication bias in
    meta-analysis* (pp. 99–110). Wiley.
    """
    model = check_choice("model", model, MODELS)
    predictor = check_choice("predictor", predictor, PREDICTORS)
    require_intercept_only(fit, "Egger's test")
    require_studies(fit.k, 3, "Egger's test")
    x = np.sqrt(fit.vi) if predictor == "sei" else np.asarray(fit.vi, dtype=np.float64)
    _check_predictor(x, predictor)
    if model == "lm":
        return _weighted_regression_test(fit.yi, x, 1.0 / _positive(fit.vi), predictor=predictor, level=fit.level)
    require_refittable(fit, "Egger's test with model='rma'")
    res = rma(fit.yi, fit.vi, mods=x, mod_names=[predictor], method=fit.method, test=fit.test, level=fit.level)
    b0, b1 = res.coefficients
    return RegressionTestResult(
        model="rma",
        predictor=predictor,
        method=res.method,
        test=res.test,
        level=res.level,
        k=res.k,
        statistic=b1.statistic,
        pvalue=b1.pvalue,
        df=None if res.df is None else round(res.df),
        bias=b1.estimate,
        bias_se=b1.se,
        intercept=b0.estimate,
        intercept_se=b0.se,
        intercept_ci_lower=b0.ci_lower,
        intercept_ci_upper=b0.ci_upper,
    )


def peters_test(
    ai: ArrayLike, bi: ArrayLike, ci: ArrayLike, di: ArrayLike, *, level: float = 0.95
) -> RegressionTestResult:
    """Peters' regression test for funnel-plot asymmetry of binary outcomes (log odds ratios).

    The log odds ratio of each study (½ added to every cell of a study with a zero cell) is regressed on
    1/nᵢ, the inverse of the study's total sample size, by weighted least squares with weights
    1/(1/(aᵢ + cᵢ) + 1/(bᵢ + dᵢ)) (events and non-events of both groups) and a residual variance estimated
    from the data; the coefficient of 1/nᵢ has a t(k − 2) test. Unlike Egger's test, the predictor is not a
    function of the log odds ratio's own variance, which keeps the type I error near nominal.

    Parameters
    ----------
    ai, bi, ci, di : array_like
        Events and non-events of the treatment group (ai, bi) and of the control group (ci, di).
    level : float
        Confidence level of the interval of the limit estimate.

    Returns
    -------
    RegressionTestResult
        With ``predictor="ninv"``; ``intercept`` is the log odds ratio at 1/n → 0.

    References
    ----------
    Peters, J. L., Sutton, A. J., Jones, D. R., Abrams, K. R., & Rushton, L. (2006). Comparison of two methods
    to detect publication bias in meta-analysis. *JAMA*, 295(6), 676–680.
    """
    level = check_level(level)
    cells = {}
    for name, values in (("ai", ai), ("bi", bi), ("ci", ci), ("di", di)):
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim != 1:
            raise InputError(f"{name} must be one-dimensional, got shape {arr.shape}", column=name)
        bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
        if bad.size:
            raise InputError(f"not a count: {arr[bad[0]]:g}", row=int(bad[0]) + 1, column=name)
        cells[name] = arr
    a, b, c, d = cells["ai"], cells["bi"], cells["ci"], cells["di"]
    if not a.shape == b.shape == c.shape == d.shape:
        raise InputError("ai, bi, ci and di must have one value per study each", column="ai")
    require_studies(a.size, 3, "Peters' test")
    for name, total in (("ai", a + c), ("bi", b + d)):
        bad = np.flatnonzero(total <= 0)
        if bad.size:
            what = "events" if name == "ai" else "non-events"
            raise InputError(
                f"no {what} in either group; Peters' test needs both in every study",
                row=int(bad[0]) + 1,
                column=name,
            )
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    add = np.where(zero, 0.5, 0.0)
    yi = np.log((a + add) * (d + add) / ((b + add) * (c + add)))
    n = a + b + c + d
    w = 1.0 / (1.0 / (a + c) + 1.0 / (b + d))
    return _weighted_regression_test(yi, 1.0 / n, w, predictor="ninv", level=level)


def pet_peese(fit: MetaResult, *, alpha: float = 0.10) -> PetPeeseResult:
    """PET-PEESE: the limit estimate corrected for small-study effects, chosen by the conditional rule.

    PET (precision-effect test) is the weighted least-squares regression yᵢ = β₀ + β₁·seᵢ, PEESE
    (precision-effect estimate with standard error) yᵢ = β₀ + β₁·vᵢ, both with weights 1/vᵢ and a residual
    variance estimated from the data (t(k − 2) inference). β₀ estimates the effect of a study with no
    sampling error. The conditional estimator reports PEESE's β₀ when PET's β₀ differs from zero
    (two-sided p < ``alpha``; the default 0.10 equals the one-sided 5% test of Stanley & Doucouliagos 2014
    in the direction of the estimate) and PET's β₀ otherwise.

    Parameters
    ----------
    fit : MetaResult
        A fitted intercept-only model (its ``yi``, ``vi`` and ``level`` are used).
    alpha : float
        Significance level of PET's test of β₀ that selects PEESE.

    Returns
    -------
    PetPeeseResult

    References
    ----------
    Stanley, T. D., & Doucouliagos, H. (2014). Meta-regression approximations to reduce publication selection
    bias. *Research Synthesis Methods*, 5(1), 60–78.
    Stanley, T. D. (2017). Limitations of PET-PEESE and other meta-analysis methods. *Social Psychological
    and Personality Science*, 8(5), 581–591.
    """
    if not 0.0 < alpha < 1.0:
        raise InputError(f"alpha must lie between 0 and 1, got {alpha!r}")
    require_intercept_only(fit, "PET-PEESE")
    require_studies(fit.k, 3, "PET-PEESE")
    w = 1.0 / _positive(fit.vi)
    pet = _wls(fit.yi, np.sqrt(fit.vi), w, level=fit.level, names=("PET", "sei"))
    peese = _wls(fit.yi, np.asarray(fit.vi, dtype=np.float64), w, level=fit.level, names=("PEESE", "vi"))
    use_peese = pet[0].pvalue < alpha
    chosen = peese[0] if use_peese else pet[0]
    return PetPeeseResult(
        k=fit.k,
        df=fit.k - 2,
        level=fit.level,
        alpha=float(alpha),
        pet=pet[0],
        asymmetry=pet[1],
        peese=peese[0],
        selected="PEESE" if use_peese else "PET",
        estimate=chosen.estimate,
        se=chosen.se,
        ci_lower=chosen.ci_lower,
        ci_upper=chosen.ci_upper,
        pvalue=chosen.pvalue,
    )


# ---------------------------------------------------------------------- weighted least squares
def _wls(
    y: FloatArray, x: FloatArray, w: FloatArray, *, level: float, names: tuple[str, str]
) -> tuple[Coefficient, Coefficient]:
    """Weighted least squares of y on (1, x) with residual variance σ² = Σwr²/(k − 2) and t(k − 2) inference.

    This is the linear model with weights (R's ``lm(y ~ x, weights = w)``): Var(yᵢ) = σ²/wᵢ.
    """
    k = y.size
    X = np.column_stack([np.ones(k), x])
    XtW = X.T * w
    XtWX = XtW @ X
    _check_predictor(x, names[1])
    XtWX_inv = np.linalg.inv(XtWX)
    beta = XtWX_inv @ (XtW @ y)
    resid = y - X @ beta
    df = k - 2
    sigma2 = float(np.sum(w * resid * resid)) / df
    se = np.sqrt(np.diag(XtWX_inv) * sigma2)
    crit = critical_value(level, df)
    out = []
    for j, name in enumerate(names):
        with np.errstate(divide="ignore", invalid="ignore"):  # a perfect fit (σ² = 0): ±inf or NaN, as in R
            statistic = float(np.float64(beta[j]) / se[j])
        out.append(
            Coefficient(
                name=name,
                estimate=float(beta[j]),
                se=float(se[j]),
                statistic=statistic,
                pvalue=float(2.0 * t_sf(abs(statistic), df)),
                ci_lower=float(beta[j] - crit * se[j]),
                ci_upper=float(beta[j] + crit * se[j]),
            )
        )
    return out[0], out[1]


def _weighted_regression_test(
    y: FloatArray, x: FloatArray, w: FloatArray, *, predictor: str, level: float
) -> RegressionTestResult:
    b0, b1 = _wls(y, x, w, level=level, names=("intrcpt", predictor))
    return RegressionTestResult(
        model="lm",
        predictor=predictor,
        method=None,
        test="t",
        level=level,
        k=int(y.size),
        statistic=b1.statistic,
        pvalue=b1.pvalue,
        df=int(y.size) - 2,
        bias=b1.estimate,
        bias_se=b1.se,
        intercept=b0.estimate,
        intercept_se=b0.se,
        intercept_ci_lower=b0.ci_lower,
        intercept_ci_upper=b0.ci_upper,
    )


def _check_predictor(x: FloatArray, name: str) -> None:
    if np.ptp(x) == 0.0:
        raise InputError(
            f"every study has the same {name}: a regression on {name} (funnel-plot asymmetry) is not defined",
            column="vi" if name in {"sei", "vi"} else None,
        )


def _positive(vi: FloatArray) -> FloatArray:
    bad = np.flatnonzero(~(vi > 0))
    if bad.size:
        raise InputError(
            f"a weighted regression needs positive sampling variances, got {vi[bad[0]]:g}",
            row=int(bad[0]) + 1,
            column="vi",
        )
    return np.asarray(vi, dtype=np.float64)
