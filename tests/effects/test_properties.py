"""Invariants of escalc and the conversions, as hypothesis properties."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysreview.effects import (
    MEASURES,
    change_correlation,
    change_sd,
    combine_groups,
    combine_two_groups,
    effects_from_reported,
    escalc,
    mean_sd_from_median,
    sd_from_ci,
    se_from_ci,
)
from tests.effects._strategies import DATA_FOR, two_by_two, two_means, two_rates

TIGHT = 1e-9  # floating-point identities (the same formula evaluated in another order)


def _drop(columns: dict[str, Any], measure: str) -> dict[str, Any]:
    """Only the columns the measure reads (SMD1 and SMCR ignore one SD)."""
    return {name: value for name, value in columns.items() if name in MEASURES[measure].accepted}


def _swap_two_by_two(t: dict[str, list[int]]) -> dict[str, list[int]]:
    return {"ai": t["ci"], "bi": t["di"], "ci": t["ai"], "di": t["bi"]}


def _swap_means(t: dict[str, list[float]]) -> dict[str, list[float]]:
    return {
        "n1i": t["n2i"], "m1i": t["m2i"], "sd1i": t["sd2i"], "n2i": t["n1i"], "m2i": t["m1i"], "sd2i": t["sd1i"],
    }  # fmt: skip


@pytest.mark.parametrize("measure", ["RR", "OR", "RD", "PETO", "AS"])
@given(tables=two_by_two())
def test_swapping_arms_negates_binary_effects_and_keeps_variances(measure: str, tables: dict[str, list[int]]) -> None:
    es, swapped = escalc(measure, **tables), escalc(measure, **_swap_two_by_two(tables))
    assert np.array_equal(np.isnan(es.yi), np.isnan(swapped.yi))
    assert np.allclose(swapped.yi, -es.yi, rtol=TIGHT, atol=1e-12, equal_nan=True)
    assert np.allclose(swapped.vi, es.vi, rtol=TIGHT, atol=0, equal_nan=True)


@pytest.mark.parametrize("measure", ["MD", "SMD", "SMDH"])
@given(data=two_means())
def test_swapping_arms_negates_mean_differences_and_keeps_variances(measure: str, data: dict[str, list[float]]) -> None:
    es, swapped = escalc(measure, **data), escalc(measure, **_swap_means(data))
    assert np.allclose(swapped.yi, -es.yi, rtol=TIGHT, atol=1e-12)
    assert np.allclose(swapped.vi, es.vi, rtol=TIGHT, atol=0)


@given(data=two_rates())
def test_swapping_arms_negates_rate_effects(data: dict[str, list[float]]) -> None:
    swapped = {"x1i": data["x2i"], "t1i": data["t2i"], "x2i": data["x1i"], "t2i": data["t1i"]}
    for measure in ("IRR", "IRD"):
        es, other = escalc(measure, **data), escalc(measure, **swapped)
        assert np.allclose(other.yi, -es.yi, rtol=TIGHT, atol=1e-15, equal_nan=True)
        assert np.allclose(other.vi, es.vi, rtol=TIGHT, atol=0, equal_nan=True)


@pytest.mark.parametrize("measure", ["SMD", "SMDH", "SMD1", "ROM"])
@given(data=two_means(positive=True), factor=st.floats(min_value=1e-3, max_value=1e3))
def test_rescaling_means_and_sds_leaves_standardised_effects_unchanged(
    measure: str, data: dict[str, list[float]], factor: float
) -> None:
    scaled = {name: [v * factor for v in values] if name[0] in "ms" else values for name, values in data.items()}
    es, other = escalc(measure, **_drop(data, measure)), escalc(measure, **_drop(scaled, measure))
    assert np.allclose(other.yi, es.yi, rtol=TIGHT, atol=1e-12)
    assert np.allclose(other.vi, es.vi, rtol=TIGHT, atol=0)


@given(data=two_means(), shift=st.floats(min_value=-1e3, max_value=1e3))
def test_shifting_both_means_leaves_md_and_smd_unchanged(data: dict[str, list[float]], shift: float) -> None:
    shifted = {**data, "m1i": [m + shift for m in data["m1i"]], "m2i": [m + shift for m in data["m2i"]]}
    for measure in ("MD", "SMD"):
        es, other = escalc(measure, **data), escalc(measure, **shifted)
        assert np.allclose(other.yi, es.yi, rtol=1e-7, atol=1e-9)
        assert np.allclose(other.vi, es.vi, rtol=1e-7, atol=0)


@pytest.mark.parametrize("measure", list(MEASURES))
@given(data=st.data())
def test_study_order_permutes_outputs_and_variances_are_positive(measure: str, data: st.DataObject) -> None:
    columns = _drop(data.draw(DATA_FOR[measure]), measure)
    k = len(next(iter(columns.values())))
    order = data.draw(st.permutations(range(k)))
    es = escalc(measure, **columns)
    permuted = escalc(measure, **{name: [values[i] for i in order] for name, values in columns.items()})
    assert np.array_equal(permuted.yi, es.yi[order], equal_nan=True)
    assert np.array_equal(permuted.vi, es.vi[order], equal_nan=True)
    assert permuted.notes == tuple(es.notes[i] for i in order)
    # with metafor's default continuity correction every finite variance is positive
    finite = np.isfinite(es.vi)
    assert np.all(es.vi[finite] > 0)
    assert np.array_equal(np.isfinite(es.yi), finite)
    for index in np.flatnonzero(~finite):
        assert es.notes[index]


@given(tables=two_by_two())
def test_reported_ci_gives_back_the_variance(tables: dict[str, list[int]]) -> None:
    # a Wald CI built from escalc's log RR, reported on the ratio scale, gives back yi and vi
    es = escalc("RR", **tables)
    z = 1.959963984540054
    reported = effects_from_reported(
        np.exp(es.yi), np.exp(es.yi - z * es.sei), np.exp(es.yi + z * es.sei), measure="RR"
    )
    assert np.allclose(reported.yi, es.yi, rtol=TIGHT, atol=1e-12)
    assert np.allclose(reported.vi, es.vi, rtol=1e-7)
    assert np.allclose(se_from_ci(es.yi - z * es.sei, es.yi + z * es.sei), es.sei, rtol=1e-9)


@given(
    groups=st.lists(st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=2, max_size=30), min_size=2, max_size=5)
)
def test_combined_groups_have_the_statistics_of_the_pooled_values(groups: list[list[float]]) -> None:
    n = [len(g) for g in groups]
    means = [float(np.mean(g)) for g in groups]
    sds = [float(np.std(g, ddof=1)) for g in groups]
    combined = combine_groups(n, means, sds)
    pooled = np.concatenate(groups)
    scale = 1 + float(np.max(np.abs(pooled)))
    assert float(combined.n) == pooled.size
    assert math.isclose(float(combined.mean), float(np.mean(pooled)), rel_tol=1e-9, abs_tol=1e-9 * scale)
    assert math.isclose(float(combined.sd), float(np.std(pooled, ddof=1)), rel_tol=1e-7, abs_tol=1e-7 * scale)
    # two at a time (the Handbook's Table 6.5.a) gives the same as all at once
    step = combine_two_groups(n[0], means[0], sds[0], n[1], means[1], sds[1])
    for size, mean, sd in zip(n[2:], means[2:], sds[2:], strict=True):
        step = combine_two_groups(step.n, step.mean, step.sd, size, mean, sd)
    assert math.isclose(float(step.sd), float(combined.sd), rel_tol=1e-7, abs_tol=1e-7 * scale)


@given(
    baseline=st.floats(min_value=0.1, max_value=100),
    final=st.floats(min_value=0.1, max_value=100),
    r=st.floats(min_value=-0.99, max_value=0.99),
)
def test_change_sd_and_correlation_are_inverse(baseline: float, final: float, r: float) -> None:
    sd = change_sd(baseline, final, r)
    assert math.isclose(float(change_correlation(baseline, final, sd)), r, rel_tol=1e-7, abs_tol=1e-7)
    # bounded by the SDs of perfectly (anti-)correlated measurements
    assert abs(baseline - final) - 1e-9 <= float(sd) <= baseline + final + 1e-9


@given(
    location=st.floats(min_value=-100, max_value=100),
    scale=st.floats(min_value=0.01, max_value=100),
    n=st.integers(min_value=2, max_value=5000),
)
def test_median_conversions_are_location_scale_equivariant(location: float, scale: float, n: int) -> None:
    five = np.array([-2.0, -0.7, 0.1, 0.6, 2.5])  # minimum, q1, median, q3, maximum
    a, q1, m, q3, b = location + scale * five
    for kwargs in (
        {"minimum": -2.0, "maximum": 2.5},
        {"q1": -0.7, "q3": 0.6},
        {"minimum": -2.0, "q1": -0.7, "q3": 0.6, "maximum": 2.5},
    ):
        base = mean_sd_from_median(n, 0.1, **kwargs)
        moved_kwargs = {key: location + scale * value for key, value in kwargs.items()}
        moved = mean_sd_from_median(n, m, **moved_kwargs)
        assert math.isclose(float(moved.mean), location + scale * float(base.mean), rel_tol=1e-9, abs_tol=1e-9 * scale)
        assert math.isclose(float(moved.sd), scale * float(base.sd), rel_tol=1e-9)
    del a, q1, q3, b


@given(sd=st.floats(min_value=0.1, max_value=100), n=st.integers(min_value=2, max_value=1000))
def test_sd_from_ci_inverts_the_ci_of_a_mean(sd: float, n: int) -> None:
    from scipy import stats

    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    assert math.isclose(float(sd_from_ci(10 - half, 10 + half, n, distribution="t")), sd, rel_tol=1e-9)
