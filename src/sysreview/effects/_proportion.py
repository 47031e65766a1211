"""Effect sizes from single-group proportions: raw, log, logit, arcsine and Freeman–Tukey double arcsine.

The kernels receive ``xi`` events out of ``ni`` after any continuity correction (``add`` is added to the
events and to the non-events, so ``ni`` grows by ``2·add``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sysreview._typing import FloatArray
from sysreview.effects._kernel import Kernel, Raw

__all__ = ["KERNELS"]


def _events(columns: Mapping[str, FloatArray]) -> tuple[FloatArray, FloatArray]:
    return columns["xi"], columns["ni"]


def raw_proportion(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Proportion ``p = xi/ni`` with the binomial variance ``p(1 − p)/ni``.

    References
    ----------
    Lipsey MW, Wilson DB (2001). Practical Meta-Analysis, appendix B (proportions).
    """
    x, n = _events(columns)
    with np.errstate(all="ignore"):
        p = x / n
        vi = p * (1 - p) / n
    return Raw(yi=p, vi=vi)


def log_proportion(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Log proportion ``log(xi/ni)`` with the delta-method variance ``1/xi − 1/ni``.

    References
    ----------
    Lipsey MW, Wilson DB (2001). Practical Meta-Analysis, appendix B.
    """
    x, n = _events(columns)
    with np.errstate(all="ignore"):
        yi = np.log(x / n)
        vi = 1 / x - 1 / n
    return Raw(yi=yi, vi=vi, reasons=((x == 0, "no events: the log proportion needs a continuity correction"),))


def logit_proportion(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Logit ``log(xi/(ni − xi))`` with variance ``1/xi + 1/(ni − xi)``.

    References
    ----------
    Lipsey MW, Wilson DB (2001). Practical Meta-Analysis, appendix B.
    """
    x, n = _events(columns)
    with np.errstate(all="ignore"):
        yi = np.log(x) - np.log(n - x)
        vi = 1 / x + 1 / (n - x)
    reason = ((x == 0) | (x == n), "no events or only events: the logit needs a continuity correction")
    return Raw(yi=yi, vi=vi, reasons=(reason,))


def arcsine_proportion(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Arcsine square-root ``asin(√(xi/ni))`` with variance ``1/(4·ni)``.

    References
    ----------
    Anscombe FJ (1948). The transformation of Poisson, binomial and negative-binomial data. Biometrika
    35:246–254.
    """
    x, n = _events(columns)
    with np.errstate(all="ignore"):
        yi = np.arcsin(np.sqrt(x / n))
        vi = 1 / (4 * n)
    return Raw(yi=yi, vi=vi)


def freeman_tukey(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Freeman–Tukey double arcsine, halved as metafor does, with variance ``1/(4·ni + 2)``.

    ``yi = ½·(asin(√(xi/(ni + 1))) + asin(√((xi + 1)/(ni + 1))))``.

    References
    ----------
    Freeman MF, Tukey JW (1950). Transformations related to the angular and the square root. Annals of
    Mathematical Statistics 21:607–611.
    Miller JJ (1978). The inverse of the Freeman–Tukey double arcsine transformation. The American
    Statistician 32:138.
    """
    x, n = _events(columns)
    with np.errstate(all="ignore"):
        yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
        vi = 1 / (4 * n + 2)
    return Raw(yi=yi, vi=vi)


KERNELS: dict[str, Kernel] = {
    "PR": raw_proportion,
    "PLN": log_proportion,
    "PLO": logit_proportion,
    "PAS": arcsine_proportion,
    "PFT": freeman_tukey,
}
