"""Fit many meta-analyses at once from long-format arrays: one row per study, a group label per row.

Groups are bucketed by their number of studies, padded into ``(B, K)`` blocks and fitted by the same batch
kernel that :func:`~sysreview.models.rma` runs for a batch of one, so every group's result is what ``rma`` gives
for it. Memory stays bounded by the block size, not by the number of groups.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from sysreview._typing import ArrayLike, BoolArray, FloatArray
from sysreview.errors import InputError
from sysreview.models._checks import check_level, check_method, check_test
from sysreview.models._fit import fit_batch
from sysreview.models._kernel import make_batch
from sysreview.models._rma import Control
from sysreview.models._tau2 import COMMON_EFFECT_METHODS

__all__ = ["BATCH_COLUMNS", "BatchResult", "fit_groups"]

#: the columns of a batch result, in order (metafor's names, as everywhere in sysreview)
BATCH_COLUMNS = (
    "group",
    "k",
    "estimate",
    "se",
    "statistic",
    "pvalue",
    "ci_lower",
    "ci_upper",
    "tau2",
    "I2",
    "H2",
    "Q",
    "Q_pvalue",
    "pi_lower",
    "pi_upper",
    "converged",
    "n_omitted",
)

#: studies (cells) per block: bounds the memory of one kernel call (about 100 MB of working arrays)
_BLOCK_CELLS = 400_000


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchResult:
    """One entry per group (groups in sorted order): the pooled estimate of an intercept-only model and its
    inference, heterogeneity and prediction interval; ``n_omitted`` counts the group's rows with a missing
    ``yi``/``vi`` (left out, as :func:`~sysreview.models.rma` does with a note)."""

    group: npt.NDArray[Any]
    k: npt.NDArray[np.int64]
    estimate: FloatArray
    se: FloatArray
    statistic: FloatArray
    pvalue: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    tau2: FloatArray
    I2: FloatArray
    H2: FloatArray
    Q: FloatArray
    Q_pvalue: FloatArray
    pi_lower: FloatArray
    pi_upper: FloatArray
    converged: BoolArray
    n_omitted: npt.NDArray[np.int64]
    method: str
    test: str
    level: float

    def to_dict(self) -> dict[str, Any]:
        """Column name → array, in ``BATCH_COLUMNS`` order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in BATCH_COLUMNS}

    def __len__(self) -> int:
        return int(self.k.size)


