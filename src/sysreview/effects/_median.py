"""Sample mean and SD from the median with the range and/or the quartiles (Luo 2018, Wan 2014, Shi 2020).

Scenarios (Wan et al. 2014): S1 = minimum, median, maximum; S2 = first quartile, median, third quartile;
S3 = all five numbers. The formulas assume roughly normal data; a median reported for skewed data is often
a reason not to convert (Cochrane Handbook 6.5.2.5).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
from scipy import integrate

from sysreview._special import special
from sysreview._typing import ArrayLike, FloatArray
from sysreview.effects._columns import as_values, reject
from sysreview.errors import InputError

__all__ = ["SD_METHODS", "MeanSD", "expected_normal_order_statistic", "mean_sd_from_median"]

#: SD estimators: Wan et al. (2014) for every scenario, Shi et al. (2020) for S3 (the default there)
SD_METHODS: Final = ("wan", "shi")
#: Wan et al. tabulate exact ξ(n) for n ≤ 50 (Table 1) and exact η(n) for Q ≤ 50, n = 4Q + 1 (Table 2)
_EXACT_XI_UP_TO: Final = 50
_EXACT_ETA_UP_TO_Q: Final = 50


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class MeanSD:
    """Estimated sample means and standard deviations.

    Attributes
    ----------
    mean, sd : ndarray of float64
        Estimates, broadcast over the inputs (0-dimensional for scalar input).
    scenario : str
        ``"S1"`` (minimum, median, maximum), ``"S2"`` (quartiles and median) or ``"S3"`` (all five).
    mean_method : str
        ``"luo"`` (Luo et al. 2018).
    sd_method : str
        ``"wan"`` (Wan et al. 2014) or ``"shi"`` (Shi et al. 2020, S3 only).
    """

    mean: FloatArray
    sd: FloatArray
    scenario: str
    mean_method: str
    sd_method: str


def expected_normal_order_statistic(r: int, n: int) -> float:
    """Expected value of the ``r``-th smallest of ``n`` independent standard normal variables.

    Computed by numerical integration of ``z·f_(r:n)(z)``; ``2·E(Z_(n:n))`` is Wan et al.'s ξ(n) (the
    expected range) and ``2·E(Z_(3Q+1:4Q+1))`` their η(n) (the expected interquartile range).

    References
    ----------
    David HA, Nagaraja HN (2003). Order Statistics, 3rd ed., Wiley, equation 2.1.3.
    Wan X, Wang W, Liu J, Tong T (2014). BMC Medical Research Methodology 14:135, Tables 1 and 2.
    """
    if not 1 <= r <= n:
        raise InputError(f"r must be between 1 and n={n}; got {r}")
    return _order_statistic(r, n)


@cache
def _order_statistic(r: int, n: int) -> float:
    log_coefficient = special.gammaln(n + 1) - special.gammaln(r) - special.gammaln(n - r + 1)

    def integrand(z: float) -> float:
        log_density = (
            log_coefficient
            - 0.5 * z * z
            - 0.5 * math.log(2 * math.pi)
            + (r - 1) * special.log_ndtr(z)
            + (n - r) * special.log_ndtr(-z)
        )
        return float(z * math.exp(log_density))

    # the density is negligible beyond |z| = 12 for any n the tables cover
    value, _ = integrate.quad(integrand, -12.0, 12.0, limit=200, epsabs=1e-13, epsrel=1e-12)
    return float(value)


def _xi(n: FloatArray, *, exact: bool) -> FloatArray:
    """Wan's ξ(n), the expected range of n standard normals (eq. 7; closed form eq. 9)."""
    values = np.array(2 * special.ndtri((n - 0.375) / (n + 0.25)), dtype=np.float64)
    if exact:
        for index in np.ndindex(n.shape):
            if np.isfinite(n[index]) and n[index] <= _EXACT_XI_UP_TO:
                size = int(n[index])
                values[index] = 2 * _order_statistic(size, size)
    return values


