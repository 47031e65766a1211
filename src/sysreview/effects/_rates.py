"""Effect sizes from incidence rates (events over person-time): IR, IRLN for one group; IRR, IRD for two."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sysreview._typing import FloatArray
from sysreview.effects._kernel import Kernel, Raw

__all__ = ["KERNELS"]


def incidence_rate(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Incidence rate ``xi/ti`` with the Poisson variance ``xi/ti²``.

    References
    ----------
    Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd ed., chapter 14.
    """
    x, t = columns["xi"], columns["ti"]
    return Raw(yi=x / t, vi=x / t**2)


def log_incidence_rate(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Log incidence rate ``log(xi/ti)`` with variance ``1/xi``.

    References
    ----------
    Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd ed., chapter 14.
    """
    x, t = columns["xi"], columns["ti"]
    with np.errstate(all="ignore"):
        yi = np.log(x / t)
        vi = 1 / x
    return Raw(yi=yi, vi=vi, reasons=((x == 0, "no events: the log rate needs a continuity correction"),))


def log_rate_ratio(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Log incidence rate ratio ``log((x1i/t1i)/(x2i/t2i))`` with variance ``1/x1i + 1/x2i``.

    References
    ----------
    Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd ed., chapter 14.
    """
    x1, t1, x2, t2 = (columns[name] for name in ("x1i", "t1i", "x2i", "t2i"))
    with np.errstate(all="ignore"):
        yi = np.log(x1 / t1) - np.log(x2 / t2)
        vi = 1 / x1 + 1 / x2
    reason = ((x1 == 0) | (x2 == 0), "no events in a group: the log rate ratio needs a continuity correction")
    return Raw(yi=yi, vi=vi, reasons=(reason,))


def rate_difference(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Incidence rate difference ``x1i/t1i − x2i/t2i`` with variance ``x1i/t1i² + x2i/t2i²``.

    References
    ----------
    Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd ed., chapter 14.
    """
    x1, t1, x2, t2 = (columns[name] for name in ("x1i", "t1i", "x2i", "t2i"))
    return Raw(yi=x1 / t1 - x2 / t2, vi=x1 / t1**2 + x2 / t2**2)


KERNELS: dict[str, Kernel] = {
    "IR": incidence_rate,
    "IRLN": log_incidence_rate,
    "IRR": log_rate_ratio,
    "IRD": rate_difference,
}
