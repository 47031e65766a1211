"""Refit a model to many subsets of its studies: the one place where diagnostics call the pooling model.

Leave-one-out, influence, cumulative meta-analysis and GOSH all describe their subsets as a boolean matrix
(one row per subset, one column per study) and get back one array per statistic. For now every subset is a
call of :func:`sysreview.models.rma`; when the models package exposes its batched kernel, only
:func:`fit_subsets` changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sysreview._typing import BoolArray, FloatArray
from sysreview.diagnostics._common import nan_if_none, readonly
from sysreview.models import MetaResult, rma

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
    for j in range(n):
        chosen = rows[j]
        res = rma(
            fit.yi[chosen],
            fit.vi[chosen],
            method=fit.method,
            test=fit.test,
            level=fit.level,
            measure=fit.measure,
        )
        for name in _FIELDS:
            out[name][j] = nan_if_none(getattr(res, name))
    return SubsetFits(
        k=readonly(rows.sum(axis=1), dtype=np.int64),
        **{name: readonly(values) for name, values in out.items()},
    )


_FIELDS = ("estimate", "se", "statistic", "pvalue", "ci_lower", "ci_upper", "tau2", "I2", "H2", "Q", "Q_pvalue")
