"""SE, SD and change-score conversions against the worked examples of the Cochrane Handbook.

Published examples are rounded to the digits they print, so each assertion compares at half a unit of the
last printed digit (``abs=0.5e-N``); exact identities use RTOL.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sysreview.effects import (
    change_correlation,
    change_sd,
    critical_value,
    sd_from_ci,
    sd_from_se,
    sd_from_se_of_difference,
    se_from_ci,
    se_from_pvalue,
    se_from_statistic,
)
from sysreview.errors import InputError
from tests._golden import RTOL


def printed(digits: int) -> float:
    """Half a unit in the last digit a source printed: the tolerance for comparing with its rounded value."""
    return 0.5 * 10.0**-digits


# ------------------------------------------------------------------------------------------ critical values
def test_critical_values_of_the_handbook() -> None:
    # Cochrane Handbook 6.4, 6.5.2.2: a 95% CI is 3.92 SEs wide, a 90% CI 3.29 and a 99% CI 5.15
    assert float(2 * critical_value(0.95)) == pytest.approx(3.92, abs=printed(2))
    assert float(2 * critical_value(0.90)) == pytest.approx(3.29, abs=printed(2))
    assert float(2 * critical_value(0.99)) == pytest.approx(5.15, abs=printed(2))
    # Handbook 5.1, 7.7.3.2: for n = 25, tinv(0.05, 24) = 2.0639 and the divisor becomes 2 × 2.0639 = 4.128
    assert float(critical_value(0.95, df=24)) == pytest.approx(2.0639, abs=printed(4))


@pytest.mark.parametrize("level", [0, 1, 95, -0.5, True])
def test_level_must_be_a_probability(level: object) -> None:
    with pytest.raises(InputError, match="level must be a probability between 0 and 1"):
        critical_value(level)


# ------------------------------------------------------------------------------------------ standard errors
def test_se_from_pvalue_normal_handbook_example() -> None:
    # Cochrane Handbook 6.4, 6.3.1: risk difference 0.03 with P = 0.008 -> Z = 2.652, SE = 0.03/2.652 = 0.011
    assert float(se_from_pvalue(0.03, 0.008)) == pytest.approx(0.011, abs=printed(3))
    assert float(0.03 / se_from_pvalue(0.03, 0.008)) == pytest.approx(2.652, abs=printed(3))


def test_se_from_pvalue_t_test_handbook_example() -> None:
    # Cochrane Handbook 5.1, 7.7.3.3: MD 3.8 with P = 0.008 from a t-test, n = 25 and 22 -> t(45) = 2.78,
    # SE = 3.8/2.78 = 1.37
    se = se_from_pvalue(3.8, 0.008, df=25 + 22 - 2)
    assert float(3.8 / se) == pytest.approx(2.78, abs=printed(2))
    assert float(se) == pytest.approx(1.37, abs=printed(2))
    # the within-group SD is then SE / √(1/25 + 1/22) (Handbook 6.4, 6.5.2.3)
    assert math.isclose(float(sd_from_se_of_difference(se, 25, 22)), float(se) / math.sqrt(1 / 25 + 1 / 22))


def test_se_from_pvalue_of_a_ratio_uses_the_log() -> None:
    # Altman & Bland, BMJ 2011;343:d2090, example (b): relative risk 0.30 with P = 0.034; on the log scale
    # SE(ln RR) = |ln 0.30|/z with z = Φ⁻¹(1 − 0.034/2) = 2.1200717 (exact quantile; the paper's shortcut
    # formula gives 2.117)
    expected = abs(math.log(0.30)) / 2.1200717
    assert float(se_from_pvalue(0.30, 0.034, log=True)) == pytest.approx(expected, rel=1e-6)


def test_se_from_pvalue_cannot_use_p_of_one_or_a_null_estimate() -> None:
    result = se_from_pvalue([0.5, 0.0, 0.5], [1.0, 0.2, 0.2])
    assert np.isnan(result[:2]).all()
    assert np.isfinite(result[2])


def test_se_from_ci_difference_and_ratio() -> None:
    # difference: SE = (upper − lower)/3.92 (Handbook 6.4, 6.3.1)
    assert math.isclose(float(se_from_ci(1.2, 6.4)), (6.4 - 1.2) / (2 * 1.959963984540054), rel_tol=RTOL)
    # ratio: SE of ln OR = (ln 0.94 − ln 0.60)/3.92 (Handbook 6.4, 6.3.2)
    expected = (math.log(0.94) - math.log(0.60)) / (2 * 1.959963984540054)
    assert math.isclose(float(se_from_ci(0.60, 0.94, log=True)), expected, rel_tol=RTOL)
    # vectorised, with t quantiles per study
    se = se_from_ci([1.0, 2.0], [3.0, 6.0], df=[10, 20])
    assert se.shape == (2,)


def test_se_from_statistic() -> None:
    assert float(se_from_statistic(3.8, -2.78)) == pytest.approx(3.8 / 2.78, rel=RTOL)
    assert np.isnan(se_from_statistic(1.0, 0.0))


def test_conversion_errors_name_argument_and_row() -> None:
    with pytest.raises(InputError) as err:
        se_from_ci([1, 2, 3], [2, 1, 4])
    assert (err.value.row, err.value.column) == (2, "upper")
    with pytest.raises(InputError, match="must be positive on a ratio scale") as err:
        se_from_ci([0.5, 0.0], [2, 3], log=True)
    assert (err.value.row, err.value.column) == (2, "lower")
    with pytest.raises(InputError, match=r"must be a p-value in \(0, 1\]") as err:
        se_from_pvalue([1, 1], [0.05, 0])
    assert (err.value.row, err.value.column) == (2, "pvalue")
    with pytest.raises(InputError, match="must be finite"):
        se_from_ci(1, math.inf)


# ------------------------------------------------------------------------------------------ standard deviations
def test_sd_from_se() -> None:
    # Handbook 6.4, 6.5.2.2: SD = SE × √N
    assert float(sd_from_se(2.0, 25)) == pytest.approx(10.0, rel=RTOL)
    with pytest.raises(InputError, match="must be a sample size above zero"):
        sd_from_se(2.0, 0)


def test_sd_from_ci_large_and_small_samples() -> None:
    # Handbook 6.4, 6.5.2.2: SD = √N × (upper − lower)/3.92 for large samples
    assert float(sd_from_ci(10.0, 12.0, 400)) == pytest.approx(math.sqrt(400) * 2 / 3.919927969, rel=1e-9)
    # ... and the divisor 2 × t(0.975, N − 1), 4.128 for N = 25 (Handbook 5.1, 7.7.3.2), below 60 participants
    assert float(sd_from_ci(10.0, 12.0, 25)) == pytest.approx(5 * 2 / 4.128, rel=printed(3) / 4.128)
    assert float(sd_from_ci(10.0, 12.0, 25, distribution="normal")) == pytest.approx(5 * 2 / 3.92, rel=1e-4)
    # "auto" switches at 60
    auto = sd_from_ci(10.0, 12.0, [59, 60])
    assert float(auto[0]) == float(sd_from_ci(10.0, 12.0, 59, distribution="t"))
    assert float(auto[1]) == float(sd_from_ci(10.0, 12.0, 60, distribution="normal"))
    with pytest.raises(InputError, match="distribution must be one of auto, t, normal"):
        sd_from_ci(1, 2, 10, distribution="z")


# ------------------------------------------------------------------------------------------ change scores
def test_change_sd_handbook_cross_over_example() -> None:
    # Cochrane Handbook 5.1, 16.4.6.4: SDs 2.38 and 2.21 with correlation 0.68 in a trial of 10 participants;
    # the SE of the mean difference is SD_diff/√10 = 0.583
    sd = change_sd(2.38, 2.21, 0.68)
    assert float(sd / math.sqrt(10)) == pytest.approx(0.583, abs=printed(3))
    assert math.isclose(float(sd), math.sqrt(2.38**2 + 2.21**2 - 2 * 0.68 * 2.38 * 2.21), rel_tol=RTOL)


def test_change_correlation_handbook_example() -> None:
    # Cochrane Handbook 6.4, 6.5.2.8 (5.1, 16.1.3.2): experimental group with baseline SD 6.4, final SD 7.1
    # and change SD 4.5 gives Corr = 0.78; control group 7.0, 6.9, 4.2 gives Corr = 0.82
    r = change_correlation([6.4, 7.0], [7.1, 6.9], [4.5, 4.2])
    assert r.tolist() == pytest.approx([0.78, 0.82], abs=printed(2))


def test_change_correlation_refuses_inconsistent_sds() -> None:
    with pytest.raises(InputError, match="inconsistent with sd_baseline and sd_final") as err:
        change_correlation([6.4, 1.0], [7.1, 1.0], [4.5, 3.0])
    assert (err.value.row, err.value.column) == (2, "sd_change")
    with pytest.raises(InputError, match="must be a correlation between -1 and 1"):
        change_sd(1.0, 1.0, 1.5)
