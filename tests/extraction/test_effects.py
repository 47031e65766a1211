"""From extraction data to yi/vi: each path a study's data can take, checked against the formula or a worked example."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from scipy import stats

from sysreview.errors import InputError
from sysreview.extraction import (
    NR,
    Arm,
    Datum,
    Extraction,
    OutcomeRecord,
    Study,
    StudyEffect,
    default_form,
    effects_from_extraction,
)
from tests.extraction._tolerances import FORMULA, THREE_DECIMALS

FORM = default_form()
D = Decimal


def _arm(arm: str, role: str) -> Arm:
    return Arm(arm=arm, role=role)


def _study(
    *records: OutcomeRecord, design: str = "parallel", arms: tuple[Arm, ...] | None = None, **values: object
) -> Study:
    return Study(
        study="1",
        label="Example 2020",
        values={"design": Datum(value=design), **{k: Datum(value=v) for k, v in values.items()}},
        arms=arms if arms is not None else (_arm("e", "intervention"), _arm("c", "control")),
        outcomes=records,
    )


def _rec(
    arm: str,
    timepoint: str = "6 months",
    basis: str = "final",
    outcome: str = "ecca",
    comparator: str | None = None,
    **s: object,
) -> OutcomeRecord:
    return OutcomeRecord(outcome=outcome, arm=arm, comparator=comparator, timepoint=timepoint, basis=basis, stats=s)


def _one(*records: OutcomeRecord, outcome: str = "ecca", study: Study | None = None, **options: object) -> StudyEffect:
    data = Extraction(studies=(study or _study(*records),))
    result = effects_from_extraction(data, FORM, outcome, **options)  # type: ignore[arg-type]
    assert result.k == 1
    return result.rows[0]


# ---------------------------------------------------------------------- within-person (split-face) designs
# Cochrane Handbook 5.1.0, section 16.4.6.4 (a cross-over trial): ME 7.0 (SD 2.38), MC 6.5 (SD 2.21), 10 participants,
# correlation 0.68: MD 0.5 with SE 0.583; SMD 0.218 with SE 0.256.
HANDBOOK = (_rec("e", n=10, mean=D("7.0"), sd=D("2.38")), _rec("c", n=10, mean=D("6.5"), sd=D("2.21")))


def test_paired_md_of_the_handbook_example() -> None:
    row = _one(study=_study(*HANDBOOK, design="within-person", within_person_r=D("0.68")), measure="MD")
    assert row.paired
    assert row.yi == pytest.approx(0.5, rel=FORMULA)
    assert row.sei == pytest.approx(0.583, abs=THREE_DECIMALS)
    assert row.assumed == ()  # the study's own correlation
    assert row.steps[0] == "r = 0.68 between the sides, from the study's within_person_r"
    assert (row.n1, row.n2) == (10, 10)


def test_paired_smd_of_the_handbook_example() -> None:
    comparison = _rec("e", comparator="c", r=D("0.68"))
    row = _one(study=_study(*HANDBOOK, comparison, design="within-person"), measure="SMD")
    assert row.yi == pytest.approx(0.218, abs=THREE_DECIMALS)
    assert row.sei == pytest.approx(0.256, abs=THREE_DECIMALS)
    assert row.steps[0] == "r = 0.68 between the sides, as reported"
    assert "Cochrane Handbook 23.2.7.2" in row.steps[1]


def test_without_a_correlation_the_assumption_is_stated_and_adjustable() -> None:
    study = _study(*HANDBOOK, design="within-person")
    assumed = _one(study=study, measure="MD")
    assert assumed.assumed == ("within_person_r = 0.5",)
    # SE = √((2.38² + 2.21² − 2·0.5·2.38·2.21)/10)
    assert assumed.sei == pytest.approx(math.sqrt((2.38**2 + 2.21**2 - 2.38 * 2.21) / 10), rel=FORMULA)
    other = _one(study=study, measure="MD", within_person_r=0.8)
    assert other.assumed == ("within_person_r = 0.8",)
    assert other.sei == pytest.approx(math.sqrt((2.38**2 + 2.21**2 - 1.6 * 2.38 * 2.21) / 10), rel=FORMULA)
    independent = _one(study=study, measure="MD", paired=False)
    assert not independent.paired
    assert independent.vi == pytest.approx(2.38**2 / 10 + 2.21**2 / 10, rel=FORMULA)
    assert "analysed as independent groups (paired=False)" in independent.steps[0]


def test_within_person_ratio_of_means_is_not_paired() -> None:
    row = _one(study=_study(*HANDBOOK, design="within-person"), measure="ROM")
    assert not row.estimable
    assert row.note == (
        "not estimable: a within-person design is analysed as paired for MD and SMD only, not ROM "
        "(paired=False analyses it as independent groups)"
    )


# ---------------------------------------------------------------------- parallel groups: SDs from what is reported
def test_sd_from_a_standard_error() -> None:
    row = _one(_rec("e", n=25, mean=D(10), se=D("0.8")), _rec("c", n=25, mean=D(12), sd=D(4)), measure="MD")
    # SD = SE·√n = 4 (Cochrane Handbook 6.5.2.2)
    assert row.vi == pytest.approx(16 / 25 + 16 / 25, rel=FORMULA)
    assert row.steps[0] == "arm 'e': SD 4 from SE 0.8 × √25 (Cochrane Handbook 6.5.2.2)"


def test_sd_from_a_confidence_interval_of_the_mean() -> None:
    row = _one(
        _rec("e", n=25, mean=D(10), ci_lower=D("8.2"), ci_upper=D("11.8"), level=D(95)),
        _rec("c", n=25, mean=D(12), sd=D(4)),
        measure="MD",
    )
    # below 60 participants the t distribution: SD = √25·3.6/(2·t(0.975, 24)) (Cochrane Handbook 6.5.2.2)
    sd = 5 * 3.6 / (2 * stats.t.ppf(0.975, 24))
    assert row.vi == pytest.approx(sd**2 / 25 + 16 / 25, rel=FORMULA)
    assert "from the 95% CI 8.2 to 11.8 of the mean (t, 24 df" in row.steps[0]


def test_mean_and_sd_from_a_median_and_quartiles() -> None:
    from sysreview.effects import mean_sd_from_median

    row = _one(_rec("e", n=40, median=D(10), q1=D(7), q3=D(14)), _rec("c", n=40, mean=D(12), sd=D(4)), measure="MD")
    expected = mean_sd_from_median(40, 10, q1=7, q3=14)
    assert row.yi == pytest.approx(float(expected.mean) - 12, rel=FORMULA)
    assert row.vi == pytest.approx(float(expected.sd) ** 2 / 40 + 16 / 40, rel=FORMULA)
    assert "(Luo et al. 2018)" in row.steps[0]
    assert "(Wan et al. 2014; assumes roughly normal data" in row.steps[1]


def test_no_spread_means_no_estimate() -> None:
    row = _one(_rec("e", n=40, mean=D(10)), _rec("c", n=40, mean=D(12), sd=D(4)))
    assert row.note == "not estimable: no arm-level data and no reported SMD at 6 months"


# ---------------------------------------------------------------------- change scores
BEFORE_AFTER = (
    _rec("e", "baseline", n=20, mean=D(60), sd=D(15)),
    _rec("e", "6 months", n=20, mean=D(30), sd=D(12)),
    _rec("c", "baseline", n=20, mean=D(61), sd=D(16)),
    _rec("c", "6 months", n=20, mean=D(40), sd=D(13)),
)


def _change_sd(before: float, after: float, r: float) -> float:
    # Cochrane Handbook 6.5.2.8: SD_change = √(SD_baseline² + SD_final² − 2·r·SD_baseline·SD_final)
    return math.sqrt(before**2 + after**2 - 2 * r * before * after)


def test_change_sds_imputed_with_a_stated_correlation() -> None:
    row = _one(*BEFORE_AFTER, measure="MD", basis="change")
    assert row.basis == "change"
    assert row.yi == pytest.approx((30 - 60) - (40 - 61), rel=FORMULA)
    assert row.vi == pytest.approx(_change_sd(15, 12, 0.5) ** 2 / 20 + _change_sd(16, 13, 0.5) ** 2 / 20, rel=FORMULA)
    assert row.assumed == ("change_r = 0.5",)
    assert row.steps[:2] == (
        "arm 'e': mean change -30 = follow-up 30 − baseline 60",
        (
            "arm 'e': change SD 13.75 from baseline SD 15 and follow-up SD 12 with r = 0.5 "
            "(assumed; Cochrane Handbook 6.5.2.8)"
        ),
    )
    stronger = _one(*BEFORE_AFTER, measure="MD", basis="change", change_r=0.8)
    assert stronger.vi == pytest.approx(
        _change_sd(15, 12, 0.8) ** 2 / 20 + _change_sd(16, 13, 0.8) ** 2 / 20, rel=FORMULA
    )


def test_auto_basis_prefers_data_that_need_no_assumption() -> None:
    final = _one(*BEFORE_AFTER, measure="MD")
    assert (final.basis, final.assumed, final.yi) == ("final", (), pytest.approx(-10.0, rel=FORMULA))
    change = (
        _rec("e", "6 months", "change", n=20, mean=D(-30), sd=D(9)),
        _rec("c", "6 months", "change", n=20, mean=D(-21), sd=D(8)),
    )
    reported = _one(*BEFORE_AFTER, *change, measure="MD")
    assert (reported.basis, reported.yi) == ("change", pytest.approx(-9.0, rel=FORMULA))


def test_smds_of_change_and_final_values_are_not_mixed_silently() -> None:
    change = _study(
        _rec("e", "6 months", "change", n=20, mean=D(-30), sd=D(9)),
        _rec("c", "6 months", "change", n=20, mean=D(-21), sd=D(8)),
    )
    final = Study(study="2", values={"design": Datum(value="parallel")}, arms=change.arms, outcomes=HANDBOOK)
    result = effects_from_extraction(Extraction(studies=(change, final)), FORM, "ecca")
    assert [row.basis for row in result.rows] == ["change", "final"]
    assert result.notes[0].startswith("the SMDs mix change scores and final values")


# ---------------------------------------------------------------------- several arms, dichotomous outcomes
def test_two_intervention_arms_are_combined() -> None:
    arms = (_arm("low", "intervention"), _arm("high", "intervention"), _arm("c", "control"))
    records = (
        _rec("low", n=10, mean=D(5), sd=D(2)),
        _rec("high", n=30, mean=D(7), sd=D(3)),
        _rec("c", n=20, mean=D(4), sd=D(2)),
    )
    row = _one(study=_study(*records, arms=arms), measure="MD")
    # Cochrane Handbook Table 6.5.a: N = 40, M = (10·5 + 30·7)/40 = 6.5,
    # SD² = (9·4 + 29·9 + 10·30/40·(5 − 7)²)/39
    sd = math.sqrt((9 * 4 + 29 * 9 + 300 / 40 * 4) / 39)
    assert row.yi == pytest.approx(6.5 - 4, rel=FORMULA)
    assert row.vi == pytest.approx(sd**2 / 40 + 4 / 20, rel=FORMULA)
    assert (row.intervention, row.n1) == (("low", "high"), 40)


def test_events_from_counts_and_percentages() -> None:
    records = (
        _rec("e", outcome="satisfaction", n=40, percent=D("85.0")),
        _rec("c", outcome="satisfaction", n=40, events=28),
    )
    row = _one(*records, outcome="satisfaction")
    # RR = (34/40)/(28/40); var(log RR) = 1/34 − 1/40 + 1/28 − 1/40
    assert row.yi == pytest.approx(math.log(34 / 28), rel=FORMULA)
    assert row.vi == pytest.approx(1 / 34 - 1 / 40 + 1 / 28 - 1 / 40, rel=FORMULA)
    assert row.steps[0] == "arm 'e': 34 events from 85.0% of 40"
    impossible = _one(_rec("e", outcome="satisfaction", n=14, percent=D("82.1")), records[1], outcome="satisfaction")
    assert impossible.steps[0] == (
        "arm 'e': 11 events from 82.1% of 14 = 11.49, rounded (not a whole number: check the denominator)"
    )


def test_zero_events_take_the_continuity_correction_and_say_so() -> None:
    records = (_rec("e", outcome="adverse_events", n=48, events=0), _rec("c", outcome="adverse_events", n=30, events=3))
    row = _one(*records, outcome="adverse_events", measure="OR")
    assert row.yi == pytest.approx(math.log((0.5 * 27.5) / (48.5 * 3.5)), rel=FORMULA)
    assert "0.5 added to each count (a zero count)" in row.steps


# ---------------------------------------------------------------------- effects as reported
def test_a_reported_mean_difference_with_its_interval() -> None:
    comparison = _rec("e", comparator="c", estimate=D("-2.5"), measure="MD", ci_lower=D("-3.9"), ci_upper=D("-1.1"))
    row = _one(comparison, measure="MD")
    se = 2.8 / (2 * stats.norm.ppf(0.975))  # (upper − lower)/3.92 (Cochrane Handbook 6.3.1)
    assert (row.yi, row.vi) == (pytest.approx(-2.5, rel=FORMULA), pytest.approx(se**2, rel=FORMULA))


def test_a_reported_ratio_turned_round_when_reported_control_vs_intervention() -> None:
    comparison = _rec(
        "c",
        outcome="adverse_events",
        comparator="e",
        estimate=D("0.70"),
        measure="RR",
        ci_lower=D("0.50"),
        ci_upper=D("0.98"),
    )
    row = _one(comparison, outcome="adverse_events")
    assert row.yi == pytest.approx(-math.log(0.70), rel=FORMULA)
    assert row.sei == pytest.approx((math.log(0.98) - math.log(0.50)) / (2 * stats.norm.ppf(0.975)), rel=FORMULA)
    assert "reported as control vs intervention: turned round" in row.steps


def test_hazard_ratios_from_a_p_value() -> None:
    from sysreview.extraction import Form, OutcomeSpec

    form = Form(name="tte", outcomes=(OutcomeSpec(name="recurrence", family="time-to-event"),))
    record = _rec("e", outcome="recurrence", comparator="c", estimate=D("0.6"), measure="HR", pvalue=D("0.01"))
    data = Extraction(
        studies=(Study(study="1", arms=(_arm("e", "intervention"), _arm("c", "control")), outcomes=(record,)),)
    )
    row = effects_from_extraction(data, form, "recurrence").rows[0]
    assert row.sei == pytest.approx(abs(math.log(0.6)) / stats.norm.ppf(0.995), rel=FORMULA)


# ---------------------------------------------------------------------- time points and what cannot be estimated
def test_the_last_time_point_by_its_duration() -> None:
    records = (
        *HANDBOOK,
        _rec("e", "10 weeks", n=10, mean=D(1), sd=D(1)),
        _rec("c", "10 weeks", n=10, mean=D(1), sd=D(1)),
    )
    assert _one(*records).timepoint == "6 months"
    assert _one(*records, timepoint="10 weeks").yi == pytest.approx(0.0, abs=FORMULA)
    assert (
        _one(*records, timepoint="1 year").note
        == "not estimable: no records at '1 year' (time points: 6 months, 10 weeks)"
    )


def test_unreadable_time_points_need_a_choice() -> None:
    records = (_rec("e", "end", n=5, mean=D(1), sd=D(1)), _rec("e", "later", n=5, mean=D(1), sd=D(1)))
    assert (
        _one(*records).note
        == "not estimable: cannot tell which of the time points end, later is the last; choose one with timepoint"
    )


def test_not_reported_outcomes_and_missing_arms_keep_their_row() -> None:
    assert _one(_rec("e", mean=NR, sd=NR)).note == "not estimable: ecca is not reported (NR) in this study"
    alone = _study(_rec("e", n=5, mean=D(1), sd=D(1)), arms=(_arm("e", "intervention"),))
    assert _one(study=alone).note == "not estimable: no comparison: the study has no control arm"


def test_results_as_effect_sizes_and_plain_data() -> None:
    other = Study(study="2", values={"design": Datum(value="parallel")})
    result = effects_from_extraction(Extraction(studies=(_study(*HANDBOOK), other)), FORM, "ecca", measure="MD")
    assert result.without == ("2",)
    sizes = result.effect_sizes()
    assert sizes.measure == "MD"
    np.testing.assert_allclose(sizes.yi, [0.5], rtol=FORMULA)
    np.testing.assert_allclose(sizes.ni, [20])
    payload = result.to_dict()
    assert payload["assumptions"] == {"change_r": 0.5, "within_person_r": 0.5, "paired": True}
    assert payload["rows"][0]["sources"] == ["(no provenance)"]
    assert result.labels == ["Example 2020"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"outcome": "pain"}, "unknown outcome 'pain'"),
        ({"outcome": "ecca", "measure": "RR"}, "must be one of SMD, MD, SMDH, ROM; got 'RR'"),
        ({"outcome": "ecca", "basis": "delta"}, "basis must be one of auto, change, final"),
        ({"outcome": "ecca", "change_r": 1.5}, "change_r must be a correlation between -1 and 1"),
        ({"outcome": "ecca", "paired": "yes"}, "paired must be True or False"),
    ],
)
def test_options_are_checked_at_the_boundary(options: dict[str, object], message: str) -> None:
    outcome = options.pop("outcome")
    with pytest.raises(InputError, match=message):
        effects_from_extraction(Extraction(), FORM, outcome, **options)  # type: ignore[arg-type]
