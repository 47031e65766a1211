"""The few distribution functions the statistics need, from ``scipy.special``.

``scipy.stats`` costs about a second to import; these thin wrappers over the same special functions cost a few
milliseconds, which keeps a single ``sysreview meta`` call (a whole process) well under half a second. All accept
scalars or arrays and broadcast like numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sysreview._special import special

__all__ = ["chi2_cdf", "chi2_ppf", "chi2_sf", "f_sf", "norm_isf", "norm_ppf", "norm_sf", "t_ppf", "t_sf"]


def norm_sf(x: Any) -> Any:
    """Upper tail of the standard normal, P(Z > x)."""
    return special.ndtr(-np.asarray(x, dtype=np.float64))


def norm_ppf(p: Any) -> Any:
    """Quantile of the standard normal."""
    return special.ndtri(p)


def norm_isf(p: Any) -> Any:
    """Upper-tail quantile of the standard normal: x with P(Z > x) = p."""
    return -special.ndtri(p)


def t_sf(x: Any, df: Any) -> Any:
    """Upper tail of Student's t with ``df`` degrees of freedom."""
    return special.stdtr(df, -np.asarray(x, dtype=np.float64))


def t_ppf(p: Any, df: Any) -> Any:
    """Quantile of Student's t with ``df`` degrees of freedom."""
    return special.stdtrit(df, p)


def chi2_sf(x: Any, df: Any) -> Any:
    """Upper tail of the chi-squared distribution."""
    return special.chdtrc(df, x)


def chi2_cdf(x: Any, df: Any) -> Any:
    """Lower tail of the chi-squared distribution."""
    return special.chdtr(df, x)


def chi2_ppf(p: Any, df: Any) -> Any:
    """Quantile of the chi-squared distribution (``chdtri`` inverts the upper tail)."""
    return special.chdtri(df, 1.0 - np.asarray(p, dtype=np.float64))


def f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """Upper tail of the F distribution."""
    return special.fdtrc(dfn, dfd, x)
