"""Duval and Tweedie's trim-and-fill: the number of suppressed studies and the pooled result with them filled in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sysreview._typing import FloatArray
from sysreview.diagnostics._common import (
    check_choice,
    plain,
    readonly,
    require_intercept_only,
    require_refittable,
    require_studies,
)
from sysreview.errors import InputError
from sysreview.models import Control, MetaResult, rma

__all__ = ["TrimFillResult", "trim_and_fill"]

ESTIMATORS = ("L0", "R0")
SIDES = ("left", "right")


@dataclass(frozen=True, slots=True, kw_only=True)
class TrimFillResult:
    """Trim-and-fill: the estimated number of missing studies, where, the filled-in studies and the new fit.

    ``fit`` is the model (method, test and level of the original fit) refitted to the observed studies plus
    the ``k0`` filled-in ones; with ``k0 = 0`` it is the original fit. ``estimate``, ``ci_lower``,
    ``ci_upper`` and ``tau2`` repeat it for convenience.
    """

    estimator: str  # "L0" or "R0"
    side: str  # side of the funnel plot on which studies are missing: "left" or "right"
    k0: int
    filled_yi: FloatArray  # the k0 imputed effects, mirror images of the most extreme observed ones
    filled_vi: FloatArray
    filled_study: tuple[str, ...]  # labels "filled 1" … (the study each mirrors in ``mirrors``)
    mirrors: tuple[str, ...]  # the observed study each filled-in study mirrors
    iterations: int
    converged: bool
    fit: MetaResult
    estimate: float
    ci_lower: float
    ci_upper: float
    tau2: float

    def to_dict(self) -> dict[str, Any]:
        """k0, side, the pooled result on the augmented data and the filled-in studies."""
        out: dict[str, Any] = plain(
            {
                "estimator": self.estimator,
                "k0": self.k0,
                "side": self.side,
                "estimate": self.estimate,
                "se": self.fit.se,
                "ci_lower": self.ci_lower,
                "ci_upper": self.ci_upper,
                "pvalue": self.fit.pvalue,
                "tau2": self.tau2,
                "k": self.fit.k,
                "iterations": self.iterations,
                "converged": self.converged,
                "filled": [
                    {"study": s, "mirrors": m, "yi": y, "vi": v}
                    for s, m, y, v in zip(self.filled_study, self.mirrors, self.filled_yi, self.filled_vi, strict=True)
                ],
            }
        )
        return out


#: metafor's trimfill refits at its default convergence threshold, whatever control the model was fitted with
METAFOR_TRIMFILL_CONTROL = Control(threshold=1e-5)


def trim_and_fill(
    fit: MetaResult,
    *,
    estimator: str = "L0",
    side: str | None = None,
    maxiter: int = 100,
    control: Control | None = None,
) -> TrimFillResult:
    """Trim-and-fill analysis of funnel-plot asymmetry (Duval & Tweedie 2000a, 2000b).

    With the missing side taken as the left (effects are negated when it is the right), the studies are sorted
    by effect and, starting from k0 = 0, the algorithm iterates: trim the k0 largest effects, pool the rest
    with the model of ``fit`` to get θ̂, rank |yᵢ − θ̂| over all k studies (ties in data order) and
    re-estimate k0 from the ranks of the positive deviations,

    - L0 = (4Tₙ − k(k + 1)) / (2k − 1), Tₙ the sum of the positive ranks (the Wilcoxon statistic), rounded,
    - R0 = γ* − 1, γ* the length of the run of positive deviations at the top of the ranking,

    truncated at 0, until k0 no longer changes. The k0 trimmed studies are then mirrored about the last θ̂
    (yᵢ → 2θ̂ − yᵢ, same vᵢ) and the model is refitted to the k + k0 studies.

    Parameters
    ----------
    fit : MetaResult
        An intercept-only model fitted by :func:`sysreview.models.rma` (common- or random-effects); its
        method is used for the pooling in every iteration and for the final fit, with its test and level.
    estimator : {"L0", "R0"}
    side : {"left", "right"}, optional
        Side on which studies are missing. Default: estimated from the sign of the slope of the Egger-type
        meta-regression of yᵢ on seᵢ under the fit's method (negative slope: missing on the right).
    maxiter : int
        Most iterations.
    control : Control, optional
        Numerical settings of the τ² estimator in the refits. The default, ``Control(threshold=1e-5)``, is what
        metafor's ``trimfill`` uses whatever control the model had, so that the results agree with metafor's
        digits; for the iterative estimators (REML, ML) they differ from the exact solution by up to ~10⁻⁵
        (relative). Pass ``Control()`` (threshold 10⁻¹²) for the exact refits.

    Returns
    -------
    TrimFillResult

    Notes
    -----
    4Tₙ − k(k + 1) is an integer and 2k − 1 odd, so L0 is never halfway between two integers and the rounding
    rule does not matter.

    References
    ----------
    Duval, S., & Tweedie, R. (2000a). Trim and fill: A simple funnel-plot-based method of testing and adjusting
    for publication bias in meta-analysis. *Biometrics*, 56(2), 455–463.
    Duval, S., & Tweedie, R. (2000b). A nonparametric "trim and fill" method of accounting for publication bias
    in meta-analysis. *Journal of the American Statistical Association*, 95(449), 89–98.
    Duval, S. (2005). The trim and fill method. In H. R. Rothstein, A. J. Sutton, & M. Borenstein (Eds.),
    *Publication bias in meta-analysis* (pp. 127–144). Wiley.
    """
    estimator = check_choice("estimator", estimator, ESTIMATORS)
    if side is not None:
        side = check_choice("side", side, SIDES)
    if isinstance(maxiter, bool) or not isinstance(maxiter, int) or maxiter < 1:
        raise InputError(f"maxiter must be a positive whole number, got {maxiter!r}")
    require_refittable(fit, "trim-and-fill")
    require_intercept_only(fit, "trim-and-fill")
    require_studies(fit.k, 3, "trim-and-fill")
    if control is None:
        control = METAFOR_TRIMFILL_CONTROL
    k = fit.k
    if side is None:
        side = _estimated_side(fit, control)
    sign = -1.0 if side == "right" else 1.0

    order = np.argsort(sign * fit.yi, kind="stable")
    y = sign * fit.yi[order]
    v = fit.vi[order]

    k0 = 0
    previous = -1
    iterations = 0
    theta = 0.0
    while k0 != previous and iterations < maxiter:
        previous = k0
        iterations += 1
        theta = _pooled(fit, y[: k - k0], v[: k - k0], control)
        deviation = y - theta
        ranks = np.empty(k, dtype=np.int64)
        ranks[np.argsort(np.abs(deviation), kind="stable")] = np.arange(1, k + 1)
        signed = np.sign(deviation) * ranks
        if estimator == "L0":
            t_n = float(signed[signed > 0].sum())
            k0 = max(0, round((4.0 * t_n - k * (k + 1)) / (2.0 * k - 1.0)))
        else:
            negative = -signed[signed < 0]
            top_run = k - int(negative.max()) if negative.size else k
            k0 = max(0, top_run - 1)
        k0 = min(k0, k - 1)  # keep at least one study to pool
    converged = k0 == previous

    if k0 == 0:
        return TrimFillResult(
            estimator=estimator,
            side=side,
            k0=0,
            filled_yi=readonly(np.empty(0)),
            filled_vi=readonly(np.empty(0)),
            filled_study=(),
            mirrors=(),
            iterations=iterations,
            converged=converged,
            fit=fit,
            estimate=_number(fit.estimate),
            ci_lower=_number(fit.ci_lower),
            ci_upper=_number(fit.ci_upper),
            tau2=fit.tau2,
        )
    extreme = np.arange(k - k0, k)
    filled_yi = sign * (2.0 * theta - y[extreme])
    filled_vi = v[extreme]
    filled_study = tuple(f"filled {j + 1}" for j in range(k0))
    mirrors = tuple(fit.study[int(order[i])] for i in extreme)
    augmented = rma(
        np.concatenate([fit.yi, filled_yi]),
        np.concatenate([fit.vi, filled_vi]),
        method=fit.method,
        test=fit.test,
        level=fit.level,
        measure=fit.measure,
        study=[*fit.study, *filled_study],
        control=control,
    )
    return TrimFillResult(
        estimator=estimator,
        side=side,
        k0=k0,
        filled_yi=readonly(filled_yi),
        filled_vi=readonly(filled_vi),
        filled_study=filled_study,
        mirrors=mirrors,
        iterations=iterations,
        converged=converged,
        fit=augmented,
        estimate=_number(augmented.estimate),
        ci_lower=_number(augmented.ci_lower),
        ci_upper=_number(augmented.ci_upper),
        tau2=augmented.tau2,
    )


def _estimated_side(fit: MetaResult, control: Control | None) -> str:
    """Missing on the right when the slope of yᵢ on seᵢ (meta-regression, fit's method) is negative."""
    if np.ptp(fit.vi) == 0.0:
        raise InputError(
            "every study has the same standard error, so the side of the missing studies cannot be estimated "
            "from the funnel plot's asymmetry; give side='left' or 'right'",
            column="vi",
        )
    res = rma(fit.yi, fit.vi, mods=np.sqrt(fit.vi), method=fit.method, test=fit.test, control=control)
    return "right" if res.coefficients[1].estimate < 0 else "left"


def _pooled(fit: MetaResult, y: FloatArray, v: FloatArray, control: Control | None) -> float:
    return _number(rma(y, v, method=fit.method, control=control).estimate)


def _number(value: float | None) -> float:
    if value is None:  # an intercept-only fit always has a pooled estimate
        raise InputError("the model gave no pooled estimate")
    return float(value)