def fit_groups(
    yi: ArrayLike,
    vi: ArrayLike,
    group: ArrayLike | Sequence[Hashable],
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    control: Control | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchResult:
    """Fit an intercept-only model (common-effect or random-effects) in every group.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances, one entry per study (long format).
    group : array_like
        The meta-analysis each study belongs to (any sortable labels).
    method, test, level, control
        As for :func:`~sysreview.models.rma` (every τ² estimator and test).
    progress : callable, optional
        Called as ``progress(done, total)`` (groups) after every block, for a progress bar.

    Returns
    -------
    BatchResult
        Groups in sorted order. A group with a single study gets a common-effect fit, as ``rma`` does.
    """
    method = check_method(method)
    test = check_test(test)
    level = check_level(level)
    settings = (control or Control()).settings()
    y = np.asarray(yi, dtype=np.float64).ravel()
    v = np.asarray(vi, dtype=np.float64).ravel()
    labels = np.asarray(group)
    if not (y.size == v.size == labels.size):
        raise InputError(f"yi, vi and group have {y.size}, {v.size} and {labels.size} values; they must match")
    if y.size == 0:
        raise InputError("no studies (k = 0)")
    bad = np.flatnonzero(v < 0)
    if bad.size:
        raise InputError(f"negative sampling variance {v[bad[0]]:g}", row=int(bad[0]) + 1, column="vi")
    try:
        names, codes = _group_codes(labels)
    except TypeError as exc:
        raise InputError(f"group labels must be sortable ({exc})", column="group") from None
    n_groups = names.size
    missing = np.isnan(y) | np.isnan(v)
    n_omitted = np.bincount(codes[missing], minlength=n_groups).astype(np.int64)
    keep = ~missing
    y, v, codes = y[keep], v[keep], codes[keep]
    counts = np.bincount(codes, minlength=n_groups).astype(np.int64)
    if np.any(counts == 0):
        empty = names[np.flatnonzero(counts == 0)[0]]
        raise InputError(f"group {empty!r} has no study with both yi and vi", column="group")

    order = np.argsort(codes, kind="stable") if np.any(codes[1:] < codes[:-1]) else np.arange(codes.size)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    y_sorted, v_sorted = y[order], v[order]

    out = {name: np.full(n_groups, np.nan) for name in _FLOAT_FIELDS}
    converged = np.zeros(n_groups, dtype=bool)
    # bucket groups by size so that blocks are padded little; single-study groups get common-effect fits
    by_size = np.argsort(counts, kind="stable")
    done = 0
    position = 0
    sorted_sizes = counts[by_size]
    while position < n_groups:
        width = int(sorted_sizes[position])
        lanes_per_block = max(1, _BLOCK_CELLS // max(width, 1))
        # a block holds groups of similar size (at most 25 % larger than its first), at least 64 of them
        similar = int(np.searchsorted(sorted_sizes, width * 1.25 + 1, side="right"))
        end = min(n_groups, position + lanes_per_block, max(similar, position + 64))
        block = by_size[position:end]
        _fit_block(
            block,
            counts=counts,
            starts=starts,
            y_sorted=y_sorted,
            v_sorted=v_sorted,
            method=method,
            test=test,
            level=level,
            settings=settings,
            out=out,
            converged=converged,
        )
        done += block.size
        position = end
        if progress is not None:
            progress(done, n_groups)
    return BatchResult(
        group=names,
        k=counts,
        converged=converged,
        n_omitted=n_omitted,
        method=method,
        test=test,
        level=level,
        **out,
    )


def _group_codes(labels: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]]:
    """Sorted distinct labels and each row's code; O(n) when the rows are already sorted by group (the usual
    layout of simulation output), a sort otherwise."""
    if labels.dtype.kind in "biufU" and labels.size > 1 and bool(np.all(labels[1:] >= labels[:-1])):
        change = np.empty(labels.size, dtype=bool)
        change[0] = True
        np.not_equal(labels[1:], labels[:-1], out=change[1:])
        return labels[change], np.cumsum(change) - 1
    names, codes = np.unique(labels, return_inverse=True)
    return names, codes.ravel()


#: the floating-point columns of a batch result
_FLOAT_FIELDS = tuple(name for name in BATCH_COLUMNS if name not in {"group", "k", "converged", "n_omitted"})


def _fit_block(
    block: npt.NDArray[np.intp],
    *,
    counts: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    y_sorted: FloatArray,
    v_sorted: FloatArray,
    method: str,
    test: str,
    level: float,
    settings: Any,
    out: dict[str, FloatArray],
    converged: BoolArray,
) -> None:
    """Pad one block of groups into (B, K) arrays, fit it and store every group's results."""
    k = counts[block]
    width = int(k.max())
    cols = np.arange(width)
    mask = cols[None, :] < k[:, None]
    index = np.where(mask, starts[block][:, None] + cols[None, :], 0)
    y = np.where(mask, y_sorted[index], 0.0)
    v = np.where(mask, v_sorted[index], 1.0)
    single = k < 2
    for lanes, lane_method in ((~single, method), (single, "FE" if method not in COMMON_EFFECT_METHODS else method)):
        if not lanes.any():
            continue
        batch = make_batch(y[lanes], v[lanes], np.ones((int(lanes.sum()), width, 1)), mask[lanes])
        if lane_method in COMMON_EFFECT_METHODS and np.any((batch.v == 0.0) & batch.mask):
            raise InputError("a zero sampling variance gives a common-effect model infinite weight", column="vi")
        with np.errstate(divide="ignore", invalid="ignore"):
            fit = fit_batch(batch, method=lane_method, test=test, level=level, settings=settings)
        groups = block[lanes]
        random = lane_method not in COMMON_EFFECT_METHODS
        values = fit.pooled()
        if not random:  # a common-effect model has no prediction interval (as rma)
            values["pi_lower"] = values["pi_upper"] = np.full(groups.size, np.nan)
        for name in _FLOAT_FIELDS:
            out[name][groups] = values[name]
        converged[groups] = fit.converged
