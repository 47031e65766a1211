"""Effect sizes from correlations: the raw correlation and Fisher's r-to-z transformation."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sysreview._typing import FloatArray
from sysreview.effects._kernel import Kernel, Raw

__all__ = ["KERNELS"]


def raw_correlation(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Raw correlation ``ri`` with the large-sample variance ``(1 − ri²)²/(ni − 1)``.

    References
    ----------
    Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to Meta-Analysis, equation 6.1.
    Olkin I, Pratt JW (1958). Unbiased estimation of certain correlation coefficients. Annals of
    Mathematical Statistics 29:201–211.
    """
    r, n = columns["ri"], columns["ni"]
    with np.errstate(all="ignore"):
        vi = (1 - r**2) ** 2 / (n - 1)
    return Raw(yi=r.copy(), vi=vi, reasons=((n <= 1, "ni ≤ 1: the variance is not defined"),))


def fisher_z(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Fisher's z ``atanh(ri)`` with variance ``1/(ni − 3)``.

    References
    ----------
    Fisher RA (1921). On the "probable error" of a coefficient of correlation deduced from a small sample.
    Metron 1:3–32.
    """
    r, n = columns["ri"], columns["ni"]
    with np.errstate(all="ignore"):
        yi = np.arctanh(r)
        vi = 1 / (n - 3)
    reasons = (
        (np.abs(r) == 1, "|ri| = 1: Fisher's z is infinite"),
        (n <= 3, "ni ≤ 3: the variance 1/(ni − 3) is not defined"),
    )
    return Raw(yi=yi, vi=vi, reasons=reasons)


KERNELS: dict[str, Kernel] = {"COR": raw_correlation, "ZCOR": fisher_z}
