"""Effect sizes from two independent groups with a continuous outcome: MD, SMD (Hedges' g), SMDH, SMD1, ROM."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sysreview._special import special
from sysreview._typing import ArrayLike, FloatArray
from sysreview.effects._kernel import Kernel, Raw

__all__ = ["KERNELS", "hedges_correction"]


def hedges_correction(df: ArrayLike) -> FloatArray:
    """Exact small-sample bias correction ``c(m) = Γ(m/2) / (√(m/2) · Γ((m − 1)/2))``.

    Multiplying Cohen's d by ``c(m)`` with ``m`` degrees of freedom gives Hedges' unbiased g. Defined for
    ``m > 1``; NaN otherwise.

    References
    ----------
    Hedges LV (1981). Distribution theory for Glass's estimator of effect size and related estimators.
    Journal of Educational Statistics 6:107–128, equation 6e.
    """
    m = np.asarray(df, dtype=np.float64)
    with np.errstate(all="ignore"):
        # Γ(m/2)/Γ((m − 1)/2) as a Pochhammer symbol: no cancellation of two large log-gammas for big m
        ratio = special.poch((m - 1) / 2, 0.5)
        result: FloatArray = np.asarray(np.where(m > 1, ratio / np.sqrt(m / 2), np.nan), dtype=np.float64)
    return result


def _columns(columns: Mapping[str, FloatArray]) -> tuple[FloatArray, ...]:
    return tuple(columns[name] for name in ("n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i"))


def mean_difference(columns: Mapping[str, FloatArray], vtype: str) -> Raw:
    """Raw mean difference ``m1i − m2i``.

    ``vtype="LS"`` (default) gives the variance without assuming equal variances, ``sd1i²/n1i + sd2i²/n2i``;
    ``vtype="HO"`` assumes them equal and uses the pooled variance, ``s²(1/n1i + 1/n2i)``.

    References
    ----------
    Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to Meta-Analysis, chapter 4
    (equations 4.3 and 4.5).
    """
    n1, m1, sd1, n2, m2, sd2 = _columns(columns)
    with np.errstate(all="ignore"):
        yi = m1 - m2
        if vtype == "HO":
            pooled = ((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2)
            vi = pooled * (1 / n1 + 1 / n2)
        else:
            vi = sd1**2 / n1 + sd2**2 / n2
    return Raw(yi=yi, vi=vi, reasons=((n1 + n2 <= 2, "n1i + n2i ≤ 2: the pooled variance is not defined"),))


def standardised_mean_difference(columns: Mapping[str, FloatArray], vtype: str) -> Raw:
    """Hedges' g: ``c(m)·(m1i − m2i)/s``, pooled SD ``s``, exact correction ``c(m)`` with ``m = n1i + n2i − 2``.

    ``vtype="LS"`` (default): ``1/n1i + 1/n2i + g²/(2(n1i + n2i))``; ``vtype="UB"``: Hedges' unbiased
    estimate ``1/n1i + 1/n2i + (1 − (m − 2)/(m·c(m)²))·g²``.

    References
    ----------
    Hedges LV (1981). Distribution theory for Glass's estimator of effect size and related estimators.
    Journal of Educational Statistics 6:107–128.
    Hedges LV, Olkin I (1985). Statistical Methods for Meta-Analysis, chapter 5 (large-sample variance).
    Hedges LV (1983). A random effects model for effect sizes. Psychological Bulletin 93:388–395
    (unbiased variance estimate).
    """
    n1, m1, sd1, n2, m2, sd2 = _columns(columns)
    df = n1 + n2 - 2
    correction = hedges_correction(df)
    with np.errstate(all="ignore"):
        pooled_sd = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / df)
        yi = correction * (m1 - m2) / pooled_sd
        if vtype == "UB":
            vi = 1 / n1 + 1 / n2 + (1 - (df - 2) / (df * correction**2)) * yi**2
        else:
            vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
    reasons = (
        (df <= 1, "n1i + n2i ≤ 3: Hedges' correction is not defined"),
        (pooled_sd == 0, "both standard deviations are zero"),
    )
    return Raw(yi=yi, vi=vi, reasons=reasons)


def heteroscedastic_smd(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Bonett's standardised mean difference for unequal variances, bias-corrected as metafor does.

    ``yi = c(n1i + n2i − 2)·(m1i − m2i)/σ`` with ``σ² = (sd1i² + sd2i²)/2``, and
    ``vi = c² · [yi²·(sd1i⁴/(n1i − 1) + sd2i⁴/(n2i − 1))/(8σ⁴) + (sd1i²/(n1i − 1) + sd2i²/(n2i − 1))/σ²]``
    (Bonett's variance of d, with d replaced by the corrected estimate and scaled by ``c²``, which reproduces
    metafor's ``SMDH``).

    References
    ----------
    Bonett DG (2009). Meta-analytic interval estimation for standardized and unstandardized mean
    differences. Psychological Methods 14:225–238, equations 6 and 7.
    """
    n1, m1, sd1, n2, m2, sd2 = _columns(columns)
    correction = hedges_correction(n1 + n2 - 2)
    with np.errstate(all="ignore"):
        variance = (sd1**2 + sd2**2) / 2
        yi = correction * (m1 - m2) / np.sqrt(variance)
        vi = correction**2 * (
            yi**2 * (sd1**4 / (n1 - 1) + sd2**4 / (n2 - 1)) / (8 * variance**2)
            + (sd1**2 / (n1 - 1) + sd2**2 / (n2 - 1)) / variance
        )
    reasons = (
        ((n1 <= 1) | (n2 <= 1), "a group of size 1 has no variance"),
        (variance == 0, "both standard deviations are zero"),
    )
    return Raw(yi=yi, vi=vi, reasons=reasons)


