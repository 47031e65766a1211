"""escalc's options, zero-cell handling, missing values and error paths, against hand-computed values.

Hand computations write the measure's formula out with the corrected cells, so the arithmetic can be checked
by reading the test; the formulas are those of the kernels' References (and metafor's escalc documentation).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sysreview import effects
from sysreview.effects import MEASURES, EffectSizes, escalc
from sysreview.effects._continuous import hedges_correction
from sysreview.errors import InputError
from tests._golden import RTOL


def close(actual: float, expected: float) -> bool:
    return math.isclose(actual, expected, rel_tol=RTOL, abs_tol=1e-12)


# ------------------------------------------------------------------------------------------ public surface
def test_public_surface_is_pinned() -> None:
    assert effects.__all__ == sorted(effects.__all__, key=lambda name: (not name.isupper(), name))
    assert set(effects.__all__) == {
        "DISTRIBUTIONS", "FAMILIES", "MEASURES", "SCALES", "SD_METHODS", "TO_CHOICES",
        "CombinedGroup", "EffectSizes", "MeanSD", "Measure",
        "change_correlation", "change_sd", "combine_groups", "combine_two_groups", "critical_value",
        "effects_from_reported", "escalc", "expected_normal_order_statistic", "mean_sd_from_median",
        "sd_from_ci", "sd_from_se", "sd_from_se_of_difference", "se_from_ci", "se_from_pvalue",
        "se_from_statistic",
    }  # fmt: skip


def test_measures_describe_every_measure() -> None:
    assert list(MEASURES) == [
        "RR", "OR", "RD", "PETO", "AS", "MD", "SMD", "SMDH", "SMD1", "ROM", "COR", "ZCOR",
        "PR", "PLN", "PLO", "PAS", "PFT", "IRR", "IRD", "IR", "IRLN", "MC", "SMCC", "SMCR",
    ]  # fmt: skip
    assert MEASURES["OR"].layouts == (("ai", "bi", "ci", "di"), ("ai", "n1i", "ci", "n2i"))
    assert MEASURES["OR"].scale == "log"
    assert MEASURES["OR"].back_transform == "exp"
    assert MEASURES["ZCOR"].back_transform == "tanh"
    assert MEASURES["PLO"].back_transform == "expit"
    assert MEASURES["SMD"].vtypes == ("LS", "UB")
    assert MEASURES["SMCR"].accepted == {"ni", "m1i", "sd1i", "m2i", "ri", "sd2i"}
    # metafor's default continuity correction: 1/2, but none for the arcsine-type measures
    assert {code for code, m in MEASURES.items() if m.default_add == 0 and m.family != "two_means"} >= {
        "AS",
        "PAS",
        "PFT",
    }
    assert MEASURES["OR"].describe_columns() == "ai, bi, ci, di (or ai, n1i, ci, n2i)"
    with pytest.raises(TypeError):
        MEASURES["XX"] = MEASURES["OR"]


# ------------------------------------------------------------------------------------------ result type
def test_effect_sizes_are_read_only_and_serialise() -> None:
    es = escalc("OR", ai=[1, None], bi=[9, 5], ci=[2, 5], di=[8, 5])
    assert es.measure == "OR"
    assert es.k == len(es) == 2
    with pytest.raises(ValueError, match="read-only"):
        es.yi[0] = 1.0
    data = es.to_dict()
    json.dumps(data)  # plain data: NaN became None
    assert data["yi"][1] is None
    assert data["notes"] == [None, "missing value in ai"]
    assert close(data["sei"][0], math.sqrt(1 / 1 + 1 / 9 + 1 / 2 + 1 / 8))
    assert data["ni"] == [20.0, None]
    assert es.estimable.tolist() == [True, False]


def test_effect_sizes_from_yi_vi_fill_ni_and_notes() -> None:
    es = EffectSizes(measure="GEN", yi=[0.1, 0.2], vi=[0.01, 0.02])
    assert np.isnan(es.ni).all()
    assert es.notes == (None, None)
    assert np.allclose(es.sei, [0.1, math.sqrt(0.02)])
    with pytest.raises(InputError, match="column 'vi'"):
        EffectSizes(measure="GEN", yi=[0.1, 0.2], vi=[0.01])


# ------------------------------------------------------------------------------------------ layouts
def test_two_by_two_from_group_sizes_equals_cells() -> None:
    cells = escalc("RR", ai=[4, 6], bi=[119, 300], ci=[11, 29], di=[128, 274])
    sizes = escalc("RR", ai=[4, 6], n1i=[123, 306], ci=[11, 29], n2i=[139, 303])
    assert np.array_equal(cells.yi, sizes.yi)
    assert np.array_equal(cells.vi, sizes.vi)
    both = escalc("RR", ai=[4, 6], bi=[119, 300], ci=[11, 29], di=[128, 274], n1i=[123, 306], n2i=[139, 303])
    assert np.array_equal(both.yi, cells.yi)


def test_two_by_two_totals_must_agree() -> None:
    with pytest.raises(InputError) as err:
        escalc("RR", ai=[4, 6], bi=[119, 300], ci=[11, 29], di=[128, 274], n1i=[123, 307], n2i=[139, 303])
    assert (err.value.row, err.value.column) == (2, "n1i")


def test_proportion_from_non_events_equals_from_size() -> None:
    assert np.array_equal(escalc("PLO", xi=[3, 7], mi=[7, 3]).yi, escalc("PLO", xi=[3, 7], ni=[10, 10]).yi)


def test_single_number_is_used_for_every_study() -> None:
    # an assumed pre-post correlation of 0.5 for all studies
    es = escalc("MC", ni=[14, 14], m1i=[136.4, 126.1], sd1i=[27, 26.7], m2i=[98.2, 116.8], sd2i=[31.4, 34.6], ri=0.5)
    # seed 001 Table 3 (golden case seed001_prepost_MC_es): vi = (27² + 31.4² − 2·0.5·27·31.4)/14 = 61.94
    assert close(es.vi[0], 61.94)
    assert close(es.yi[1], 126.1 - 116.8)


# ------------------------------------------------------------------------------------------ zero cells
ZERO = {"ai": [0, 2], "bi": [10, 8], "ci": [4, 3], "di": [6, 7]}  # study 1 has a zero cell, study 2 has none


def test_only0_corrects_the_tables_with_a_zero_cell() -> None:
    es = escalc("OR", **ZERO)
    # study 1 with 1/2 added to each cell: (0.5, 10.5, 4.5, 6.5)
    assert close(es.yi[0], math.log(0.5 * 6.5 / (10.5 * 4.5)))
    assert close(es.vi[0], 1 / 0.5 + 1 / 10.5 + 1 / 4.5 + 1 / 6.5)
    # study 2 untouched
    assert close(es.yi[1], math.log(2 * 7 / (8 * 3)))
    assert close(es.vi[1], 1 / 2 + 1 / 8 + 1 / 3 + 1 / 7)
    assert es.notes == ("0.5 added to each count (a zero count)", None)


def test_risk_ratio_and_difference_with_a_zero_cell() -> None:
    rr = escalc("RR", **ZERO)
    # corrected group sizes 11 and 11
    assert close(rr.yi[0], math.log((0.5 / 11) / (4.5 / 11)))
    assert close(rr.vi[0], 1 / 0.5 - 1 / 11 + 1 / 4.5 - 1 / 11)
    rd = escalc("RD", **ZERO)
    p1, p2 = 0.5 / 11, 4.5 / 11
    assert close(rd.yi[0], p1 - p2)
    assert close(rd.vi[0], p1 * (1 - p1) / 11 + p2 * (1 - p2) / 11)


def test_to_all_and_if0all_correct_every_table() -> None:
    for to in ("all", "if0all"):
        es = escalc("OR", **ZERO, to=to)
        assert close(es.yi[1], math.log(2.5 * 7.5 / (8.5 * 3.5)))
        assert close(es.vi[1], 1 / 2.5 + 1 / 8.5 + 1 / 3.5 + 1 / 7.5)
    # if0all leaves tables alone when no table has a zero cell
    clean = escalc("OR", ai=[2, 3], bi=[8, 7], ci=[3, 4], di=[7, 6], to="if0all")
    assert close(clean.yi[0], math.log(2 * 7 / (8 * 3)))
    assert clean.notes == (None, None)


def test_custom_add_amount() -> None:
    es = escalc("OR", **ZERO, add=1)
    assert close(es.yi[0], math.log(1 * 7 / (11 * 5)))
    assert es.notes[0] == "1 added to each count (a zero count)"


def test_to_none_leaves_zero_cells_not_estimable_with_a_reason() -> None:
    es = escalc("OR", **ZERO, to="none")
    assert np.isnan(es.yi[0])
    assert np.isnan(es.vi[0])
    assert es.notes[0] == "not estimable: a zero cell: the log odds ratio needs a continuity correction"
    assert close(es.yi[1], math.log(2 * 7 / (8 * 3)))
    # the risk difference stays finite without correction
    rd = escalc("RD", **ZERO, to="none")
    assert close(rd.yi[0], 0 / 10 - 4 / 10)
    assert close(rd.vi[0], 0 + 0.4 * 0.6 / 10)


def test_drop00_drops_double_zero_studies_only() -> None:
    double_zero = {"ai": [0, 10, 2], "bi": [10, 0, 8], "ci": [0, 10, 3], "di": [10, 0, 7]}
    kept = escalc("OR", **double_zero)
    # without drop00: (0.5, 10.5, 0.5, 10.5) gives log OR 0 with variance 2/0.5 + 2/10.5
    assert close(kept.yi[0], 0.0)
    assert close(kept.vi[0], 2 / 0.5 + 2 / 10.5)
    dropped = escalc("OR", **double_zero, drop00=True)
    assert np.isnan(dropped.yi[:2]).all()
    assert np.isnan(dropped.vi[:2]).all()
    assert dropped.notes[0] == "no events (or only events) in both groups: dropped (drop00=True)"
    assert dropped.notes[1] == dropped.notes[0]
    assert close(dropped.yi[2], math.log(2 * 7 / (8 * 3)))
    # a dropped study does not trigger the correction of the others under if0all
    if0all = escalc("OR", **double_zero, drop00=True, to="if0all")
    assert close(if0all.yi[2], math.log(2 * 7 / (8 * 3)))
    assert if0all.notes[2] is None


def test_peto_with_no_events_in_either_group() -> None:
    # Yusuf 1985 Table 6 "Pitt" (golden yusuf_t6_PETO_es): 0/9 vs 0/8 with 1/2 added to each cell
    es = escalc("PETO", ai=[0], bi=[9], ci=[0], di=[8])
    n1, n2, events, non_events, total = 10, 9, 1, 18, 19
    variance = n1 * n2 * events * non_events / (total**2 * (total - 1))
    assert close(es.yi[0], (0.5 - n1 * events / total) / variance)
    assert close(es.vi[0], 1 / variance)


def test_arcsine_measures_need_no_correction() -> None:
    es = escalc("PAS", xi=[0, 10], ni=[10, 10])
    assert es.yi.tolist() == [0.0, math.pi / 2]
    assert close(es.vi[0], 1 / 40)
    assert es.notes == (None, None)
    # asked for explicitly, the correction is applied
    corrected = escalc("PAS", xi=[0], ni=[10], add=0.5)
    assert close(corrected.yi[0], math.asin(math.sqrt(0.5 / 11)))
    assert close(escalc("AS", ai=[0], bi=[10], ci=[5], di=[5]).yi[0], 0 - math.asin(math.sqrt(0.5)))


def test_proportions_with_zero_events_or_only_events() -> None:
    pr = escalc("PR", xi=[0, 10], ni=[10, 10])
    assert close(pr.yi[0], 0.5 / 11)
    assert close(pr.yi[1], 10.5 / 11)
    assert close(pr.vi[0], (0.5 / 11) * (10.5 / 11) / 11)
    raw = escalc("PR", xi=[0], ni=[10], to="none")
    assert raw.yi[0] == 0
    assert raw.vi[0] == 0
    assert raw.notes[0] == "sampling variance is zero"
    logit = escalc("PLO", xi=[0], ni=[10], to="none")
    assert np.isnan(logit.yi[0])
    assert logit.notes[0] == "not estimable: no events or only events: the logit needs a continuity correction"


def test_incidence_rates_with_zero_events() -> None:
    irr = escalc("IRR", x1i=[0], t1i=[100], x2i=[5], t2i=[200])
    assert close(irr.yi[0], math.log((0.5 / 100) / (5.5 / 200)))
    assert close(irr.vi[0], 1 / 0.5 + 1 / 5.5)
    irln = escalc("IRLN", xi=[0], ti=[250])
    assert close(irln.yi[0], math.log(0.5 / 250))
    assert close(irln.vi[0], 1 / 0.5)
    ird = escalc("IRD", x1i=[0, 1], t1i=[100, 100], x2i=[0, 2], t2i=[100, 100], drop00=True)
    assert np.isnan(ird.yi[0])
    assert close(ird.yi[1], 1 / 100 - 2 / 100)
    assert close(ird.vi[1], 1 / 100**2 + 2 / 100**2)


# ------------------------------------------------------------------------------------------ vtype
MEANS: dict[str, list[float]] = {"n1i": [10], "m1i": [5.0], "sd1i": [2.0], "n2i": [12], "m2i": [4.0], "sd2i": [3.0]}


def test_mean_difference_variances() -> None:
    assert close(escalc("MD", **MEANS).vi[0], 2**2 / 10 + 3**2 / 12)
    pooled = (9 * 2**2 + 11 * 3**2) / 20
    assert close(escalc("MD", **MEANS, vtype="HO").vi[0], pooled * (1 / 10 + 1 / 12))


def test_smd_variances() -> None:
    m = 20
    c = math.exp(math.lgamma(m / 2) - math.lgamma((m - 1) / 2)) / math.sqrt(m / 2)  # Hedges (1981) eq. 6e
    g = c * (5 - 4) / math.sqrt((9 * 2**2 + 11 * 3**2) / m)
    ls = escalc("SMD", **MEANS)
    assert close(ls.yi[0], g)
    assert close(ls.vi[0], 1 / 10 + 1 / 12 + g**2 / (2 * 22))
    ub = escalc("SMD", **MEANS, vtype="UB")
    assert close(ub.vi[0], 1 / 10 + 1 / 12 + (1 - (m - 2) / (m * c**2)) * g**2)


def test_hedges_correction_exact_values() -> None:
    # c(2) = Γ(1)/(1·Γ(1/2)) = 1/√π; c(3) = Γ(3/2)/(√(3/2)·Γ(1)) = (√π/2)/√1.5; c(4) = 1/(√2·Γ(3/2))
    assert close(float(hedges_correction(2)), 1 / math.sqrt(math.pi))
    assert close(float(hedges_correction(3)), (math.sqrt(math.pi) / 2) / math.sqrt(1.5))
    assert close(float(hedges_correction(4)), 1 / (math.sqrt(2) * math.sqrt(math.pi) / 2))
    # Hedges (1981) eq. 6b: c(m) ≈ 1 − 3/(4m − 1), error O(m⁻²); no loss of precision for large m
    for m in (1e3, 1e5, 1e6):
        assert abs(float(hedges_correction(m)) - (1 - 3 / (4 * m - 1))) < 1 / m**2
    assert np.isnan(hedges_correction([1.0, 0.0])).all()


# ------------------------------------------------------------------------------------------ not estimable
@pytest.mark.parametrize(
    ("measure", "columns", "reason"),
    [
        ("ZCOR", {"ri": [1.0], "ni": [20]}, "|ri| = 1: Fisher's z is infinite"),
        ("ZCOR", {"ri": [0.3], "ni": [3]}, "ni ≤ 3: the variance 1/(ni − 3) is not defined"),
        ("ROM", {**MEANS, "m2i": [-4.0]}, "the log ratio of means needs positive means"),
        ("SMD", {**MEANS, "sd1i": [0.0], "sd2i": [0.0]}, "both standard deviations are zero"),
        ("SMD", {**MEANS, "n1i": [2], "n2i": [1]}, "n1i + n2i ≤ 3: Hedges' correction is not defined"),
        ("SMCC", {"ni": [10], "m1i": [5], "sd1i": [2], "m2i": [4], "sd2i": [2], "ri": [1.0]},
         "the standard deviation of the change scores is zero"),
    ],
)  # fmt: skip
def test_not_estimable_studies_keep_their_place_with_a_reason(
    measure: str, columns: dict[str, list[float]], reason: str
) -> None:
    es = escalc(measure, **columns)
    assert es.k == 1
    assert np.isnan(es.yi[0])
    assert np.isnan(es.vi[0])
    assert es.notes[0] == "not estimable: " + reason


def test_missing_values_give_nan_with_the_missing_columns() -> None:
    es = escalc("SMD", n1i=[10, 10], m1i=[5, np.nan], sd1i=[2, None], n2i=[12, 12], m2i=[4, 4], sd2i=[3, 3])
    assert np.isfinite(es.yi[0])
    assert np.isnan(es.yi[1])
    assert np.isnan(es.vi[1])
    assert es.notes[1] == "missing value in m1i, sd1i"


# ------------------------------------------------------------------------------------------ input errors
def test_unknown_measure_lists_the_choices() -> None:
    with pytest.raises(InputError, match="measure must be one of RR, OR, RD") as err:
        escalc("or", ai=[1], bi=[1], ci=[1], di=[1])
    assert "codes are upper case: 'OR'" in str(err.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"to": "zero"}, "to must be one of only0, all, if0all, none"),
        ({"vtype": "UB"}, "vtype for measure OR must be one of LS"),
        ({"add": -0.5}, "add must be a number of zero or more"),
        ({"drop00": "yes"}, "drop00 must be True or False"),
    ],
)
def test_bad_options_name_the_argument(options: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        escalc("OR", ai=[1], bi=[1], ci=[1], di=[1], **options)


def test_options_that_do_not_apply_are_refused() -> None:
    with pytest.raises(InputError, match="add applies to measures computed from counts; measure SMD has none"):
        escalc("SMD", **MEANS, add=0.5)
    with pytest.raises(InputError, match="drop00 applies to two-group count measures"):
        escalc("PR", xi=[1], ni=[10], drop00=True)


def test_missing_column_is_named_with_the_measure() -> None:
    with pytest.raises(InputError) as err:
        escalc("OR", ai=[1], bi=[1], ci=[1])
    assert err.value.column == "di"
    assert "measure OR (log odds ratio) needs ai, bi, ci, di (or ai, n1i, ci, n2i)" in str(err.value)


def test_unused_column_is_refused() -> None:
    with pytest.raises(InputError) as err:
        escalc("OR", ai=[1], bi=[1], ci=[1], di=[1], sd1i=[2])
    assert err.value.column == "sd1i"


def test_columns_of_different_lengths() -> None:
    with pytest.raises(InputError, match="has 2 values but 'ai' has 3") as err:
        escalc("OR", ai=[1, 2, 3], bi=[1, 2], ci=[1, 2, 3], di=[1, 2, 3])
    assert err.value.column == "bi"


@pytest.mark.parametrize(
    ("measure", "columns", "row", "column", "message"),
    [
        ("OR", {"ai": [1, -1], "bi": [1, 1], "ci": [1, 1], "di": [1, 1]}, 2, "ai", "must be a count of zero or more"),
        ("OR", {"ai": [1, 5], "n1i": [4, 4], "ci": [1, 1], "n2i": [4, 4]}, 2, "ai", "events exceed the group size"),
        ("PR", {"xi": [3, 11, 2], "ni": [10, 10, 10]}, 2, "xi", "events exceed the group size ni=10"),
        ("SMD", {**{k: v * 2 for k, v in MEANS.items()}, "n1i": [10, 0]}, 2, "n1i", "must be a sample size above zero"),
        ("SMD", {**{k: v * 2 for k, v in MEANS.items()}, "sd2i": [3, -3]}, 2, "sd2i", "must be a standard deviation"),
        ("COR", {"ri": [0.2, 0.5, 1.2], "ni": [10, 10, 10]}, 3, "ri", "must be a correlation between -1 and 1"),
        ("IR", {"xi": [1, 2], "ti": [0, 10]}, 1, "ti", "must be a person-time above zero"),
        ("MD", {**{k: v * 2 for k, v in MEANS.items()}, "m1i": [1, math.inf]}, 2, "m1i", "must be finite"),
        ("OR", {"ai": [1, "x"], "bi": [1, 1], "ci": [1, 1], "di": [1, 1]}, 2, "ai", "must be a number, got 'x'"),
    ],
)
def test_impossible_values_name_row_and_column(
    measure: str, columns: dict[str, list[object]], row: int, column: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as err:
        escalc(measure, **columns)
    assert (err.value.row, err.value.column) == (row, column)
    assert str(err.value).startswith(f"row {row}: column '{column}': ")


def test_two_dimensional_column_is_refused() -> None:
    with pytest.raises(InputError, match="one value per study") as err:
        escalc("COR", ri=[[0.1, 0.2]], ni=[[10, 10]])
    assert err.value.column == "ri"
