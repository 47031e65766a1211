"""Refit a model to many subsets of its studies: the one place where diagnostics call the pooling model.

Leave-one-out, influence, cumulative meta-analysis and GOSH all describe their subsets as a boolean matrix
(one row per subset, one column per study) and get back one array per statistic. The subsets are refitted
together, in chunks, by the models' batch kernel — the same code that :func:`sysreview.models.rma` runs for a
batch of one, so every subset's result is exactly what ``rma`` gives for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sysreview._typing import BoolArray, FloatArray
from sysreview.diagnostics._common import readonly
from sysreview.models import MetaResult
from sysreview.models._fit import BatchFit, fit_batch
from sysreview.models._genq import WEIGHTED_METHODS
from sysreview.models._kernel import make_batch
from sysreview.models._rma import Control, fit_weighted
from sysreview.models._tau2 import COMMON_EFFECT_METHODS, Tau2Settings

__all__ = ["DesignSubsetFits", "SubsetFits", "fit_design_subsets", "fit_subsets", "has_intercept"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SubsetFits:
    """The intercept-only model refitted to each subset; arrays of length ``n_subsets`` (NaN where undefined)."""

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


def fit_subsets(fit: MetaResult, subsets: BoolArray) -> SubsetFits:
    """Refit ``fit``'s model (method, test, level) to the studies selected by each row of ``subsets``.

    ``subsets`` has shape ``(n_subsets, fit.k)``; every row selects at least one study. A subset of one study
    gives a common-effect fit (τ² cannot be estimated), as :func:`~sysreview.models.rma` does.
    """
    rows = np.asarray(subsets, dtype=bool)
    n = rows.shape[0]
    out = {name: np.full(n, np.nan) for name in _FIELDS}
    settings = Control().settings()
    single = rows.sum(axis=1) == 1
    for group, method in ((~single, fit.method), (single, "FE")):
        # a single study cannot estimate τ²: a common-effect fit, as rma does
        idx = np.flatnonzero(group)
        if method in WEIGHTED_METHODS:
            # GENQ/GENQM: each subset refitted with the user weights of its studies, one subset at a time
            for lane, res in _fit_weighted_lanes(fit, np.ones((fit.k, 1)), rows, idx, settings=settings):
                for name, values in res.pooled().items():
                    if name in out:
                        out[name][lane] = values[0]
            continue
        for start in range(0, idx.size, _CHUNK):
            lanes = idx[start : start + _CHUNK]
            _fit_chunk(fit, rows[lanes], lanes=lanes, method=method, settings=settings, out=out)
    return SubsetFits(
        k=readonly(rows.sum(axis=1), dtype=np.int64),
        **{name: readonly(values) for name, values in out.items()},
    )


def _fit_chunk(
    fit: MetaResult,
    rows: BoolArray,
    *,
    lanes: npt.NDArray[np.intp],
    method: str,
    settings: Tau2Settings,
    out: dict[str, FloatArray],
) -> None:
    """Refit one chunk of subsets (studies packed to the left of each lane) and store the results."""
    m, k = rows.shape
    order = np.argsort(~rows, axis=1, kind="stable")  # chosen studies first, in their original order
    y = np.take_along_axis(np.broadcast_to(fit.yi, (m, k)), order, axis=1)
    v = np.take_along_axis(np.broadcast_to(fit.vi, (m, k)), order, axis=1)
    mask = np.take_along_axis(rows, order, axis=1)
    width = int(mask.sum(axis=1).max())
    batch = make_batch(y[:, :width], v[:, :width], np.ones((m, width, 1)), mask[:, :width])
    with np.errstate(divide="ignore", invalid="ignore"):
        res = fit_batch(batch, method=method, test=fit.test, level=fit.level, settings=settings)
    values = res.pooled()
    for name in _FIELDS:
        out[name][lanes] = values[name]


def _fit_weighted_lanes(
    fit: MetaResult, X: FloatArray, rows: BoolArray, lanes: npt.NDArray[np.intp], *, settings: Tau2Settings
) -> list[tuple[int, BatchFit]]:
    """GENQ/GENQM refits of the subsets ``rows[lanes]`` with the remaining studies' user weights, as
    :func:`~sysreview.models.rma` fits each subset (its τ² interval aside); a subset whose fit fails
    numerically (a degenerate knha factor) is left out (its row stays NaN)."""
    if fit.user_weights is None:
        raise ValueError(f"the {fit.method} fit carries no user weights")
    a_all = np.asarray(fit.user_weights, dtype=np.float64)
    intercept = has_intercept(fit)
    fitted: list[tuple[int, BatchFit]] = []
    for lane in lanes:
        chosen = np.asarray(rows[lane], dtype=bool)
        y, v, Xs, a = fit.yi[chosen], fit.vi[chosen], X[chosen], a_all[chosen]
        k = y.size
        batch = make_batch(y[None, :], v[None, :], Xs[None, :, :], np.ones((1, k), dtype=bool))
        try:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                res = fit_weighted(
                    batch,
                    y,
                    v,
                    Xs,
                    a,
                    method=fit.method,
                    test=fit.test,
                    level=fit.level,
                    settings=settings,
                    intercept=intercept,
                )
        except np.linalg.LinAlgError:
            continue
        fitted.append((int(lane), res))
    return fitted


_CHUNK = 8192  # subsets per batch: bounds the (chunk, k, k) matrices some estimators form
_FIELDS = ("estimate", "se", "statistic", "pvalue", "ci_lower", "ci_upper", "tau2", "I2", "H2", "Q", "Q_pvalue")


@dataclass(frozen=True, slots=True, kw_only=True)
class DesignSubsetFits:
    """A model with moderators refitted to each subset: ``(n_subsets, p)`` coefficient arrays, ``(n_subsets, p, p)``
    covariances and ``(n_subsets,)`` heterogeneity statistics; NaN in every row that is not ``estimable`` (the
    subset's model matrix is not of full column rank, e.g. a factor level is left without studies)."""

    estimable: BoolArray
    beta: FloatArray
    vb: FloatArray
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
    QM: FloatArray
    QM_pvalue: FloatArray


def has_intercept(fit: MetaResult) -> bool:
    """Whether ``fit``'s model matrix starts with the intercept column that :func:`~sysreview.models.rma` adds."""
    return fit.p - len(fit.moderators) == 1


def fit_design_subsets(fit: MetaResult, subsets: BoolArray) -> DesignSubsetFits:
    """Refit ``fit``'s model with its model matrix ``fit.X`` (method, test, level, intercept) to each subset.

    As :func:`~sysreview.models.rma` does for the subset's data: a subset whose rows of ``X`` are not of full
    column rank cannot be fitted (its row is NaN and ``estimable`` is False); a subset of k ≤ p studies leaves no
    residual degrees of freedom for τ² and gets a common-effect fit.
    """
    if fit.X is None:
        raise ValueError("the fit carries no model matrix")
    X = np.asarray(fit.X, dtype=np.float64)
    rows = np.asarray(subsets, dtype=bool)
    n, p = rows.shape[0], X.shape[1]
    sizes = rows.sum(axis=1)
    # rank of each subset's rows of X, as rma checks it (rows left out are zeroed: the others keep their rank)
    rank = np.zeros(n, dtype=np.int64)
    step = max(1, _DESIGN_CELLS // max(1, fit.k * p))
    for start in range(0, n, step):
        part = rows[start : start + step]
        rank[start : start + step] = np.linalg.matrix_rank(part[:, :, None] * X[None, :, :])
    estimable = (sizes >= p) & (rank == p)
    vec = {name: np.full((n, p), np.nan) for name in _COEF_FIELDS}
    vb = np.full((n, p, p), np.nan)
    scalar = {name: np.full(n, np.nan) for name in _DESIGN_FIELDS}
    settings = Control().settings()
    no_df = sizes - p < 1
    common = fit.method if fit.method in COMMON_EFFECT_METHODS else "FE"
    intercept = has_intercept(fit)
    # the batch forms (lanes, k, k) matrices for some estimators with moderators: bound a chunk's size
    chunk = max(1, min(_CHUNK, _DESIGN_CELLS // max(1, fit.k * fit.k)))
    for group, method in ((estimable & ~no_df, fit.method), (estimable & no_df, common)):
        idx = np.flatnonzero(group)
        if method in WEIGHTED_METHODS:
            # GENQ/GENQM: each subset refitted with the user weights of its studies, one subset at a time
            for lane, res in _fit_weighted_lanes(fit, X, rows, idx, settings=settings):
                for name in _COEF_FIELDS:
                    vec[name][lane] = getattr(res, name)[0]
                vb[lane] = res.vb[0]
                for name in _DESIGN_FIELDS:
                    scalar[name][lane] = getattr(res, name)[0]
            continue
        options: dict[str, Any] = {"method": method, "settings": settings, "intercept": intercept}
        for start in range(0, idx.size, chunk):
            lanes = idx[start : start + chunk]
            try:
                fitted = [(lanes, _fit_design_chunk(fit, X, rows[lanes], **options))]
            except np.linalg.LinAlgError:
                # a degenerate subset (e.g. a perfect fit under knha: V(b) = 0) stops the batch: fit the lanes one
                # by one and leave the row of a subset that cannot be fitted NaN
                fitted = []
                for lane in lanes:
                    try:
                        one = lanes[lanes == lane]
                        fitted.append((one, _fit_design_chunk(fit, X, rows[one], **options)))
                    except np.linalg.LinAlgError:
                        continue
            for where, res in fitted:
                for name in _COEF_FIELDS:
                    vec[name][where] = getattr(res, name)
                vb[where] = res.vb
                for name in _DESIGN_FIELDS:
                    scalar[name][where] = getattr(res, name)
    return DesignSubsetFits(
        estimable=readonly(estimable, dtype=bool),
        vb=readonly(np.where(np.isfinite(vb), vb, np.nan)),
        **{name: readonly(np.where(np.isfinite(v), v, np.nan)) for name, v in vec.items()},
        **{name: readonly(np.where(np.isfinite(v), v, np.nan)) for name, v in scalar.items()},
    )


def _fit_design_chunk(
    fit: MetaResult, X: FloatArray, rows: BoolArray, *, method: str, settings: Tau2Settings, intercept: bool
) -> BatchFit:
    """Fit one chunk of subsets of a model with moderators (studies packed to the left of each lane)."""
    m, k = rows.shape
    order = np.argsort(~rows, axis=1, kind="stable")  # chosen studies first, in their original order
    y = np.take_along_axis(np.broadcast_to(fit.yi, (m, k)), order, axis=1)
    v = np.take_along_axis(np.broadcast_to(fit.vi, (m, k)), order, axis=1)
    Xs = np.take_along_axis(np.broadcast_to(X, (m, *X.shape)), order[:, :, None], axis=1)
    mask = np.take_along_axis(rows, order, axis=1)
    width = int(mask.sum(axis=1).max())
    batch = make_batch(y[:, :width], v[:, :width], Xs[:, :width, :], mask[:, :width])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return fit_batch(batch, method=method, test=fit.test, level=fit.level, settings=settings, intercept=intercept)


_DESIGN_CELLS = 4_000_000  # lanes × k × k per chunk of a model with moderators (about 32 MB per matrix)
_COEF_FIELDS = ("beta", "se", "statistic", "pvalue", "ci_lower", "ci_upper")
_DESIGN_FIELDS = ("tau2", "I2", "H2", "Q", "Q_pvalue", "QM", "QM_pvalue")