def glass_delta(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Glass's delta, standardised by the SD of group 2: ``c(n2i − 1)·(m1i − m2i)/sd2i``.

    Variance ``1/n1i + 1/n2i + yi²/(2·n2i)`` (metafor's ``SMD1``).

    References
    ----------
    Glass GV (1976). Primary, secondary, and meta-analysis of research. Educational Researcher 5:3–8.
    Hedges LV (1981). Distribution theory for Glass's estimator of effect size and related estimators.
    Journal of Educational Statistics 6:107–128.
    """
    n1, m1, n2, m2, sd2 = (columns[name] for name in ("n1i", "m1i", "n2i", "m2i", "sd2i"))
    correction = hedges_correction(n2 - 1)
    with np.errstate(all="ignore"):
        yi = correction * (m1 - m2) / sd2
        vi = 1 / n1 + 1 / n2 + yi**2 / (2 * n2)
    reasons = (
        (n2 <= 2, "n2i ≤ 2: Hedges' correction is not defined"),
        (sd2 == 0, "the standard deviation of group 2 is zero"),
    )
    return Raw(yi=yi, vi=vi, reasons=reasons)


def log_ratio_of_means(columns: Mapping[str, FloatArray], _vtype: str) -> Raw:
    """Log ratio of means ``log(m1i/m2i)`` with variance ``sd1i²/(n1i·m1i²) + sd2i²/(n2i·m2i²)``.

    References
    ----------
    Hedges LV, Gurevitch J, Curtis PS (1999). The meta-analysis of response ratios in experimental ecology.
    Ecology 80:1150–1156, equations 1 and 2.
    """
    n1, m1, sd1, n2, m2, sd2 = _columns(columns)
    with np.errstate(all="ignore"):
        yi = np.log(m1) - np.log(m2)
        vi = sd1**2 / (n1 * m1**2) + sd2**2 / (n2 * m2**2)
    return Raw(yi=yi, vi=vi, reasons=(((m1 <= 0) | (m2 <= 0), "the log ratio of means needs positive means"),))


KERNELS: dict[str, Kernel] = {
    "MD": mean_difference,
    "SMD": standardised_mean_difference,
    "SMDH": heteroscedastic_smd,
    "SMD1": glass_delta,
    "ROM": log_ratio_of_means,
}
