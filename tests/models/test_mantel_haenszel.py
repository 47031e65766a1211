"""Mantel–Haenszel and Peto pooling: metafor reference cases, published examples, invariants, input errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sysreview.errors import InputError
from sysreview.models import MetaResult, rma_mh, rma_peto
from sysreview.models._mantel_haenszel import _mh_two_by_two, _peto_parts, mh_tests
from tests._golden import RTOL, assert_close, cases_of, golden_cases

# ------------------------------------------------------------------------------------------- metafor cases


def _mh_cases() -> list[Any]:
    return [p for p in cases_of("meta") if p.values[0]["call"]["method"] in ("MH", "PETO")]


def _fit(case: dict[str, Any], **options: Any) -> MetaResult:
    data = case["input"]
    cells = (data["ai"], data["bi"], data["ci"], data["di"])
    if case["call"]["method"] == "PETO":
        return rma_peto(*cells, study=data["study"], **options)
    return rma_mh(*cells, measure=case["call"]["measure"], study=data["study"], **options)


def test_every_mh_and_peto_case_is_collected() -> None:
    # the golden file holds bcg_MH_OR, bcg_MH_RR, bcg_MH_RD, bcg_PETO, yusuf_t6_PETO, yusuf_t6_MH_OR
    assert len(_mh_cases()) == 6


@pytest.mark.parametrize("case", _mh_cases())
def test_matches_metafor(case: dict[str, Any]) -> None:
    # R metafor 3.8-1 rma.mh / rma.peto with default add/to/drop00 (shared/golden/metafor_public.json)
    result = _fit(case)
    assert result.method == case["call"]["method"]
    assert result.test == "z"
    assert result.df is None
    assert result.tau2 == 0.0
    assert result.tau2_se is None
    assert result.pi_lower is None
    assert result.pi_upper is None
    assert result.Q is not None
    assert result.H2 is not None
    assert result.Q_df == round(result.Q / result.H2)  # df metafor used: Q / H² = k_yi − 1
    assert_close(result.to_dict(), case["expected"], rtol=RTOL, where=case["id"])
    (coef,) = result.coefficients
    assert coef.name == "intrcpt"
    assert coef.estimate == result.estimate
    assert coef.ci_lower == result.ci_lower


def test_yusuf_missing_and_double_zero_studies_are_noted() -> None:
    # dat.yusuf1985 table 6: 'Snow 1' (row 8) has no data; Pitt, Hutton, Yusuf (rows 12, 15, 19) have no
    # events in either arm: metafor reports k = 21 and Q on 17 df (18 studies with a log OR)
    (case,) = [c for c in golden_cases() if c["id"] == "yusuf_t6_MH_OR"]
    result = _fit(case)
    assert result.k == 21
    assert result.Q_df == 17
    assert "Snow 1" not in result.study
    assert len(result.yi) == 21
    assert int(np.isnan(result.yi).sum()) == 3
    notes = " | ".join(result.notes)
    assert "8 ('Snow 1')" in notes
    assert "12 ('Pitt'), 15 ('Hutton'), 19 ('Yusuf')" in notes
    assert "17 ('Gupta')" in notes  # the one study with a single zero cell gets 1/2 for its yi/vi
    with pytest.raises(InputError) as err:
        _fit(case, missing="raise")
    assert err.value.row == 8


def _effect_size_case(case_id: str) -> dict[str, Any]:
    (case,) = [c for c in golden_cases() if c["id"] == case_id]
    return case


@pytest.mark.parametrize(("case_id", "measure"), [("bcg_OR_es", "OR"), ("bcg_RR_es", "RR"), ("bcg_RD_es", "RD")])
def test_per_study_yi_vi_match_metafor_escalc(case_id: str, measure: str) -> None:
    # R metafor escalc(measure, ai, bi, ci, di, data = dat.bcg) (shared/golden/metafor_public.json)
    case = _effect_size_case(case_id)
    data = case["input"]
    result = rma_mh(data["ai"], data["bi"], data["ci"], data["di"], measure=measure)
    assert_close(list(result.yi), case["expected"]["yi"], where=f"{case_id}.yi")
    assert_close(list(result.vi), case["expected"]["vi"], where=f"{case_id}.vi")


def test_peto_yi_vi_with_zero_cells_match_metafor_escalc() -> None:
    # R metafor escalc("PETO", ...) on dat.yusuf1985 table 6, escalc defaults add=1/2, to="only0",
    # drop00=FALSE (so the double-zero studies keep a corrected yi); 'Snow 1' has no data
    case = _effect_size_case("yusuf_t6_PETO_es")
    data = case["input"]
    result = rma_peto(data["ai"], data["bi"], data["ci"], data["di"], drop00=False)
    expected = {key: [v for v in values if v is not None] for key, values in case["expected"].items()}
    assert_close(list(result.yi), expected["yi"], where="yusuf.yi")
    assert_close(list(result.vi), expected["vi"], where="yusuf.vi")


@pytest.mark.parametrize(("case_id", "measure"), [("nielweise2008_IRR_es", "IRR"), ("nielweise2008_IRD_es", "IRD")])
def test_person_time_yi_vi_match_metafor_escalc(case_id: str, measure: str) -> None:
    # R metafor escalc(measure, x1i, t1i, x2i, t2i, data = dat.nielweise2008)
    case = _effect_size_case(case_id)
    data = case["input"]
    result = rma_mh(
        x1i=data["x1i"], t1i=data["t1i"], x2i=data["x2i"], t2i=data["t2i"], measure=measure, study=data["study"]
    )
    assert_close(list(result.yi), case["expected"]["yi"], where=f"{case_id}.yi")
    assert_close(list(result.vi), case["expected"]["vi"], where=f"{case_id}.vi")
    assert result.measure == measure
    assert result.ci_lower is not None
    assert result.ci_upper is not None
    assert result.ci_lower < result.estimate < result.ci_upper


# ------------------------------------------------------------------------------------- published examples

# Agresti, A. (1996). An Introduction to Categorical Data Analysis, Table 3.3 (smoking and lung cancer in eight
# Chinese cities; Liu, 1992): smokers / non-smokers among cases and controls, per city.
CHINA = {
    "ai": [126, 908, 913, 235, 402, 182, 60, 104],  # smokers, lung cancer
    "bi": [100, 688, 747, 172, 308, 156, 99, 89],  # smokers, controls
    "ci": [35, 497, 336, 58, 121, 72, 11, 21],  # non-smokers, lung cancer
    "di": [61, 807, 598, 121, 215, 98, 43, 36],  # non-smokers, controls
}


def _published(value: float, reported: float, decimals: int) -> bool:
    """``value`` rounds to the published figure (given to ``decimals`` places)."""
    return abs(value - reported) <= 0.5 * 10.0**-decimals


def test_chinese_smoking_mh_odds_ratio_and_risk_ratio() -> None:
    # SAS PROC FREQ (CMH option) on Agresti's Table 3.3, as printed in the Stanford ED257 handout
    # "SAS file for CMH analysis of Chinese smoking data": "Case-Control Mantel-Haenszel 2.174",
    # "Cohort (Col1 Risk) Mantel-Haenszel 1.519"
    odds = rma_mh(CHINA["ai"], CHINA["bi"], CHINA["ci"], CHINA["di"], measure="OR")
    risk = rma_mh(CHINA["ai"], CHINA["bi"], CHINA["ci"], CHINA["di"], measure="RR")
    assert odds.estimate is not None
    assert risk.estimate is not None
    assert _published(math.exp(odds.estimate), 2.174, 3)
    assert _published(math.exp(risk.estimate), 1.519, 3)


def test_chinese_smoking_cmh_and_breslow_day() -> None:
    # same SAS output: CMH (uncorrected) "General Association 1 280.138"; "Breslow-Day Test for Homogeneity
    # of the Odds Ratios Chi-Square = 5.200 DF = 7 Prob = 0.636"
    tests = mh_tests(CHINA["ai"], CHINA["bi"], CHINA["ci"], CHINA["di"], correct=False)
    assert tests.cmh is not None
    assert tests.breslow_day is not None
    assert tests.tarone is not None
    assert _published(tests.cmh.statistic, 280.138, 3)
    assert tests.cmh.df == 1
    assert _published(tests.breslow_day.statistic, 5.200, 3)
    assert tests.breslow_day.df == 7
    assert _published(tests.breslow_day.pvalue, 0.636, 3)
    # Tarone's correction is tiny here (the MH OR is close to the conditional MLE) and never increases it
    assert tests.tarone.statistic <= tests.breslow_day.statistic
    assert _published(tests.tarone.statistic, 5.200, 3)
    assert tests.to_dict()["breslow_day"] == {
        "statistic": tests.breslow_day.statistic,
        "df": 7,
        "pvalue": tests.breslow_day.pvalue,
    }


# Agresti (1990), pp. 231–237, penicillin and rabbits (the example of R's mantelhaen.test): cured / died by
# immediate vs 1.5 h delayed injection, at five penicillin levels.
RABBITS = {"ai": [0, 3, 6, 5, 2], "bi": [6, 3, 0, 1, 0], "ci": [0, 0, 2, 6, 5], "di": [5, 6, 4, 0, 0]}


def test_rabbits_cmh_with_continuity_correction() -> None:
    # R documentation of mantelhaen.test, example "Penicillin and Rabbits": "## => p = 0.047"
    tests = mh_tests(RABBITS["ai"], RABBITS["bi"], RABBITS["ci"], RABBITS["di"])
    assert tests.cmh is not None
    assert _published(tests.cmh.pvalue, 0.047, 3)


def test_rabbits_mh_odds_ratio_by_hand() -> None:
    # hand computation (Mantel & Haenszel, 1959): Σ ai·di/Ni = 18/12 + 24/12 = 3.5 and Σ bi·ci/Ni = 6/12 = 0.5,
    # so OR_MH = 7; the two all-or-none tables (rows 1 and 5) contribute nothing
    result = rma_mh(RABBITS["ai"], RABBITS["bi"], RABBITS["ci"], RABBITS["di"])
    assert result.estimate is not None
    assert math.isclose(result.estimate, math.log(7.0), rel_tol=RTOL)
    assert any("contribute nothing" in note and "1 ('1'), 5 ('5')" in note for note in result.notes)
    assert list(result.weights) == [0.0, 0.0, 0.0, 100.0, 0.0]  # display weights bi·ci/Ni (metafor's)


def test_single_table_reduces_to_the_crude_estimates() -> None:
    # with one table, the MH OR is ad/bc with the Woolf variance 1/a + 1/b + 1/c + 1/d (Robins et al., 1986,
    # reduce to it), the MH RR is (a/n1)/(c/n2) with variance 1/a − 1/n1 + 1/c − 1/n2 (Greenland & Robins,
    # 1985), and the Peto log OR is (O − E)/V with variance 1/V (Yusuf et al., 1985)
    a, b, c, d = 12.0, 30.0, 7.0, 41.0
    odds = rma_mh([a], [b], [c], [d])
    risk = rma_mh([a], [b], [c], [d], measure="RR")
    peto = rma_peto([a], [b], [c], [d])
    assert odds.se is not None
    assert risk.se is not None
    assert peto.se is not None
    assert math.isclose(odds.estimate or 0.0, math.log(a * d / (b * c)), rel_tol=RTOL)
    assert math.isclose(odds.se**2, 1 / a + 1 / b + 1 / c + 1 / d, rel_tol=RTOL)
    assert math.isclose(risk.estimate or 0.0, math.log((a / (a + b)) / (c / (c + d))), rel_tol=RTOL)
    assert math.isclose(risk.se**2, 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d), rel_tol=RTOL)
    n1, n2, m1, m2 = a + b, c + d, a + c, b + d
    n = n1 + n2
    v = m1 * m2 * n1 * n2 / (n**2 * (n - 1))
    assert math.isclose(peto.estimate or 0.0, (a - n1 * m1 / n) / v, rel_tol=RTOL)
    assert math.isclose(peto.se**2, 1 / v, rel_tol=RTOL)
    # one study: no heterogeneity test
    assert odds.Q is None
    assert odds.I2 is None
    assert any("no heterogeneity test" in note for note in odds.notes)


def test_single_stratum_person_time_reduces_to_the_crude_rates() -> None:
    # one stratum: IRR_MH = (x1/t1)/(x2/t2) with variance 1/x1 + 1/x2, IRD_MH = x1/t1 − x2/t2 with variance
    # x1/t1² + x2/t2² (Greenland & Robins, 1985)
    x1, t1, x2, t2 = 9.0, 1200.0, 17.0, 1500.0
    ratio = rma_mh(x1i=[x1], t1i=[t1], x2i=[x2], t2i=[t2], measure="IRR")
    diff = rma_mh(x1i=[x1], t1i=[t1], x2i=[x2], t2i=[t2], measure="IRD")
    assert ratio.se is not None
    assert diff.se is not None
    assert math.isclose(ratio.estimate or 0.0, math.log((x1 / t1) / (x2 / t2)), rel_tol=RTOL)
    assert math.isclose(ratio.se**2, 1 / x1 + 1 / x2, rel_tol=RTOL)
    assert math.isclose(diff.estimate or 0.0, x1 / t1 - x2 / t2, rel_tol=RTOL)
    assert math.isclose(diff.se**2, x1 / t1**2 + x2 / t2**2, rel_tol=RTOL)
    tests = mh_tests(x1i=[x1], t1i=[t1], x2i=[x2], t2i=[t2], correct=False)
    assert tests.cmh is not None
    expected = (x1 + x2) * t1 / (t1 + t2)
    assert math.isclose(
        tests.cmh.statistic, (x1 - expected) ** 2 / ((x1 + x2) * t1 * t2 / (t1 + t2) ** 2), rel_tol=RTOL
    )
    assert tests.breslow_day is None


def test_group_sizes_instead_of_non_events() -> None:
    # ai, n1i, ci, n2i is the same table as ai, bi = n1i − ai, ci, di = n2i − ci
    n1 = [a + b for a, b in zip(CHINA["ai"], CHINA["bi"], strict=True)]
    n2 = [c + d for c, d in zip(CHINA["ci"], CHINA["di"], strict=True)]
    by_cells = rma_peto(CHINA["ai"], CHINA["bi"], CHINA["ci"], CHINA["di"])
    by_sizes = rma_peto(CHINA["ai"], ci=CHINA["ci"], n1i=n1, n2i=n2)
    assert by_sizes.estimate == by_cells.estimate
    assert by_sizes.Q == by_cells.Q


def test_level_sets_the_interval() -> None:
    # the Wald interval with the normal quantile of the chosen level
    result = rma_mh(CHINA["ai"], CHINA["bi"], CHINA["ci"], CHINA["di"], level=0.9)
    assert result.level == 0.9
    assert result.se is not None
    assert result.ci_upper is not None
    assert math.isclose(result.ci_upper - (result.estimate or 0.0), 1.6448536269514722 * result.se, rel_tol=RTOL)


def test_zero_cell_options_shape_only_the_per_study_estimates() -> None:
    # rows 2 and 4 have a zero cell; the MH estimate uses raw counts whatever add/to say
    ai, bi, ci, di = [4, 0, 6, 3], [20, 15, 30, 12], [8, 3, 9, 0], [16, 14, 25, 15]
    only0 = rma_mh(ai, bi, ci, di)
    every = rma_mh(ai, bi, ci, di, to="all")
    none = rma_mh(ai, bi, ci, di, to="none")
    assert only0.estimate == every.estimate == none.estimate
    assert only0.se == every.se == none.se
    # escalc rule: 1/2 only in the tables with a zero cell; in every table with to="all"
    assert math.isclose(only0.yi[0], math.log(4 * 16 / (20 * 8)), rel_tol=RTOL)
    assert math.isclose(only0.yi[1], math.log(0.5 * 14.5 / (15.5 * 3.5)), rel_tol=RTOL)
    assert math.isclose(every.yi[0], math.log(4.5 * 16.5 / (20.5 * 8.5)), rel_tol=RTOL)
    # to="none" leaves log(0) in rows 2 and 4: no yi, out of Q, and said so
    assert list(np.isnan(none.yi)) == [False, True, False, True]
    assert none.Q_df == 1
    assert only0.Q_df == 3
    assert any("no finite yi/vi" in note and "2 ('2'), 4 ('4')" in note for note in none.notes)
    assert any("to='only0'" in note and "2 ('2'), 4 ('4')" in note for note in only0.notes)


def test_kernels_work_on_a_padded_batch() -> None:
    # the pooling kernels take (B, K) arrays with a mask; a padded batch gives each analysis's own result
    first = (CHINA["ai"], CHINA["bi"], CHINA["ci"], CHINA["di"])
    second = (RABBITS["ai"], RABBITS["bi"], RABBITS["ci"], RABBITS["di"])
    width = max(len(first[0]), len(second[0]))
    padded = [
        np.array([list(x) + [0] * (width - len(x)), list(y) + [0] * (width - len(y))], dtype=float)
        for x, y in zip(first, second, strict=True)
    ]
    mask = np.array([[True] * len(first[0]), [True] * len(second[0]) + [False] * (width - len(second[0]))])
    for measure in ("OR", "RR", "RD"):
        est, var, _ = _mh_two_by_two(*padded, mask, measure=measure)
        for lane, data in enumerate((first, second)):
            alone = rma_mh(*data, measure=measure)
            assert alone.se is not None
            assert math.isclose(est[lane], alone.estimate or 0.0, rel_tol=RTOL)
            assert math.isclose(math.sqrt(var[lane]), alone.se, rel_tol=RTOL)
    o_minus_e, v = _peto_parts(*padded, mask)
    assert np.all(o_minus_e[~mask] == 0)
    assert np.all(v[~mask] == 0)


# ---------------------------------------------------------------------------------------------- invariants


Tables = tuple[list[int], list[int], list[int], list[int]]


@st.composite
def tables(draw: st.DrawFn, *, min_k: int = 1, max_k: int = 8) -> Tables:
    """2×2 tables with both groups non-empty."""
    k = draw(st.integers(min_k, max_k))
    cell = st.integers(0, 40)
    rows: list[tuple[int, int, int, int]] = []
    for _ in range(k):
        a, b, c, d = draw(cell), draw(cell), draw(cell), draw(cell)
        assume(a + b > 0 and c + d > 0)
        rows.append((a, b, c, d))
    ai, bi, ci, di = (list(col) for col in zip(*rows, strict=True))
    return ai, bi, ci, di


def _fits(data: Tables, measure: str) -> MetaResult | None:
    """The fit, or None when the data do not allow one (a pooled ratio of 0 or infinity, or no variance)."""
    ai, bi, ci, di = data
    try:
        if measure == "PETO":
            return rma_peto(ai, bi, ci, di)
        return rma_mh(ai, bi, ci, di, measure=measure)
    except InputError:
        return None


MEASURES = ["OR", "RR", "RD", "PETO"]


def _close(x: float | None, y: float | None) -> bool:
    if x is None or y is None:
        return x is None and y is None
    return math.isclose(x, y, rel_tol=RTOL, abs_tol=1e-12)


@pytest.mark.parametrize("measure", MEASURES)
@settings(max_examples=60, deadline=None)
@given(data=tables(), seed=st.randoms(use_true_random=False))
def test_study_order_does_not_matter(measure: str, data: Tables, seed: Any) -> None:
    fit = _fits(data, measure)
    assume(fit is not None)
    assert fit is not None
    order = list(range(len(data[0])))
    seed.shuffle(order)
    ai, bi, ci, di = ([col[i] for i in order] for col in data)
    shuffled = _fits((ai, bi, ci, di), measure)
    assert shuffled is not None
    for name in ("estimate", "se", "Q", "I2"):
        assert _close(getattr(shuffled, name), getattr(fit, name)), name
    assert np.allclose(shuffled.weights, fit.weights[order], rtol=RTOL)


@pytest.mark.parametrize("measure", MEASURES)
@settings(max_examples=60, deadline=None)
@given(data=tables())
def test_swapping_arms_negates_the_estimate(measure: str, data: Tables) -> None:
    ai, bi, ci, di = data
    fit = _fits(data, measure)
    assume(fit is not None)
    assert fit is not None
    swapped = _fits((ci, di, ai, bi), measure)
    assert swapped is not None
    assert _close(swapped.estimate, -(fit.estimate or 0.0))
    assert _close(swapped.se, fit.se)
    assert _close(swapped.Q, fit.Q)


@pytest.mark.parametrize("measure", ["OR", "RR", "PETO"])
@settings(max_examples=60, deadline=None)
@given(data=tables(), extra=st.tuples(st.integers(1, 500), st.integers(1, 500)), at=st.integers(0, 8))
def test_a_study_without_events_changes_nothing(measure: str, data: Tables, extra: tuple[int, int], at: int) -> None:
    # a table with no events in either arm has zero MH (and Peto) terms and, with drop00, no yi for Q
    fit = _fits(data, measure)
    assume(fit is not None)
    assert fit is not None
    ai, bi, ci, di = (list(col) for col in data)
    at = min(at, len(ai))
    for col, value in zip((ai, bi, ci, di), (0, extra[0], 0, extra[1]), strict=True):
        col.insert(at, value)
    more = _fits((ai, bi, ci, di), measure)
    assert more is not None
    assert more.k == fit.k + 1
    for name in ("estimate", "se", "Q", "Q_df", "I2"):
        assert _close(getattr(more, name), getattr(fit, name)), name
    assert any("contribute nothing" in note for note in more.notes)


@pytest.mark.parametrize("measure", MEASURES)
@settings(max_examples=60, deadline=None)
@given(data=tables(min_k=2))
def test_interval_heterogeneity_and_weights_are_coherent(measure: str, data: Tables) -> None:
    fit = _fits(data, measure)
    assume(fit is not None)
    assert fit is not None
    assert fit.ci_lower is not None
    assert fit.ci_upper is not None
    assert fit.ci_lower <= (fit.estimate or 0.0) <= fit.ci_upper
    assert fit.pvalue is not None
    assert 0.0 <= fit.pvalue <= 1.0
    assert math.isclose(float(np.sum(fit.weights)), 100.0, rel_tol=RTOL)
    assert bool(np.all(fit.weights >= 0))
    if fit.Q is not None:
        assert fit.Q >= 0
        assert fit.I2 is not None
        assert 0.0 <= fit.I2 < 100.0
        assert fit.Q_df is not None
        assert _close(fit.H2, fit.Q / fit.Q_df)


@settings(max_examples=60, deadline=None)
@given(data=tables(min_k=2))
def test_tarone_never_exceeds_breslow_day(data: Tables) -> None:
    # Tarone (1985) subtracts a non-negative term from the Breslow–Day statistic
    tests = mh_tests(*data)
    if tests.breslow_day is not None:
        assert tests.tarone is not None
        assert tests.tarone.statistic <= tests.breslow_day.statistic + 1e-9
        assert tests.tarone.statistic >= -1e-9
    if tests.cmh is not None:
        assert tests.cmh.statistic >= 0


# ---------------------------------------------------------------------------------------------- bad input


def test_negative_count_names_row_and_column() -> None:
    with pytest.raises(InputError) as err:
        rma_mh([1, 2, 3], [5, -1, 5], [1, 1, 1], [5, 5, 5])
    assert (err.value.row, err.value.column) == (2, "bi")


def test_events_exceeding_group_size() -> None:
    with pytest.raises(InputError) as err:
        rma_peto([1, 7], ci=[1, 1], n1i=[10, 6], n2i=[10, 10])
    assert (err.value.row, err.value.column) == (2, "ai")
    assert "exceed" in err.value.message


def test_lengths_differ() -> None:
    with pytest.raises(InputError) as err:
        rma_mh([1, 2, 3], [5, 5, 5], [1, 1], [5, 5, 5])
    assert err.value.column == "ci"
    assert "length" in err.value.message


def test_study_labels_length() -> None:
    with pytest.raises(InputError) as err:
        rma_mh([1, 2], [5, 5], [1, 1], [5, 5], study=["only one"])
    assert err.value.column == "study"


@pytest.mark.parametrize("fit", [rma_mh, rma_peto])
def test_no_studies(fit: Any) -> None:
    with pytest.raises(InputError, match=r"k = 0"):
        fit([], [], [], [])
    with pytest.raises(InputError, match=r"k = 0"):
        fit([None], [None], [None], [None])


def test_empty_group() -> None:
    with pytest.raises(InputError) as err:
        rma_mh([1, 0], [5, 0], [1, 1], [5, 5])
    assert (err.value.row, err.value.column) == (2, "bi")


def test_none_is_a_missing_count() -> None:
    result = rma_mh([1, None, 3], [5, 5, 5], [1, 1, 2], [5, 5, 5], study=["a", "b", "c"])
    assert result.k == 2
    assert result.study == ("a", "c")
    assert any("omitted for missing data: 2 ('b')" in note for note in result.notes)


def test_non_numeric_and_non_finite_counts() -> None:
    with pytest.raises(InputError) as err:
        rma_mh([1, "x"], [5, 5], [1, 1], [5, 5])
    assert (err.value.row, err.value.column) == (2, "ai")
    with pytest.raises(InputError) as err:
        rma_mh([1, 2], [5, math.inf], [1, 1], [5, 5])
    assert (err.value.row, err.value.column) == (2, "bi")
    with pytest.raises(InputError) as err:
        rma_mh(x1i=[1], t1i=[0], x2i=[1], t2i=[5], measure="IRR")
    assert (err.value.row, err.value.column) == (1, "t1i")


def test_wrong_or_incomplete_data_form() -> None:
    with pytest.raises(InputError, match=r"person-time"):
        rma_mh([1], [5], [1], [5], measure="IRR")
    with pytest.raises(InputError, match=r"exactly one of bi and n1i"):
        rma_mh([1], [5], [1], [5], n1i=[6])
    with pytest.raises(InputError, match=r"missing data column"):
        rma_mh(bi=[5], ci=[1], di=[5])


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"measure": "SMD"}, "measure"),
        ({"to": "some"}, "to"),
        ({"missing": "drop"}, "missing"),
        ({"level": 150}, "level"),
        ({"add": -0.5}, "add"),
        ({"drop00": "yes"}, "drop00"),
    ],
)
def test_bad_options_name_the_argument_and_choices(options: dict[str, Any], name: str) -> None:
    with pytest.raises(InputError) as err:
        rma_mh([1, 2], [5, 5], [1, 1], [5, 5], **options)
    assert err.value.message.startswith(name)
    if name == "measure":
        assert "'OR', 'RR', 'RD', 'IRR', 'IRD'" in err.value.message


def test_pooled_ratio_not_estimable() -> None:
    # no events in group 2 anywhere: the MH odds ratio is infinite
    with pytest.raises(InputError, match=r"not estimable"):
        rma_mh([1, 2], [5, 5], [0, 0], [5, 5])
    # no events at all: Peto's ΣV = 0
    with pytest.raises(InputError, match=r"not estimable|no information"):
        rma_peto([0, 0], [5, 5], [0, 0], [5, 5])


def test_result_arrays_are_read_only() -> None:
    result = rma_mh(CHINA["ai"], CHINA["bi"], CHINA["ci"], CHINA["di"])
    with pytest.raises(ValueError, match="read-only"):
        result.yi[0] = 0.0


def test_level_in_percent_is_read_as_a_fraction() -> None:
    # the same convention as rma and the command line: 95 means 0.95
    assert rma_mh(CHINA["ai"], CHINA["bi"], CHINA["ci"], CHINA["di"], level=95).level == 0.95
