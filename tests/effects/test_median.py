"""Means and SDs from medians: Wan et al. (2014), Luo et al. (2018), Shi et al. (2020)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import ndtri

from sysreview.effects import expected_normal_order_statistic, mean_sd_from_median
from sysreview.errors import InputError
from tests._golden import RTOL


def printed(digits: int) -> float:
    return 0.5 * 10.0**-digits


@pytest.mark.parametrize(
    ("n", "xi"),
    [(2, 1.128), (5, 2.326), (10, 3.078), (11, 3.173), (25, 3.931), (30, 4.086), (41, 4.341), (50, 4.498)],
)
def test_expected_range_matches_wan_table_1(n: int, xi: float) -> None:
    # Wan et al. (2014), BMC Med Res Methodol 14:135, Table 1: ξ(n) = 2·E(Z_(n)) for n ≤ 50
    assert 2 * expected_normal_order_statistic(n, n) == pytest.approx(xi, abs=printed(3))


def test_expected_order_statistics_classical_values() -> None:
    # expected normal order statistics (Teichroew 1956; Harter 1961): n = 5: 1.16296, 0.49502;
    # n = 9: E(Z_(7:9)) = 0.57197; by symmetry E(Z_(3:5)) = 0
    assert expected_normal_order_statistic(5, 5) == pytest.approx(1.16296, abs=printed(5))
    assert expected_normal_order_statistic(4, 5) == pytest.approx(0.49502, abs=printed(5))
    assert expected_normal_order_statistic(7, 9) == pytest.approx(0.57197, abs=printed(5))
    assert expected_normal_order_statistic(3, 5) == pytest.approx(0.0, abs=1e-12)
    assert expected_normal_order_statistic(1, 2) == pytest.approx(-1 / math.sqrt(math.pi), rel=1e-10)
    with pytest.raises(InputError, match="r must be between 1 and n=5"):
        expected_normal_order_statistic(6, 5)


def test_scenario_1_metablue_example() -> None:
    # R package metaBLUE 1.0.0, help pages of Luo.mean and Wan.std, example X = (1, 4, 10), n = 30, "S1":
    # Luo mean 4.356748, Wan SD 2.205578 (closed-form ξ(n))
    result = mean_sd_from_median(30, 4, minimum=1, maximum=10)
    assert result.scenario == "S1"
    assert result.sd_method == "wan"
    assert float(result.mean) == pytest.approx(4.356748, abs=printed(6))
    assert float(result.sd) == pytest.approx(2.205578, abs=printed(6))
    # with Wan's exact ξ(30) = 4.086 from Table 1 instead: SD = 9/4.086
    exact = mean_sd_from_median(30, 4, minimum=1, maximum=10, exact=True)
    assert float(exact.sd) == pytest.approx(9 / 4.086, rel=printed(3) / 4.086)


def test_scenario_2_formulas() -> None:
    n, q1, m, q3 = 40, 12.0, 15.0, 21.0
    result = mean_sd_from_median(n, m, q1=q1, q3=q3)
    assert result.scenario == "S2"
    # Luo et al. (2018), eq. 15; Wan et al. (2014), eq. 16
    mean = (0.7 + 0.39 / n) * (q1 + q3) / 2 + (0.3 - 0.39 / n) * m
    eta = 2 * ndtri((0.75 * n - 0.125) / (n + 0.25))
    assert math.isclose(float(result.mean), mean, rel_tol=RTOL)
    assert math.isclose(float(result.sd), (q3 - q1) / eta, rel_tol=RTOL)
    # large n: η(n) tends to 2·Φ⁻¹(0.75) = 1.349, the familiar IQR/1.35 (Handbook 6.4, 6.5.2.5)
    assert float(mean_sd_from_median(10**6, 0, q1=-1, q3=1).sd) == pytest.approx(2 / 1.349, abs=1e-3)
    # exact η for n = 5 (Q = 1): 2·E(Z_(4:5)) = 0.99004
    assert float(mean_sd_from_median(5, 0, q1=-1, q3=1, exact=True).sd) == pytest.approx(2 / 0.99004, rel=1e-5)


def test_scenario_3_formulas() -> None:
    n, a, q1, m, q3, b = 50, 2.0, 10.0, 14.0, 20.0, 41.0
    shi = mean_sd_from_median(n, m, minimum=a, q1=q1, q3=q3, maximum=b)
    assert (shi.scenario, shi.sd_method, shi.mean_method) == ("S3", "shi", "luo")
    # Luo et al. (2018), eq. 15 (S3 weights); Shi et al. (2020), eq. 11
    w1, w2 = 2.2 / (2.2 + n**0.75), 0.7 - 0.72 / n**0.55
    mean = w1 * (a + b) / 2 + w2 * (q1 + q3) / 2 + (1 - w1 - w2) * m
    theta1 = (2 + 0.14 * n**0.6) * ndtri((n - 0.375) / (n + 0.25))
    theta2 = (2 + 2 / (0.07 * n**0.6)) * ndtri((0.75 * n - 0.125) / (n + 0.25))
    assert math.isclose(float(shi.mean), mean, rel_tol=RTOL)
    assert math.isclose(float(shi.sd), (b - a) / theta1 + (q3 - q1) / theta2, rel_tol=RTOL)
    # Wan et al. (2014), eq. 13: the average of the range and IQR estimates
    wan = mean_sd_from_median(n, m, minimum=a, q1=q1, q3=q3, maximum=b, sd_method="wan")
    xi = 2 * ndtri((n - 0.375) / (n + 0.25))
    eta = 2 * ndtri((0.75 * n - 0.125) / (n + 0.25))
    assert math.isclose(float(wan.sd), ((b - a) / xi + (q3 - q1) / eta) / 2, rel_tol=RTOL)


def test_vectorised_over_studies() -> None:
    result = mean_sd_from_median([30, 40], [4, 5], minimum=[1, 2], maximum=[10, 11])
    assert result.mean.shape == result.sd.shape == (2,)
    assert float(result.mean[0]) == pytest.approx(4.356748, abs=printed(6))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"minimum": 1}, "minimum and maximum go together"),
        ({"q3": 5}, "q1 and q3 go together"),
        ({}, "give minimum and maximum"),
        ({"minimum": 1, "maximum": 9, "sd_method": "shi"}, "sd_method 'shi' needs all five numbers"),
        ({"q1": 2, "q3": 6, "sd_method": "hozo"}, "sd_method must be one of wan, shi"),
    ],
)
def test_scenario_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        mean_sd_from_median(20, 4, **kwargs)


def test_out_of_order_summaries_name_row_and_column() -> None:
    with pytest.raises(InputError, match="must not be below median") as err:
        mean_sd_from_median([20, 20], [4, 4], q1=[2, 3], q3=[6, 3.5])
    assert (err.value.row, err.value.column) == (2, "q3")
    with pytest.raises(InputError, match="must be a sample size of at least 2") as err:
        mean_sd_from_median([20, 1], [4, 4], q1=[2, 3], q3=[6, 5])
    assert (err.value.row, err.value.column) == (2, "n")
    with pytest.raises(InputError, match="must be a whole number with exact=True"):
        mean_sd_from_median(20.5, 4, q1=2, q3=6, exact=True)


def test_missing_values_propagate() -> None:
    result = mean_sd_from_median([20, 20], [4, np.nan], q1=[2, 3], q3=[6, 5])
    assert np.isnan(result.mean[1])
    assert np.isfinite(result.sd[1])
