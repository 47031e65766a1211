"""Conversions between reported statistics: SE from a CI, p, t or z; SD from an SE or a CI; change-score SDs.

Every function is vectorised: its arguments broadcast against each other, and it returns a float64 array of
the broadcast shape (0-dimensional for scalar input; ``float(result)`` gives the number). Missing values
(NaN) propagate; impossible values raise :class:`~sysreview.errors.InputError` naming the argument (and
the 1-based row for one-dimensional input).
"""

from __future__ import annotations

import numbers
from typing import Final

import numpy as np

from sysreview._distributions import t_ppf
from sysreview._special import special
from sysreview._typing import ArrayLike, FloatArray
from sysreview.effects._columns import as_result, as_values, reject
from sysreview.errors import InputError

__all__ = [
    "DISTRIBUTIONS",
    "change_correlation",
    "change_sd",
    "critical_value",
    "sd_from_ci",
    "sd_from_se",
    "sd_from_se_of_difference",
    "se_from_ci",
    "se_from_pvalue",
    "se_from_statistic",
]

#: reference distributions for :func:`sd_from_ci` ("auto": t below 60 participants, normal from 60 on)
DISTRIBUTIONS: Final = ("auto", "t", "normal")
#: below this group size a CI of a mean is taken to come from the t distribution (Cochrane Handbook 6.5.2.2)
_T_BELOW: Final = 60


def _check_level(level: object) -> float:
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < float(level) < 1:
        raise InputError(f"level must be a probability between 0 and 1 (e.g. 0.95); got {level!r}")
    return float(level)


def critical_value(level: float = 0.95, *, df: ArrayLike | None = None) -> FloatArray:
    """Two-sided critical value: the ``(1 + level)/2`` quantile of the standard normal, or of t with ``df``.

    ``critical_value(0.95)`` is 1.959964 (so a 95% CI is 3.92 standard errors wide).

    References
    ----------
    Higgins JPT, Li T, Deeks JJ (2023). Choosing effect measures and computing estimates of effect. In:
    Cochrane Handbook for Systematic Reviews of Interventions, version 6.4, section 6.5.2.2.
    """
    probability = (1 + _check_level(level)) / 2
    if df is None:
        return as_result(special.ndtri(probability))
    dof = as_values("df", df)
    reject("df", dof, dof <= 0, "must be degrees of freedom above zero")
    return as_result(t_ppf(probability, dof))


def _to_log(name: str, values: FloatArray) -> FloatArray:
    reject(name, values, values <= 0, "must be positive on a ratio scale (log=True)")
    return np.log(values)


def se_from_ci(
    lower: ArrayLike, upper: ArrayLike, *, level: float = 0.95, log: bool = False, df: ArrayLike | None = None
) -> FloatArray:
    """Standard error from a symmetric confidence interval: ``(upper − lower)/(2·z)``.

    For ratio measures (odds, risk, hazard, rate ratios) pass the interval as reported with ``log=True``:
    the SE is that of the log ratio, ``(ln upper − ln lower)/(2·z)``. ``z`` is the normal quantile for
    ``level`` (1.96 for 95%), or the t quantile when ``df`` is given (small samples).

    References
    ----------
    Higgins JPT, Li T, Deeks JJ (2023). Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4, sections 6.3.1 (differences) and 6.3.2 (ratios, on the log scale).
    Altman DG, Bland JM (2011). How to obtain the P value from a confidence interval. BMJ 343:d2304.
    """
    low, high = as_values("lower", lower), as_values("upper", upper)
    if log:
        low, high = _to_log("lower", low), _to_log("upper", high)
    low, high = np.broadcast_arrays(low, high)
    reject("upper", high, high < low, "must not be below the lower limit")
    return as_result((high - low) / (2 * critical_value(level, df=df)))


def se_from_pvalue(
    estimate: ArrayLike, pvalue: ArrayLike, *, log: bool = False, df: ArrayLike | None = None
) -> FloatArray:
    """Standard error from an estimate and its two-sided p-value: ``|estimate| / z(1 − p/2)``.

    ``z`` is the normal quantile, or the t quantile with ``df`` degrees of freedom when the p-value comes
    from a t-test (e.g. ``df = n1 + n2 − 2``). With ``log=True`` the estimate is a ratio and the SE is that
    of its logarithm. The SE cannot be recovered from ``p = 1`` or a null estimate: those give NaN.

    References
    ----------
    Higgins JPT, Li T, Deeks JJ (2023). Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4, section 6.3.1 (worked example: risk difference 0.03 with P = 0.008 gives Z = 2.652 and
    SE = 0.011).
    Higgins JPT, Green S (eds) (2011). Cochrane Handbook for Systematic Reviews of Interventions, version
    5.1.0, section 7.7.3.3 (t-test example: MD 3.8, n 25 and 22, P = 0.008 gives t = 2.78, SE = 1.37).
    """
    value = as_values("estimate", estimate)
    if log:
        value = _to_log("estimate", value)
    p = as_values("pvalue", pvalue)
    reject("pvalue", p, (p <= 0) | (p > 1), "must be a p-value in (0, 1]")
    probability = 1 - p / 2
    if df is None:
        quantile = special.ndtri(probability)
    else:
        dof = as_values("df", df)
        reject("df", dof, dof <= 0, "must be degrees of freedom above zero")
        quantile = t_ppf(probability, dof)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.abs(value) / quantile
    return as_result(np.where((quantile > 0) & (value != 0), se, np.nan))


