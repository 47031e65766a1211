"""Leave-one-out and cumulative meta-analysis: the pooled result refitted as studies are left out or added."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from sysreview._typing import ArrayLike, BoolArray, FloatArray
from sysreview.diagnostics._common import (
    plain,
    readonly,
    require_intercept_only,
    require_refittable,
    require_studies,
)
from sysreview.diagnostics._refit import SubsetFits, fit_design_subsets, fit_subsets, has_intercept
from sysreview.errors import InputError
from sysreview.models import MetaResult

__all__ = ["CumulativeResult", "LeaveOneOutResult", "cumulative", "leave_one_out"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaveOneOutResult:
    """The model refitted k times, each time without one study (row ``i``: study ``i`` left out).

    Arrays have one entry per omitted study, in data order; estimates are on the model scale. For a model
    without moderators ``estimate``, ``se``, ``statistic``, ``pvalue``, ``ci_lower`` and ``ci_upper`` have shape
    ``(k,)`` (the pooled effect); for a meta-regression they have shape ``(k, p)``, one column per coefficient
    (named by ``coefficients``, the intercept first), and ``QM``, ``QM_pvalue`` hold the test of moderators. A row
    is NaN where the model cannot be refitted without the study (``estimable`` False: the model matrix without it
    is not of full rank, e.g. the only study of a factor level); ``notes`` names those studies.
    """

    method: str
    test: str
    level: float
    study: tuple[str, ...]  # the study left out
    coefficients: tuple[str, ...]  # names of the coefficients (columns of the coefficient arrays)
    estimate: FloatArray  # (k,) without moderators, (k, p) with
    se: FloatArray
    statistic: FloatArray  # z or t
    pvalue: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    tau2: FloatArray
    I2: FloatArray  # percent
    H2: FloatArray
    Q: FloatArray  # QE, the test for (residual) heterogeneity
    Q_pvalue: FloatArray
    QM: FloatArray  # omnibus test of the moderators (F under knha/t/adhoc, as the fit's QM); NaN without moderators
    QM_pvalue: FloatArray
    estimable: BoolArray
    notes: tuple[str, ...] = ()

    @property
    def meta_regression(self) -> bool:
        """Whether the refitted model has moderators (coefficient arrays of shape ``(k, p)``)."""
        return self.estimate.ndim == 2

    def to_dict(self) -> dict[str, Any]:
        """Field name → value (arrays as lists, coefficient arrays of a meta-regression as one list per omitted
        study, NaN as None)."""
        out: dict[str, Any] = plain({f.name: getattr(self, f.name) for f in fields(self)})
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class CumulativeResult:
    """The model refitted as studies are added one at a time (row ``j``: the first ``j + 1`` studies).

    ``order`` gives the data positions (0-based) of the studies in the order they were added, ``study`` their
    labels; the last row is the fit to all studies.
    """

    method: str
    test: str
    level: float
    order: npt.NDArray[np.int64]
    study: tuple[str, ...]  # the study added at this step
    k: npt.NDArray[np.int64]
    estimate: FloatArray
    se: FloatArray
    statistic: FloatArray
    pvalue: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    tau2: FloatArray
    I2: FloatArray  # percent
    H2: FloatArray
    Q: FloatArray
    Q_pvalue: FloatArray

    def to_dict(self) -> dict[str, Any]:
        """Field name → value (arrays as lists, NaN as None)."""
        out: dict[str, Any] = plain({f.name: getattr(self, f.name) for f in fields(self)})
        return out


def leave_one_out(fit: MetaResult) -> LeaveOneOutResult:
    """Leave-one-out analysis: refit ``fit``'s model k times, each time omitting one study.

    The refits use the method, test and level of ``fit`` (τ² is re-estimated in every refit) and, for a
    meta-regression, its model matrix (the same moderators, intercept and factor coding).

    Parameters
    ----------
    fit : MetaResult
        A model fitted by :func:`sysreview.models.rma` to k ≥ 2 studies, with or without moderators (k ≥ p + 1
        for a meta-regression with p coefficients).

    Returns
    -------
    LeaveOneOutResult
        One pooled estimate per omitted study for a model without moderators; every coefficient per omitted
        study (arrays of shape ``(k, p)``) and the test of moderators for a meta-regression. Without a study
        whose removal leaves the model matrix rank-deficient, the model cannot be fitted: its row is NaN, with
        a note (metafor's ``influence()`` gives NA there too). A refit of k − 1 = p studies has no residual
        degrees of freedom and is a common-effect fit, as ``rma`` fits it.

    References
    ----------
    Viechtbauer, W., & Cheung, M. W.-L. (2010). Outlier and influence diagnostics for meta-analysis.
    *Research Synthesis Methods*, 1(2), 112–125.
    Belsley, D. A., Kuh, E., & Welsch, R. E. (1980). *Regression diagnostics: Identifying influential data and
    sources of collinearity*. Wiley.
    """
    require_refittable(fit, "leave-one-out analysis")
    require_studies(fit.k, 2, "leave-one-out analysis")
    if is_meta_regression(fit):
        return _leave_one_out_regression(fit)
    res = fit_subsets(fit, ~np.eye(fit.k, dtype=bool))
    nan = readonly(np.full(fit.k, np.nan))
    return LeaveOneOutResult(
        method=fit.method,
        test=fit.test,
        level=fit.level,
        study=fit.study,
        coefficients=tuple(c.name for c in fit.coefficients),
        estimate=res.estimate,
        se=res.se,
        statistic=res.statistic,
        pvalue=res.pvalue,
        ci_lower=res.ci_lower,
        ci_upper=res.ci_upper,
        tau2=res.tau2,
        I2=res.I2,
        H2=res.H2,
        Q=res.Q,
        Q_pvalue=res.Q_pvalue,
        QM=nan,
        QM_pvalue=nan,
        estimable=readonly(np.ones(fit.k, dtype=bool), dtype=bool),
    )


def is_meta_regression(fit: MetaResult) -> bool:
    """A model with moderators (or without the intercept): its model matrix is more than a column of ones."""
    return fit.p != 1 or not has_intercept(fit)


def _leave_one_out_regression(fit: MetaResult) -> LeaveOneOutResult:
    if fit.k < fit.p + 1:
        raise InputError(
            f"leave-one-out analysis of a meta-regression with {fit.p} coefficients needs at least {fit.p + 1} "
            f"studies, got k = {fit.k}"
        )
    res = fit_design_subsets(fit, ~np.eye(fit.k, dtype=bool))
    return LeaveOneOutResult(
        method=fit.method,
        test=fit.test,
        level=fit.level,
        study=fit.study,
        coefficients=tuple(c.name for c in fit.coefficients),
        estimable=res.estimable,
        estimate=res.beta,
        se=res.se,
        statistic=res.statistic,
        pvalue=res.pvalue,
        ci_lower=res.ci_lower,
        ci_upper=res.ci_upper,
        tau2=res.tau2,
        I2=res.I2,
        H2=res.H2,
        Q=res.Q,
        Q_pvalue=res.Q_pvalue,
        QM=res.QM,
        QM_pvalue=res.QM_pvalue,
        notes=not_estimable_notes(fit, res.estimable),
    )


def not_estimable_notes(fit: MetaResult, estimable: BoolArray) -> tuple[str, ...]:
    """One note naming the studies without which the model matrix is rank-deficient (no refit possible)."""
    missing = [fit.study[i] for i in np.flatnonzero(~estimable)]
    if not missing:
        return ()
    which = "study" if len(missing) == 1 else "each of the studies"
    note = (
        f"without {which} {', '.join(missing)} the model matrix is not of full rank (e.g. a factor level left "
        "without studies): the model cannot be refitted there and those rows are NaN"
    )
    return (note,)


def cumulative(fit: MetaResult, *, order: ArrayLike | None = None) -> CumulativeResult:
    """Cumulative meta-analysis: refit ``fit``'s model as studies are added one at a time.

    Parameters
    ----------
    fit : MetaResult
        An intercept-only model fitted by :func:`sysreview.models.rma`.
    order : array_like, optional
        One sort key per study (e.g. publication year); studies are added in ascending order of the key, and
        studies with equal keys in data order. Default: data order.

    Returns
    -------
    CumulativeResult

    References
    ----------
    Lau, J., Antman, E. M., Jimenez-Silva, J., Kupelnick, B., Mosteller, F., & Chalmers, T. C. (1992).
    Cumulative meta-analysis of therapeutic trials for myocardial infarction. *New England Journal of
    Medicine*, 327(4), 248–254.
    """
    require_refittable(fit, "cumulative meta-analysis")
    require_intercept_only(fit, "cumulative meta-analysis")
    k = fit.k
    if order is None:
        positions = np.arange(k)
    else:
        keys = np.asarray(order)
        if keys.ndim != 1 or keys.shape[0] != k:
            raise InputError(f"order must give one sort key per study ({k}), got shape {keys.shape}", column="order")
        try:
            positions = np.argsort(keys, kind="stable")
        except TypeError as exc:
            raise InputError(f"order: the sort keys cannot be compared ({exc})", column="order") from None
    steps = np.zeros((k, k), dtype=bool)
    for j in range(k):
        steps[j, positions[: j + 1]] = True
    res = fit_subsets(fit, steps)
    return CumulativeResult(
        method=fit.method,
        test=fit.test,
        level=fit.level,
        order=readonly(positions, dtype=np.int64),
        study=tuple(fit.study[i] for i in positions),
        k=res.k,
        **_statistics(res),
    )


def _statistics(res: SubsetFits) -> dict[str, FloatArray]:
    return {
        "estimate": res.estimate,
        "se": res.se,
        "statistic": res.statistic,
        "pvalue": res.pvalue,
        "ci_lower": res.ci_lower,
        "ci_upper": res.ci_upper,
        "tau2": res.tau2,
        "I2": res.I2,
        "H2": res.H2,
        "Q": res.Q,
        "Q_pvalue": res.Q_pvalue,
    }
