"""Effect sizes from one group measured twice: mean change and standardised mean change (change or raw SD).

Columns follow metafor: ``m1i``/``sd1i`` at the first measurement, ``m2i``/``sd2i`` at the second, ``ri`` their
correlation and ``ni`` the group size; ``yi`` is ``m1i − m2i``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sysreview._typing import FloatArray
from sysreview.effects._continuous import hedges_correction
from sysreview.effects._kernel import Kernel, Raw

__all__ = ["KERNELS"]


def mean_change(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Mean change ``m1i − m2i`` with variance ``(sd1i² + sd2i² − 2·ri·sd1i·sd2i)/ni``.

    References
    ----------
    Morris SB, DeShon RP (2002). Combining effect size estimates in meta-analysis with repeated measures and
    independent-groups designs. Psychological Methods 7:105–125.
    """
    n, m1, sd1, m2, sd2, r = (columns[name] for name in ("ni", "m1i", "sd1i", "m2i", "sd2i", "ri"))
    return Raw(yi=m1 - m2, vi=(sd1**2 + sd2**2 - 2 * r * sd1 * sd2) / n)


def standardised_mean_change_change_sd(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Standardised by the SD of the change scores: ``c(ni − 1)·(m1i − m2i)/sd_d``, variance ``1/ni + yi²/(2ni)``.

    ``sd_d = √(sd1i² + sd2i² − 2·ri·sd1i·sd2i)``.

    References
    ----------
    Gibbons RD, Hedeker DR, Davis JM (1993). Estimation of effect size from a series of experiments
    involving paired comparisons. Journal of Educational Statistics 18:271–279.
    """
    n, m1, sd1, m2, sd2, r = (columns[name] for name in ("ni", "m1i", "sd1i", "m2i", "sd2i", "ri"))
    correction = hedges_correction(n - 1)
    with np.errstate(all="ignore"):
        change_sd = np.sqrt(sd1**2 + sd2**2 - 2 * r * sd1 * sd2)
        yi = correction * (m1 - m2) / change_sd
        vi = 1 / n + yi**2 / (2 * n)
    reasons = (
        (n <= 2, "ni ≤ 2: Hedges' correction is not defined"),
        (change_sd == 0, "the standard deviation of the change scores is zero"),
    )
    return Raw(yi=yi, vi=vi, reasons=reasons)


def standardised_mean_change_raw_sd(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Standardised by the SD of the first measurement: ``c(ni − 1)·(m1i − m2i)/sd1i``.

    Variance ``2(1 − ri)/ni + yi²/(2ni)``.

    References
    ----------
    Becker BJ (1988). Synthesizing standardized mean-change measures. British Journal of Mathematical and
    Statistical Psychology 41:257–278.
    """
    n, m1, sd1, m2, r = (columns[name] for name in ("ni", "m1i", "sd1i", "m2i", "ri"))
    correction = hedges_correction(n - 1)
    with np.errstate(all="ignore"):
        yi = correction * (m1 - m2) / sd1
        vi = 2 * (1 - r) / n + yi**2 / (2 * n)
    reasons = (
        (n <= 2, "ni ≤ 2: Hedges' correction is not defined"),
        (sd1 == 0, "the standard deviation of the first measurement is zero"),
    )
    return Raw(yi=yi, vi=vi, reasons=reasons)


KERNELS: dict[str, Kernel] = {
    "MC": mean_change,
    "SMCC": standardised_mean_change_change_sd,
    "SMCR": standardised_mean_change_raw_sd,
}