def se_from_statistic(estimate: ArrayLike, statistic: ArrayLike, *, log: bool = False) -> FloatArray:
    """Standard error from an estimate and its test statistic (t or z): ``|estimate / statistic|``.

    A zero statistic gives NaN (the SE cannot be recovered). With ``log=True`` the estimate is a ratio.

    References
    ----------
    Higgins JPT, Li T, Deeks JJ (2023). Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4, section 6.5.2.3.
    """
    value = as_values("estimate", estimate)
    if log:
        value = _to_log("estimate", value)
    stat = as_values("statistic", statistic)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.abs(value / stat)
    return as_result(np.where(stat != 0, se, np.nan))


def _sizes(name: str, value: ArrayLike) -> FloatArray:
    n = as_values(name, value)
    reject(name, n, n <= 0, "must be a sample size above zero")
    return n


def sd_from_se(se: ArrayLike, n: ArrayLike) -> FloatArray:
    """Standard deviation of one group from the standard error of its mean: ``SE·√n``.

    References
    ----------
    Higgins JPT, Li T, Deeks JJ (2023). Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4, section 6.5.2.2.
    """
    error = as_values("se", se)
    reject("se", error, error < 0, "must be a standard error of zero or more")
    return as_result(error * np.sqrt(_sizes("n", n)))


def sd_from_ci(
    lower: ArrayLike, upper: ArrayLike, n: ArrayLike, *, level: float = 0.95, distribution: str = "auto"
) -> FloatArray:
    """Standard deviation of one group from a confidence interval of its mean: ``√n·(upper − lower)/(2·q)``.

    ``q`` is the normal quantile (``2q = 3.92`` for 95%, 3.29 for 90%, 5.15 for 99%) or, for small groups,
    the t quantile with ``n − 1`` degrees of freedom (``2q = 4.128`` for n = 25 at 95%).
    ``distribution="auto"`` (default) follows the Handbook: t below 60 participants, normal from 60 on;
    ``"t"`` or ``"normal"`` force one.

    References
    ----------
    Higgins JPT, Li T, Deeks JJ (2023). Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4, section 6.5.2.2.
    """
    if distribution not in DISTRIBUTIONS:
        raise InputError(f"distribution must be one of {', '.join(DISTRIBUTIONS)}; got {distribution!r}")
    low, high, size = np.broadcast_arrays(as_values("lower", lower), as_values("upper", upper), _sizes("n", n))
    reject("upper", high, high < low, "must not be below the lower limit")
    normal = np.broadcast_to(critical_value(level), size.shape)
    with np.errstate(invalid="ignore"):
        student = np.where(size > 1, critical_value(level, df=np.maximum(size - 1, 1)), np.nan)
    if distribution == "normal":
        quantile = normal
    elif distribution == "t":
        quantile = student
    else:
        quantile = np.where(size < _T_BELOW, student, normal)
    return as_result(np.sqrt(size) * (high - low) / (2 * quantile))


def sd_from_se_of_difference(se: ArrayLike, n1: ArrayLike, n2: ArrayLike) -> FloatArray:
    """Within-group SD (assumed common) from the standard error of a difference in means: ``SE/√(1/n1 + 1/n2)``.

    Combine with :func:`se_from_ci`, :func:`se_from_pvalue` or :func:`se_from_statistic` when a trial reports
    only the comparison; the result is used as the SD of both groups.

    References
    ----------
    Higgins JPT, Li T, Deeks JJ (2023). Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4, section 6.5.2.3.
    """
    error = as_values("se", se)
    reject("se", error, error < 0, "must be a standard error of zero or more")
    return as_result(error / np.sqrt(1 / _sizes("n1", n1) + 1 / _sizes("n2", n2)))


def _sds(name: str, value: ArrayLike) -> FloatArray:
    sd = as_values(name, value)
    reject(name, sd, sd < 0, "must be a standard deviation of zero or more")
    return sd


def change_sd(sd_baseline: ArrayLike, sd_final: ArrayLike, r: ArrayLike) -> FloatArray:
    """SD of change from baseline given the baseline and final SDs and their correlation.

    ``SD_change = √(SD_baseline² + SD_final² − 2·r·SD_baseline·SD_final)``.

    References
    ----------
    Higgins JPT, Li T, Deeks JJ (2023). Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4, section 6.5.2.8. The same formula gives the SD of within-person differences in a cross-over
    trial: Higgins JPT, Green S (eds) (2011), Handbook version 5.1.0, section 16.4.6.4 (worked example).
    """
    baseline, final = _sds("sd_baseline", sd_baseline), _sds("sd_final", sd_final)
    correlation = as_values("r", r)
    reject("r", correlation, np.abs(correlation) > 1, "must be a correlation between -1 and 1")
    return as_result(np.sqrt(np.maximum(baseline**2 + final**2 - 2 * correlation * baseline * final, 0.0)))


def change_correlation(sd_baseline: ArrayLike, sd_final: ArrayLike, sd_change: ArrayLike) -> FloatArray:
    """Correlation between baseline and final values implied by reported baseline, final and change SDs.

    ``r = (SD_baseline² + SD_final² − SD_change²) / (2·SD_baseline·SD_final)`` — the reverse of
    :func:`change_sd`, used to impute a correlation from a study that reports all three SDs.

    Raises
    ------
    InputError
        If the three SDs are inconsistent (the implied correlation lies outside [−1, 1]), naming the row.

    References
    ----------
    Higgins JPT, Li T, Deeks JJ (2023). Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4, section 6.5.2.8.
    """
    baseline, final = _sds("sd_baseline", sd_baseline), _sds("sd_final", sd_final)
    change = _sds("sd_change", sd_change)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (baseline**2 + final**2 - change**2) / (2 * baseline * final)
    r = np.asarray(r, dtype=np.float64)
    reject("sd_change", r, np.abs(r) > 1 + 1e-12, "is inconsistent with sd_baseline and sd_final (|r| > 1)")
    return as_result(np.clip(r, -1.0, 1.0))