def _eta(n: FloatArray, *, exact: bool) -> FloatArray:
    """Wan's η(n), the expected interquartile range of n standard normals (eq. 15; closed form eq. 16)."""
    values = np.array(2 * special.ndtri((0.75 * n - 0.125) / (n + 0.25)), dtype=np.float64)
    if exact:
        for index in np.ndindex(n.shape):
            quarter = math.ceil((n[index] - 1) / 4) if np.isfinite(n[index]) else None
            if quarter is not None and quarter <= _EXACT_ETA_UP_TO_Q:
                values[index] = 2 * _order_statistic(3 * quarter + 1, 4 * quarter + 1)
    return values


def mean_sd_from_median(
    n: ArrayLike,
    median: ArrayLike,
    *,
    minimum: ArrayLike | None = None,
    q1: ArrayLike | None = None,
    q3: ArrayLike | None = None,
    maximum: ArrayLike | None = None,
    sd_method: str | None = None,
    exact: bool = False,
) -> MeanSD:
    """Estimate the sample mean and SD from the median with the range (S1), the quartiles (S2) or both (S3).

    Mean (Luo et al. 2018, equations 10, 11 and 15):

    - S1: ``w·(a + b)/2 + (1 − w)·m`` with ``w = 4/(4 + n^0.75)``;
    - S2: ``(0.7 + 0.39/n)·(q1 + q3)/2 + (0.3 − 0.39/n)·m``;
    - S3: ``w1·(a + b)/2 + w2·(q1 + q3)/2 + (1 − w1 − w2)·m`` with ``w1 = 2.2/(2.2 + n^0.75)`` and
      ``w2 = 0.7 − 0.72/n^0.55``.

    SD (Wan et al. 2014; Shi et al. 2020):

    - S1: ``(b − a)/ξ(n)``, ``ξ(n) = 2·Φ⁻¹((n − 0.375)/(n + 0.25))`` (Wan eq. 9);
    - S2: ``(q3 − q1)/η(n)``, ``η(n) = 2·Φ⁻¹((0.75n − 0.125)/(n + 0.25))`` (Wan eq. 16);
    - S3, ``sd_method="shi"`` (default): ``(b − a)/θ1(n) + (q3 − q1)/θ2(n)`` with
      ``θ1(n) = (2 + 0.14·n^0.6)·Φ⁻¹((n − 0.375)/(n + 0.25))`` and
      ``θ2(n) = (2 + 2/(0.07·n^0.6))·Φ⁻¹((0.75n − 0.125)/(n + 0.25))`` (Shi eq. 11);
    - S3, ``sd_method="wan"``: ``½·((b − a)/ξ(n) + (q3 − q1)/η(n))`` (Wan eq. 13).

    Parameters
    ----------
    n : array_like
        Sample size (at least 2).
    median : array_like
        Sample median ``m``.
    minimum, maximum : array_like, optional
        Smallest and largest values ``a`` and ``b`` (S1, S3).
    q1, q3 : array_like, optional
        First and third quartiles (S2, S3).
    sd_method : {"shi", "wan"}, optional
        SD estimator for S3 (default ``"shi"``); S1 and S2 have Wan's only.
    exact : bool
        Use the exact expected order statistics that Wan et al. tabulate for small samples (ξ(n) for
        n ≤ 50, their Table 1; η(n) for n ≤ 201 with ``n`` rounded up to ``4Q + 1``, Table 2) instead of
        the closed forms. Default False: the closed forms, as in Wan's and Shi's spreadsheets.

    Returns
    -------
    MeanSD

    Raises
    ------
    InputError
        If the given numbers do not identify a scenario (e.g. a minimum without a maximum), are out of
        order (minimum ≤ q1 ≤ median ≤ q3 ≤ maximum must hold), or ``n < 2``.

    References
    ----------
    Wan X, Wang W, Liu J, Tong T (2014). Estimating the sample mean and standard deviation from the sample
    size, median, range and/or interquartile range. BMC Medical Research Methodology 14:135.
    Luo D, Wan X, Liu J, Tong T (2018). Optimally estimating the sample mean from the sample size, median,
    mid-range, and/or mid-quartile range. Statistical Methods in Medical Research 27:1785–1805.
    Shi J, Luo D, Weng H, Zeng X-T, Lin L, Chu H, Tong T (2020). Optimally estimating the sample standard
    deviation from the five-number summary. Research Synthesis Methods 11:641–654.
    """
    has_range = minimum is not None, maximum is not None
    has_quartiles = q1 is not None, q3 is not None
    if any(has_range) and not all(has_range):
        raise InputError("minimum and maximum go together; give both or neither")
    if any(has_quartiles) and not all(has_quartiles):
        raise InputError("q1 and q3 go together; give both or neither")
    if all(has_range) and all(has_quartiles):
        scenario = "S3"
    elif all(has_range):
        scenario = "S1"
    elif all(has_quartiles):
        scenario = "S2"
    else:
        raise InputError("give minimum and maximum (S1), q1 and q3 (S2), or all four (S3) with the median")
    if sd_method is None:
        sd_method = "shi" if scenario == "S3" else "wan"
    if sd_method not in SD_METHODS:
        raise InputError(f"sd_method must be one of {', '.join(SD_METHODS)}; got {sd_method!r}")
    if sd_method == "shi" and scenario != "S3":
        raise InputError(f"sd_method 'shi' needs all five numbers (S3); {scenario} has Wan's method only")
    if not isinstance(exact, bool):
        raise InputError(f"exact must be True or False; got {exact!r}")

    named = {"n": n, "minimum": minimum, "q1": q1, "median": median, "q3": q3, "maximum": maximum}
    values = {name: as_values(name, value) for name, value in named.items() if value is not None}
    arrays = dict(zip(values, np.broadcast_arrays(*values.values()), strict=True))
    size = arrays["n"]
    reject("n", size, size < 2, "must be a sample size of at least 2")
    if exact:
        reject("n", size, np.isfinite(size) & (size != np.round(size)), "must be a whole number with exact=True")
    order = [name for name in ("minimum", "q1", "median", "q3", "maximum") if name in arrays]
    for lower, upper in itertools.pairwise(order):
        reject(upper, arrays[upper], arrays[upper] < arrays[lower], f"must not be below {lower}")

    m = arrays["median"]
    if scenario == "S1":
        a, b = arrays["minimum"], arrays["maximum"]
        weight = 4 / (4 + size**0.75)
        mean = weight * (a + b) / 2 + (1 - weight) * m
        sd = (b - a) / _xi(size, exact=exact)
    elif scenario == "S2":
        lo, hi = arrays["q1"], arrays["q3"]
        mean = (0.7 + 0.39 / size) * (lo + hi) / 2 + (0.3 - 0.39 / size) * m
        sd = (hi - lo) / _eta(size, exact=exact)
    else:
        a, b, lo, hi = arrays["minimum"], arrays["maximum"], arrays["q1"], arrays["q3"]
        w_range = 2.2 / (2.2 + size**0.75)
        w_quartiles = 0.7 - 0.72 / size**0.55
        mean = w_range * (a + b) / 2 + w_quartiles * (lo + hi) / 2 + (1 - w_range - w_quartiles) * m
        if sd_method == "shi":
            theta1 = (2 + 0.14 * size**0.6) * special.ndtri((size - 0.375) / (size + 0.25))
            theta2 = (2 + 2 / (0.07 * size**0.6)) * special.ndtri((0.75 * size - 0.125) / (size + 0.25))
            sd = (b - a) / theta1 + (hi - lo) / theta2
        else:
            sd = ((b - a) / _xi(size, exact=exact) + (hi - lo) / _eta(size, exact=exact)) / 2
    return MeanSD(
        mean=np.asarray(mean, dtype=np.float64),
        sd=np.asarray(sd, dtype=np.float64),
        scenario=scenario,
        mean_method="luo",
        sd_method=sd_method,
    )
