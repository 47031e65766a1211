"""Refit a model to many subsets of its studies: the one place where diagnostics call the pooling model.

Leave-one-out, influence, cumulative meta-analysis and GOSH all describe their subsets as a boolean matrix
(one row per subset, one column per study) and get back one array per statistic. The subsets are refitted
together, in chunks, by the models' batch kernel — the same code that :func:`sysreview.models.rma` runs for a
batch of one, so every subset's result is exactly what ``rma`` gives for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sysreview._typing import BoolArray, FloatArray
from sysreview.diagnostics._common import readonly
from sysreview.models import MetaResult
from sysreview.models._fit import fit_batch
from sysreview.models._kernel import make_batch
from sysreview.models._rma import Control
from sysreview.models._tau2 import Tau2Settings

__all__ = ["SubsetFits", "fit_subsets"]


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


_CHUNK = 8192  # subsets per batch: bounds the (chunk, k, k) matrices some estimators form
_FIELDS = ("estimate", "se", "statistic", "pvalue", "ci_lower", "ci_upper", "tau2", "I2", "H2", "Q", "Q_pvalue")
