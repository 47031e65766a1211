"""Effect sizes from 2×2 tables: log risk and odds ratios, risk difference, Peto's log odds ratio, arcsine difference.

Cells follow metafor: ``ai``/``bi`` events/non-events in group 1, ``ci``/``di`` in group 2. The kernels receive
the cells after any continuity correction (see :func:`sysreview.effects.escalc`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sysreview._typing import FloatArray
from sysreview.effects._kernel import Kernel, Raw

__all__ = ["KERNELS"]

_EMPTY_GROUP = "a group has no participants (ai + bi = 0 or ci + di = 0)"


def _cells(columns: Mapping[str, FloatArray]) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    return columns["ai"], columns["bi"], columns["ci"], columns["di"]


def log_risk_ratio(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Log risk ratio ``log((ai/n1i)/(ci/n2i))`` with variance ``1/ai − 1/n1i + 1/ci − 1/n2i``.

    References
    ----------
    Deeks JJ, Higgins JPT, Altman DG. Analysing data and undertaking meta-analyses. In: Cochrane Handbook for
    Systematic Reviews of Interventions, version 6.4, section 10.4.4 and chapter 6.4.1.
    Fleiss JL, Berlin JA (2009). Effect sizes for dichotomous data. In: The Handbook of Research Synthesis
    and Meta-Analysis, 2nd ed., chapter 13.
    """
    a, b, c, d = _cells(columns)
    n1, n2 = a + b, c + d
    with np.errstate(all="ignore"):
        yi = np.log(a / n1) - np.log(c / n2)
        vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
    reasons = (
        ((n1 == 0) | (n2 == 0), _EMPTY_GROUP),
        ((a == 0) | (c == 0), "no events in a group: the log risk ratio needs a continuity correction"),
    )
    return Raw(yi=yi, vi=vi, reasons=reasons)


def log_odds_ratio(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Log odds ratio ``log(ai·di/(bi·ci))`` with Woolf's variance ``1/ai + 1/bi + 1/ci + 1/di``.

    References
    ----------
    Woolf B (1955). On estimating the relation between blood group and disease. Annals of Human Genetics
    19:251–253.
    Fleiss JL, Berlin JA (2009). Effect sizes for dichotomous data. In: The Handbook of Research Synthesis
    and Meta-Analysis, 2nd ed., chapter 13.
    """
    a, b, c, d = _cells(columns)
    with np.errstate(all="ignore"):
        yi = np.log(a) + np.log(d) - np.log(b) - np.log(c)
        vi = 1 / a + 1 / b + 1 / c + 1 / d
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    reasons = ((zero, "a zero cell: the log odds ratio needs a continuity correction"),)
    return Raw(yi=yi, vi=vi, reasons=reasons)


def risk_difference(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Risk difference ``ai/n1i − ci/n2i`` with variance ``p1(1−p1)/n1i + p2(1−p2)/n2i``.

    References
    ----------
    Fleiss JL, Berlin JA (2009). Effect sizes for dichotomous data. In: The Handbook of Research Synthesis
    and Meta-Analysis, 2nd ed., chapter 13.
    """
    a, b, c, d = _cells(columns)
    n1, n2 = a + b, c + d
    with np.errstate(all="ignore"):
        p1, p2 = a / n1, c / n2
        yi = p1 - p2
        vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    return Raw(yi=yi, vi=vi, reasons=(((n1 == 0) | (n2 == 0), _EMPTY_GROUP),))


def peto_log_odds_ratio(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Peto's one-step log odds ratio ``(O − E)/V`` with variance ``1/V``.

    ``O = ai``, ``E = n1i·m1i/N`` and ``V = n1i·n2i·m1i·m2i/(N²(N − 1))`` (hypergeometric variance), where
    ``m1i = ai + ci`` and ``m2i = bi + di`` are the event and non-event totals and ``N`` the table total.

    References
    ----------
    Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Beta blockade during and after myocardial
    infarction: an overview of the randomized trials. Progress in Cardiovascular Diseases 27:335–371.
    """
    a, b, c, d = _cells(columns)
    n1, n2 = a + b, c + d
    events, non_events = a + c, b + d
    total = n1 + n2
    with np.errstate(all="ignore"):
        expected = n1 * events / total
        variance = n1 * n2 * events * non_events / (total**2 * (total - 1))
        yi = (a - expected) / variance
        vi = 1 / variance
    reasons = (
        ((n1 == 0) | (n2 == 0), _EMPTY_GROUP),
        (variance == 0, "no events or no non-events in the table: Peto's variance is zero"),
    )
    return Raw(yi=yi, vi=vi, reasons=reasons)


def arcsine_difference(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Arcsine square-root risk difference ``asin√p1 − asin√p2`` with variance ``1/(4n1i) + 1/(4n2i)``.

    Needs no continuity correction for zero cells (metafor's default ``add`` for ``AS`` is 0).

    References
    ----------
    Rücker G, Schwarzer G, Carpenter J, Olkin I (2009). Why add anything to nothing? The arcsine difference
    as a measure of treatment effect in meta-analysis with zero cells. Statistics in Medicine 28:721–738.
    """
    a, b, c, d = _cells(columns)
    n1, n2 = a + b, c + d
    with np.errstate(all="ignore"):
        yi = np.arcsin(np.sqrt(a / n1)) - np.arcsin(np.sqrt(c / n2))
        vi = 1 / (4 * n1) + 1 / (4 * n2)
    return Raw(yi=yi, vi=vi, reasons=(((n1 == 0) | (n2 == 0), _EMPTY_GROUP),))


KERNELS: dict[str, Kernel] = {
    "RR": log_risk_ratio,
    "OR": log_odds_ratio,
    "RD": risk_difference,
    "PETO": peto_log_odds_ratio,
    "AS": arcsine_difference,
}
