"""Combining groups into one: sample size, mean and SD of the union (e.g. two intervention arms into one)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sysreview._typing import ArrayLike, FloatArray
from sysreview.effects._columns import as_result, as_values, reject
from sysreview.errors import InputError

__all__ = ["CombinedGroup", "combine_groups", "combine_two_groups"]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class CombinedGroup:
    """Size, mean and standard deviation of a group formed by merging groups.

    Attributes
    ----------
    n, mean, sd : ndarray of float64
        One value per combined group (0-dimensional for scalar input).
    """

    n: FloatArray
    mean: FloatArray
    sd: FloatArray


def _group(label: str, n: ArrayLike, mean: ArrayLike, sd: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    size = as_values(f"n{label}", n)
    reject(f"n{label}", size, size <= 0, "must be a sample size above zero")
    centre = as_values(f"mean{label}", mean)
    spread = as_values(f"sd{label}", sd)
    reject(f"sd{label}", spread, spread < 0, "must be a standard deviation of zero or more")
    return size, centre, spread


def combine_two_groups(  # noqa: PLR0917 -- the data of two groups, in the Handbook's order, are positional
    n1: ArrayLike, mean1: ArrayLike, sd1: ArrayLike, n2: ArrayLike, mean2: ArrayLike, sd2: ArrayLike
) -> CombinedGroup:
    """Merge two groups (e.g. two doses of one drug) into one, as in the Cochrane Handbook's Table 6.5.a.

    ``N = N1 + N2``, ``M = (N1·M1 + N2·M2)/N`` and
    ``SD = √[((N1 − 1)·SD1² + (N2 − 1)·SD2² + N1·N2/N·(M1² + M2² − 2·M1·M2)) / (N − 1)]``,
    exactly the SD of the pooled individual values. Vectorised over studies.

    References
    ----------
    Higgins JPT, Li T, Deeks JJ (2023). Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4, section 6.5.2.10, Table 6.5.a.
    """
    size1, centre1, spread1 = _group("1", n1, mean1, sd1)
    size2, centre2, spread2 = _group("2", n2, mean2, sd2)
    total = size1 + size2
    mean = (size1 * centre1 + size2 * centre2) / total
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = (
            (size1 - 1) * spread1**2
            + (size2 - 1) * spread2**2
            + size1 * size2 / total * (centre1**2 + centre2**2 - 2 * centre1 * centre2)
        ) / (total - 1)
    return CombinedGroup(n=as_result(total), mean=as_result(mean), sd=as_result(np.sqrt(variance)))


def combine_groups(n: ArrayLike, mean: ArrayLike, sd: ArrayLike, *, axis: int = -1) -> CombinedGroup:
    """Merge several groups into one: the size, mean and SD of the union of their members.

    ``N = Σ nⱼ``, ``M = Σ nⱼ·mⱼ / N`` and ``SD² = (Σ (nⱼ − 1)·sdⱼ² + Σ nⱼ·(mⱼ − M)²)/(N − 1)``, the
    several-group form of Table 6.5.a (applying :func:`combine_two_groups` repeatedly gives the same
    result). The groups lie along ``axis``; a table with one row per study and one column per arm gives
    one combined group per study.

    References
    ----------
    Higgins JPT, Li T, Deeks JJ (2023). Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4, section 6.5.2.10, Table 6.5.a.
    """
    sizes, centres, spreads = np.broadcast_arrays(*_group("", n, mean, sd))
    if sizes.ndim == 0:
        raise InputError("needs the groups along an axis (an array), got a single number", column="n")
    total = sizes.sum(axis=axis)
    pooled_mean = (sizes * centres).sum(axis=axis) / total
    deviation = centres - np.expand_dims(pooled_mean, axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = (((sizes - 1) * spreads**2).sum(axis=axis) + (sizes * deviation**2).sum(axis=axis)) / (total - 1)
    return CombinedGroup(n=as_result(total), mean=as_result(pooled_mean), sd=as_result(np.sqrt(variance)))
