"""GRADE: each domain's suggestion on every branch, reviewer decisions, the certainty, and Summary of Findings rows.

Sources: start High for randomised and Low for observational evidence, certainty levels (Balshem et al., J Clin
Epidemiol 2011;64:401-6); rating down for risk of bias, inconsistency, imprecision and publication bias and up for
large effects (Guyatt et al., GRADE guidelines 4-9, J Clin Epidemiol 2011); the thresholds of the suggestions are
sysreview's documented heuristics (sysreview.appraisal._grade). Optimal information size: the two-proportion and
two-mean sample-size formulas with α = 0.05, power 0.80 (GRADE guidelines 6; GRADE Handbook 5.2.6.2), evaluated
by hand below. Absolute effects: Cochrane Handbook v6.4, sections 14.1.5.1 and 15.4.4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pytest

from sysreview.appraisal import (
    GradeDecision,
    RobRow,
    absolute_risk,
    grade,
    grade_from_dict,
    optimal_information_size,
    summary_of_findings,
    table_from_rows,
)
from sysreview.errors import InputError
from sysreview.models import MetaResult, rma

REL = 1e-12  # formulas evaluated in double precision: agree to rounding


@dataclass(frozen=True)
class FakeTest:
    """A small-study test result (what egger_test / begg_test return, as far as GRADE reads it)."""

    k: int
    pvalue: float


def _fit(measure: str = "RR") -> MetaResult:
    # four studies A–D; the tests below set the fields each domain reads
    yi = np.log([1.5, 1.3, 1.6, 1.2]) if measure in {"RR", "OR"} else np.array([0.4, 0.2, 0.5, 0.1])
    fit = rma(yi, [0.04, 0.05, 0.06, 0.08], method="REML", measure=measure, study=["A", "B", "C", "D"])
    return replace(fit, weights=np.array([40.0, 30.0, 20.0, 10.0]))


def _with(fit: MetaResult, *, ci: tuple[float, float] | None = None, **fields: object) -> MetaResult:
    if ci is not None:
        fields |= {"ci_lower": math.log(ci[0]), "ci_upper": math.log(ci[1]),
                   "estimate": math.log(math.sqrt(ci[0] * ci[1]))}  # fmt: skip
    return replace(fit, **fields)


ALL_LOW = {"A": "Low", "B": "Low", "C": "Low", "D": "Low"}

# ---------------------------------------------------------------------- risk of bias
ROB = [
    # (judgements of A (40%), B (30%), C (20%), D (10%), suggested rating, reason)
    (ALL_LOW, 0, "0% of the weight from studies at high risk of bias, 100% from studies at low risk"),
    ({**ALL_LOW, "C": "High"}, 0, "20% of the weight from studies at high risk of bias, 80% from studies at low risk"),
    ({**ALL_LOW, "C": "Some concerns", "D": "Some concerns"}, 0, None),
    ({**ALL_LOW, "B": "High"}, -1, "30% of the weight from studies at high risk of bias, 70% from studies at low risk"),
    ({**ALL_LOW, "A": "Some concerns", "B": "Some concerns"}, -1, None),  # low risk carries only 30%
    ({**ALL_LOW, "A": "High", "D": "High risk"}, -2, None),  # 50% high
]


@pytest.mark.parametrize(("rob", "rating", "reason"), ROB)
def test_risk_of_bias_suggestion(rob: dict[str, str], rating: int, reason: str | None) -> None:
    d = grade(_fit(), design="randomised", rob=rob).domain("risk_of_bias")
    assert d.suggested == rating
    assert d.rating == rating
    if reason is not None:
        assert d.reason == reason


def test_risk_of_bias_shares_and_inputs() -> None:
    d = grade(_fit(), design="randomised", rob={**ALL_LOW, "B": "High", "C": "Some concerns"}).domain("risk_of_bias")
    assert d.data["weight_high"] == pytest.approx(0.3, rel=REL)
    assert d.data["weight_concerns"] == pytest.approx(0.2, rel=REL)
    assert d.data["weight_low"] == pytest.approx(0.5, rel=REL)
    none = grade(_fit(), design="randomised").domain("risk_of_bias")
    assert (none.suggested, none.reason) == (0, "no risk-of-bias judgements given; a reviewers' judgement")
    with pytest.raises(InputError) as info:
        grade(_fit(), design="randomised", rob={"A": "Low", "B": "Low", "C": "Low"})
    assert "no risk-of-bias judgement for study 'D'" in str(info.value)
    assert info.value.row == 4


def test_risk_of_bias_from_a_table_uses_the_rule_where_no_overall_is_reported() -> None:
    rows = [RobRow(study=s, judgements=("Low", "Low"), overall="Low") for s in "ABC"]
    rows.append(RobRow(study="D", judgements=("High", "Low"), overall=None))
    table = table_from_rows(rows, tool="rob2")
    d = grade(_fit(), design="randomised", rob=table).domain("risk_of_bias")
    assert d.data["weight_high"] == pytest.approx(0.1, rel=REL)


def test_robins_i_moderate_is_not_a_concern_for_observational_evidence() -> None:
    rob = {"A": "Moderate", "B": "Moderate", "C": "Low", "D": "Serious"}
    observational = grade(_fit(), design="observational", rob=rob, tool="robins-i").domain("risk_of_bias")
    assert (observational.suggested, observational.data["weight_low"]) == (0, pytest.approx(0.9, rel=REL))
    randomised = grade(_fit(), design="randomised", rob=rob, tool="robins-i").domain("risk_of_bias")
    assert randomised.suggested == -1  # Moderate counts as a concern: 20% from low risk
    serious = grade(_fit(), design="observational", rob={**rob, "B": "Critical"}, tool="robins-i")
    assert serious.domain("risk_of_bias").suggested == -1  # 40% serious or critical


# ---------------------------------------------------------------------- inconsistency
INCONSISTENCY = [
    # (I², prediction interval (ratio scale), CI (ratio scale), suggested)
    (30.0, (1.05, 1.9), (1.2, 1.6), 0),
    (55.0, (1.05, 1.9), (1.2, 1.6), -1),
    (30.0, (0.9, 2.2), (1.2, 1.6), -1),  # the PI includes the null while the CI does not
    (80.0, (0.7, 3.0), (1.2, 1.6), -2),
    (80.0, (0.6, 2.0), (0.9, 1.3), -1),  # CI includes the null: the PI adds nothing, I² alone
    (49.9, None, (1.2, 1.6), 0),
]


@pytest.mark.parametrize(("i2", "pi", "ci", "rating"), INCONSISTENCY)
def test_inconsistency_suggestion(
    i2: float, pi: tuple[float, float] | None, ci: tuple[float, float], rating: int
) -> None:
    pi_fields = {"pi_lower": None, "pi_upper": None} if pi is None else {
        "pi_lower": math.log(pi[0]), "pi_upper": math.log(pi[1])}  # fmt: skip
    fit = _with(_fit(), ci=ci, I2=i2, **pi_fields)
    assert grade(fit, design="randomised").domain("inconsistency").suggested == rating


def test_inconsistency_reason_and_single_study() -> None:
    fit = _with(_fit(), ci=(1.2, 1.6), I2=80.0, pi_lower=math.log(0.7), pi_upper=math.log(3.0))
    assert grade(fit, design="randomised").domain("inconsistency").reason == (
        "I² = 80%; prediction interval 0.70 to 3.00 includes the null while the confidence interval does not"
    )
    single = grade(_with(_fit(), k=1, I2=None), design="randomised").domain("inconsistency")
    assert (single.suggested, single.reason) == (0, "a single study: inconsistency cannot be assessed")


# ---------------------------------------------------------------------- imprecision
IMPRECISION = [
    # (CI (ratio scale), thresholds, ois, participants, suggested)
    ((1.2, 1.8), None, None, None, 0),
    ((0.9, 1.5), None, None, None, -1),
    ((0.7, 1.4), (0.8, 1.25), None, None, -2),  # appreciable benefit and harm both inside the CI
    ((0.9, 1.4), (0.8, 1.25), None, None, -1),
    ((0.85, 1.2), (0.8, 1.25), None, None, 0),  # no important effect, precisely
    ((1.2, 1.8), None, 1806, 320, -1),  # CI excludes the null, but the OIS is not met
    ((1.2, 1.8), None, 1806, 2000, 0),
    ((1.3, 1.9), (1.25,), None, None, 0),
]


@pytest.mark.parametrize(("ci", "thresholds", "ois", "participants", "rating"), IMPRECISION)
def test_imprecision_suggestion(
    ci: tuple[float, float],
    thresholds: tuple[float, ...] | None,
    ois: float | None,
    participants: int | None,
    rating: int,
) -> None:
    fit = _with(_fit(), ci=ci)
    d = grade(fit, design="randomised", thresholds=thresholds, ois=ois, participants=participants)
    assert d.domain("imprecision").suggested == rating


def test_imprecision_reasons() -> None:
    fit = _with(_fit(), ci=(0.7, 1.4))
    assert grade(fit, design="randomised", thresholds=(0.8, 1.25)).domain("imprecision").reason == (
        "the confidence interval 0.70 to 1.40 crosses 2 decision thresholds (0.80, 1.25)"
    )
    ois = grade(_with(_fit(), ci=(1.2, 1.8)), design="randomised", ois=1806, participants=320).domain("imprecision")
    assert ois.reason == (
        "the confidence interval 1.20 to 1.80 excludes the null effect, but 320 participants are fewer than the "
        "optimal information size 1806"
    )
    with pytest.raises(InputError, match="needs the number of participants"):
        grade(_with(_fit(), ci=(1.2, 1.8)), design="randomised", ois=1806)
    with pytest.raises(InputError, match="must be positive"):
        grade(_fit(), design="randomised", thresholds=(0.0,))


def test_imprecision_on_a_difference_scale() -> None:
    fit = replace(_fit("SMD"), ci_lower=-0.1, ci_upper=0.6, estimate=0.25)
    assert grade(fit, design="randomised").domain("imprecision").suggested == -1
    assert grade(fit, design="randomised", thresholds=(-0.2, 0.2)).domain("imprecision").suggested == -1
    assert grade(fit, design="randomised", thresholds=(-0.05, 0.5)).domain("imprecision").suggested == -2


# ---------------------------------------------------------------------- publication bias
@pytest.mark.parametrize(
    ("k", "test", "rating", "reason"),
    [
        (4, None, 0, "4 studies: too few for small-study tests (at least 10); a reviewers' judgement"),
        (12, None, 0, "no small-study test given; a reviewers' judgement"),
        (12, FakeTest(12, 0.03), -1, "small-study test p = 0.03 < 0.1 on 12 studies: funnel-plot asymmetry"),
        (12, FakeTest(12, 0.2), 0, "small-study test p = 0.2 ≥ 0.1 on 12 studies"),
        (8, FakeTest(8, 0.01), 0, "small-study test p = 0.01 on 8 studies: too few to be informative (at least 10)"),
    ],
)
def test_publication_bias_suggestion(k: int, test: FakeTest | None, rating: int, reason: str) -> None:
    d = grade(replace(_fit(), k=k), design="randomised", small_study_test=test).domain("publication_bias")
    assert (d.suggested, d.reason) == (rating, reason)


# ---------------------------------------------------------------------- large effect and the certainty
@pytest.mark.parametrize(
    ("ci", "design", "measure", "rating"),
    [
        ((1.8, 3.5), "observational", "RR", 1),  # RR 2.51
        ((3.0, 12.0), "observational", "RR", 2),  # RR 6
        ((0.1, 0.2), "observational", "OR", 2),  # OR 0.14
        ((0.3, 0.7), "observational", "OR", 1),  # OR 0.46
        ((0.9, 7.0), "observational", "RR", 0),  # CI includes the null
        ((1.1, 1.9), "observational", "RR", 0),  # RR 1.45: not large
        ((3.0, 12.0), "randomised", "RR", 0),
    ],
)
def test_large_effect_suggestion(ci: tuple[float, float], design: str, measure: str, rating: int) -> None:
    fit = _with(_fit(measure), ci=ci, I2=0.0, pi_lower=None, pi_upper=None)
    assert grade(fit, design=design).domain("large_effect").suggested == rating


def test_no_rating_up_after_rating_down() -> None:
    fit = _with(_fit(), ci=(3.0, 12.0), I2=60.0, pi_lower=None, pi_upper=None)
    d = grade(fit, design="observational").domain("large_effect")
    assert (d.suggested, d.reason) == (0, "not rated up: the evidence is rated down in another domain")


def test_certainty_from_start_and_ratings() -> None:
    clean = _with(_fit(), ci=(1.2, 1.8), I2=0.0, pi_lower=None, pi_upper=None)
    assert grade(clean, design="randomised").certainty == "High"
    assert grade(clean, design="observational").certainty == "Low"
    two_down = grade(clean, design="randomised", rob={**ALL_LOW, "B": "High"}, thresholds=(1.25,))
    assert (two_down.level, two_down.certainty) == (2, "Low")
    assert two_down.footnotes == (
        (
            "Risk of bias: downgraded one level: 30% of the weight from studies at high risk of bias, 70% from "
            "studies at low risk"
        ),
        "Imprecision: downgraded one level: the confidence interval 1.20 to 1.80 crosses the decision threshold 1.25",
    )
    floor = grade(
        clean,
        design="randomised",
        decisions={
            "risk_of_bias": GradeDecision(-2, "all trials unblinded with subjective outcome"),
            "indirectness": GradeDecision(-2, "surrogate outcome in a different population"),
            "publication_bias": GradeDecision(-1, "industry-funded small trials only"),
        },
    )
    assert (floor.level, floor.certainty) == (1, "Very low")
    up = grade(_with(_fit(), ci=(3.0, 12.0), I2=0.0, pi_lower=None, pi_upper=None), design="observational",
               decisions={"dose_response": GradeDecision(1, "risk rises with dose in 3 cohorts")})  # fmt: skip
    assert (up.start, up.level, up.certainty) == (2, 4, "High")  # +2 large effect, +1 dose-response, capped


def test_reviewer_decisions_replace_suggestions() -> None:
    fit = _with(_fit(), ci=(0.9, 1.5))
    g = grade(fit, design="randomised", decisions={"imprecision": GradeDecision(-2, "few events (n = 31)")})
    d = g.domain("imprecision")
    assert (d.suggested, d.rating, d.decided, d.decision_reason) == (-1, -2, True, "few events (n = 31)")
    assert d.footnote() == "Imprecision: downgraded two levels: few events (n = 31)"
    with pytest.raises(InputError, match="needs a reason"):
        GradeDecision(-1, "")
    with pytest.raises(InputError, match="rating -3 of imprecision is not one of 0, -1, -2"):
        grade(fit, design="randomised", decisions={"imprecision": GradeDecision(-3, "x")})
    with pytest.raises(InputError, match="rating -1 of large_effect is not one of 0, 1, 2"):
        grade(fit, design="randomised", decisions={"large_effect": GradeDecision(-1, "x")})
    with pytest.raises(InputError, match="unknown GRADE domain 'bias'"):
        grade(fit, design="randomised", decisions={"bias": GradeDecision(-1, "x")})
    with pytest.raises(InputError, match="unknown design 'cohort'"):
        grade(fit, design="cohort")


def test_grade_round_trips_and_checks_its_serialised_form() -> None:
    g = grade(_with(_fit(), ci=(0.9, 1.5)), design="randomised", outcome="Satisfaction",
              decisions={"indirectness": GradeDecision(-1, "adolescents only")})  # fmt: skip
    data = g.to_dict()
    back = grade_from_dict(data)
    assert back.to_dict() == data
    with pytest.raises(InputError, match="certainty 'High' does not follow from the ratings: start High -2 level"):
        grade_from_dict({**data, "certainty": "High"})
    no_reason = [dict(d) for d in data["domains"]]
    no_reason[2]["decision_reason"] = None
    with pytest.raises(InputError, match="indirectness: rating -1 departs from the suggested 0 without a reason"):
        grade_from_dict({**data, "domains": no_reason})
    with pytest.raises(InputError, match="missing GRADE domain"):
        grade_from_dict({**data, "domains": data["domains"][:-1]})
    with pytest.raises(InputError, match="missing field 'design'"):
        grade_from_dict({"domains": []})


# ---------------------------------------------------------------------- optimal information size
def test_optimal_information_size_binary() -> None:
    # control risk 0.20, RRR 25% → p2 = 0.15; (1.959964 + 0.841621)² = 7.848879;
    # n per arm = 7.848879 × (0.16 + 0.1275) / 0.05² = 902.62 → 903; total 1806
    assert optimal_information_size(control_risk=0.2, rrr=0.25) == 1806
    # control risk 0.10, RRR 20% → p2 = 0.08; 7.848879 × (0.09 + 0.0736) / 0.02² = 3210.2 → 3211; total 6422
    assert optimal_information_size(control_risk=0.1, rrr=0.2) == 6422


def test_optimal_information_size_continuous() -> None:
    # SD 1, difference 0.2: n per arm = 2 × 7.848879 / 0.04 = 392.44 → 393; total 786
    assert optimal_information_size(sd=1.0, delta=0.2) == 786
    with pytest.raises(InputError, match="not both"):
        optimal_information_size(control_risk=0.2, sd=1.0, delta=0.2)
    with pytest.raises(InputError, match="give control_risk"):
        optimal_information_size()


# ---------------------------------------------------------------------- Summary of Findings
@pytest.mark.parametrize(
    ("measure", "ratio", "control", "risk"),
    [
        ("RR", 1.45, 0.20, 0.29),  # RR × ACR
        ("OR", 2.0, 0.20, 0.4 / 1.2),  # OR·ACR / (1 − ACR + OR·ACR)
        ("PETO", 0.5, 0.20, 0.1 / 0.9),
        ("HR", 0.5, 0.20, 1.0 - math.sqrt(0.8)),  # 1 − (1 − ACR)^HR
    ],
)
def test_absolute_risk(measure: str, ratio: float, control: float, risk: float) -> None:
    assert absolute_risk(ratio, control, measure=measure) == pytest.approx(risk, rel=REL)


def test_absolute_risk_rejects_bad_input() -> None:
    with pytest.raises(InputError, match="between 0 and 1"):
        absolute_risk(1.2, 1.5, measure="RR")
    with pytest.raises(InputError, match="no absolute risk for measure 'SMD'"):
        absolute_risk(1.2, 0.5, measure="SMD")


def test_summary_of_findings_row_for_a_risk_ratio() -> None:
    # seed 001, Table 4, patient satisfaction: RR 1.45 (1.24 to 1.70), 12 studies, 320 participants
    fit = replace(_fit(), estimate=math.log(1.45), ci_lower=math.log(1.24), ci_upper=math.log(1.70), k=12)
    g = grade(fit, design="randomised", outcome="Patient satisfaction")
    row = summary_of_findings(fit, g, control_risk=0.5, participants=320)
    assert row.relative_effect == "RR 1.45 (1.24 to 1.70)"
    assert row.control_per_1000 == pytest.approx(500.0, rel=REL)
    assert row.intervention_per_1000 == pytest.approx(725.0, rel=REL)
    assert row.intervention_ci_per_1000 == pytest.approx((620.0, 850.0), rel=REL)
    assert row.difference_per_1000 == pytest.approx(225.0, rel=REL)
    assert row.difference_ci_per_1000 == pytest.approx((120.0, 350.0), rel=REL)
    assert row.absolute_effect == "225 more per 1000 (120 more to 350 more)"
    assert (row.participants, row.studies, row.certainty, row.outcome) == (320, 12, g.certainty, "Patient satisfaction")
    assert row.to_dict()["intervention_ci_per_1000"] == pytest.approx([620.0, 850.0], rel=REL)


def test_summary_of_findings_rows_of_other_measures() -> None:
    fit = replace(_fit("OR"), estimate=math.log(0.7), ci_lower=math.log(0.5), ci_upper=math.log(0.98))
    row = summary_of_findings(fit, grade(fit, design="randomised"), control_risk=0.1)
    # OR 0.70 at 10%: 0.07/0.97 = 0.0721649 → 72 per 1000, 28 fewer; limits 0.05/0.95 and 0.098/0.998
    assert row.intervention_per_1000 == pytest.approx(1000 * 0.07 / 0.97, rel=REL)
    assert row.difference_ci_per_1000 == pytest.approx(
        (1000 * (0.05 / 0.95 - 0.1), 1000 * (0.098 / 0.998 - 0.1)), rel=REL
    )
    assert row.absolute_effect == "28 fewer per 1000 (47 fewer to 2 fewer)"
    smd = replace(_fit("SMD"), estimate=-1.25, ci_lower=-1.80, ci_upper=-0.70)
    srow = summary_of_findings(smd, grade(smd, design="randomised"))
    assert (srow.relative_effect, srow.absolute_effect, srow.difference_per_1000) == (
        None, "SMD -1.25 (-1.80 to -0.70)", None
    )  # fmt: skip
    rd = replace(_fit("SMD"), measure="RD", estimate=0.05, ci_lower=0.01, ci_upper=0.09)
    rrow = summary_of_findings(rd, grade(rd, design="randomised"))
    assert rrow.absolute_effect == "50 more per 1000 (10 more to 90 more)"
    with pytest.raises(InputError, match="not for SMD"):
        summary_of_findings(smd, grade(smd, design="randomised"), control_risk=0.2)
