"""Validation: each check on the smallest data that trips it, and the data that must not trip it.

The arithmetic is exact (fractions of the reported decimals): a percentage of n is consistent when some whole
number of participants k gives 100·k/n that rounds (or truncates) to it; a change SD must lie between
|SD₁ − SD₂| and SD₁ + SD₂ (Cochrane Handbook 6.5.2.8: SD_change² = SD₁² + SD₂² − 2·r·SD₁·SD₂, |r| ≤ 1).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from sysreview.extraction import (
    NR,
    Arm,
    Datum,
    Extraction,
    Issue,
    OutcomeRecord,
    Study,
    default_form,
    parse_duration,
    validate,
)

FORM = default_form()
D = Decimal
REQUIRED_STUDY = {"country": "Korea", "design": "parallel", "randomised": True, "n_randomised": 60,
                  "scar_type": ("atrophic",)}  # fmt: skip


def _arm(arm: str, role: str, n: object = 30, **values: object) -> Arm:
    fields = {"n_randomised": n, "description": f"{arm} arm", **values}
    return Arm(arm=arm, role=role, values={k: Datum(value=v) for k, v in fields.items() if v is not None})


def _study(*records: OutcomeRecord, study: str = "1", arms: tuple[Arm, ...] | None = None, **values: object) -> Study:
    fields = {**REQUIRED_STUDY, **values}
    return Study(
        study=study,
        values={k: Datum(value=v) for k, v in fields.items() if v is not None},
        arms=arms if arms is not None else (_arm("i", "intervention"), _arm("c", "control")),
        outcomes=records,
    )


def _record(
    arm: str = "i", timepoint: str = "6 months", basis: str = "final", outcome: str = "ecca", **stats: object
) -> OutcomeRecord:
    return OutcomeRecord(outcome=outcome, arm=arm, timepoint=timepoint, basis=basis, stats=stats)


def _issues(*studies: Study) -> list[tuple[str, str, str | None, str | None, str | None]]:
    report = validate(Extraction(form=FORM.name, studies=studies), FORM)
    return [(i.severity, i.check, i.study, i.item, i.field) for i in report.issues]


def _messages(*studies: Study) -> list[str]:
    return [i.message for i in validate(Extraction(studies=studies), FORM).issues]


def test_clean_data_have_no_issues() -> None:
    records = (
        _record("i", "baseline", n=30, mean=D("70.1"), sd=D("19.2")),
        _record("i", "6 months", n=30, mean=D("32.5"), sd=D("15.8")),
        _record("i", "6 months", "change", n=30, mean=D("-37.6"), sd=D("6.9")),
        _record("i", outcome="satisfaction", n=30, events=23, percent=D("76.7")),
    )
    assert _issues(_study(*records, follow_up=D(6), follow_up_unit="months")) == []


def test_form_checks_name_study_item_and_field() -> None:
    study = _study(
        design="split-face",
        age_mean="about 25",
        male_percent=D("120"),
        colour="red",
        country=None,
        follow_up=D(6),
        arms=(_arm("i", "intervention", n=D("14.5")), _arm("c", "control", description=None)),
    )
    assert _issues(study) == [
        ("error", "choice", "1", None, "design"),
        ("error", "type", "1", None, "age_mean"),
        ("error", "range", "1", None, "male_percent"),
        ("error", "unknown-field", "1", None, "colour"),
        ("error", "requires", "1", None, "follow_up"),
        ("error", "required", "1", None, "country"),
        ("error", "type", "1", "arm 'i'", "n_randomised"),
        ("error", "required", "1", "arm 'c'", "description"),
    ]
    messages = _messages(study)
    assert messages[0] == (
        "'split-face' is not one of: parallel, within-person, cross-over, non-randomised comparative, cohort, "
        "single-arm, case series (or NR, NA)"
    )
    assert messages[1] == "not a number: 'about 25'"
    assert messages[2] == "120 is above the maximum 100"
    assert messages[4] == "has a value, so 'follow_up_unit' needs one too"
    assert messages[6] == "expected a whole number, got 14.5"


def test_nr_satisfies_a_required_field_and_fields_of_other_roles_are_not_required() -> None:
    study = _study(country=NR, arms=(_arm("i", "intervention"), _arm("c", "control")))
    assert _issues(study) == []


def test_arms_must_add_up_to_the_participants_enrolled() -> None:
    # seed 001 Table 1, study 11: "215 (106/39)"
    study = _study(n_randomised=215, arms=(_arm("i", "intervention", n=106), _arm("c", "control", n=39)))
    assert _messages(study) == ["the arms add up to 145 (106 + 39), but the study enrolled 215"]
    # a within-person design: every arm holds all participants (seed 001 Table 1, study 1: "14 (14/14)")
    split = _study(
        design="within-person", n_randomised=14, arms=(_arm("i", "intervention", n=14), _arm("c", "control", n=14))
    )
    assert _issues(split) == []
    wrong = _study(
        design="within-person", n_randomised=14, arms=(_arm("i", "intervention", n=14), _arm("c", "control", n=7))
    )
    assert _messages(wrong) == ["in a within-person design every arm holds all 14 participants; arm 'c' has 7"]


def test_analysed_and_record_sizes_cannot_exceed_the_randomised() -> None:
    study = _study(
        _record("i", "baseline", n=48, mean=D("70.1"), sd=D("19.2")),
        _record("i", "6 months", n=48, mean=D("32.5"), sd=D("11.8")),
        arms=(_arm("i", "intervention", n_analysed=31), _arm("c", "control")),
    )
    assert _issues(study) == [
        ("error", "arm-n", "1", "arm 'i'", "n_analysed"),
        ("error", "record-n", "1", "arm 'i'", "n"),
    ]
    assert _messages(study)[1] == (
        "n = 48 in 2 outcome records (ecca at baseline, ecca at 6 months) exceeds the 30 randomised to arm 'i'"
    )


def test_records_of_arms_the_study_does_not_have() -> None:
    study = _study(_record("x", n=10, mean=D(1), sd=D(1)), _record("x", "baseline", n=10, mean=D(1), sd=D(1)))
    assert _messages(study) == [
        (
            "2 outcome records (ecca at 6 months, ecca at baseline) refer to arm 'x', which the study does not have "
            "(its arms: 'i', 'c')"
        )
    ]


def test_a_randomised_study_needs_two_arms() -> None:
    assert _issues(_study(n_randomised=30, arms=(_arm("i", "intervention"),))) == [
        ("error", "design", "1", None, "randomised")
    ]


@pytest.mark.parametrize(
    ("stats", "check", "field", "message"),
    [
        ({"n": 10, "mean": D(3), "sd": D(0)}, "sd", "sd", "a standard deviation must be above zero, got 0"),
        ({"n": 10, "mean": D(3), "se": D("-1")}, "sd", "se", "a standard error must be above zero, got -1"),
        ({"n": 10, "median": D(5), "q1": D(6), "q3": D(9)}, "order", "median", "median 5 is below q1 6"),
        ({"n": 10, "mean": D(12), "ci_lower": D(2), "ci_upper": D(9)}, "order", "mean", "lies outside its interval"),
        ({"n": 10, "mean": D(3), "sd": D(1), "level": D(150)}, "order", "level", "a fraction (0.95) or a percentage"),
        ({"n": 10, "mean": D(170), "sd": D(1)}, "scale", "mean", "mean 170 is above the scale's maximum 168"),
        ({"n": D("9.5"), "mean": D(3), "sd": D(1)}, "type", "n", "expected a whole number of zero or more, got 9.5"),
        ({"mean": "NS", "sd": D(1)}, "type", "mean", "not a number: 'NS'"),
        ({"n": 10, "events": 3}, "outcome", "events", "'events' does not fit a continuous outcome"),
        ({"n": 10, "estimate": D(1)}, "outcome", "estimate", "belongs to a comparison of two arms"),
    ],
)
def test_statistics_that_arithmetic_does_not_allow(
    stats: dict[str, object], check: str, field: str, message: str
) -> None:
    report = validate(Extraction(studies=(_study(_record(**stats)),)), FORM)
    issue: Issue = report.issues[0]
    assert (issue.check, issue.field) == (check, field)
    assert message in issue.message
    assert len(report.issues) == 1


def test_pvalues_and_correlations_of_comparisons() -> None:
    record = OutcomeRecord(
        outcome="ecca", arm="i", comparator="c", timepoint="6 months",
        stats={"estimate": D("-1.2"), "measure": "SMD", "pvalue": D(0), "r": D("1.2"), "mean": D(3)},
    )  # fmt: skip
    assert [(i.check, i.field) for i in validate(Extraction(studies=(_study(record),)), FORM).issues] == [
        ("outcome", "mean"),
        ("order", "pvalue"),
        ("order", "r"),
    ]


# ---------------------------------------------------------------------- percentages
@pytest.mark.parametrize(
    ("percent", "n", "consistent"),
    [
        ("85.7", 14, True),  # 12/14 = 85.71
        ("82.1", 14, False),  # 11/14 = 78.57, 12/14 = 85.71
        ("81.0", 106, False),  # 86/106 = 81.13: "81.0" reports one decimal
        ("81", 106, True),  # but 81 (no decimal) may be 81.13 rounded
        ("66.6", 3, True),  # 2/3 = 66.67 truncated to one decimal
        ("10.3", 215, False),  # 22/215 = 10.23, 23/215 = 10.70 (seed 001, Table 1, study 11)
        ("10.3", 145, True),  # 15/145 = 10.34
        ("100", 10, True),
        ("0", 48, True),
    ],
)
def test_a_percentage_must_be_a_whole_number_of_participants(percent: str, n: int, consistent: bool) -> None:
    record = _record(outcome="satisfaction", n=n, percent=D(percent))
    study = _study(record, arms=(_arm("i", "intervention", n=500), _arm("c", "control", n=500)), n_randomised=1000)
    assert (_issues(study) == []) is consistent


def test_percent_messages_show_the_neighbouring_counts() -> None:
    study = _study(_record(outcome="satisfaction", n=14, percent=D("82.1")))
    assert _messages(study) == [
        (
            "82.1% is not a whole number of the 14 participants of the record (11/14 = 78.6%, 12/14 = 85.7%); "
            "give n if the percentage is of another number"
        )
    ]
    with_events = _study(_record(outcome="satisfaction", n=30, events=3, percent=D("8.0")))
    assert _messages(with_events) == ["8.0% differs from events/n = 3/30 = 10.00%"]
    # without n in the record, the arm's size is the denominator
    arms = (_arm("i", "intervention", n=40), _arm("c", "control", n=20))
    arm_size = _study(_record(outcome="adverse_events", percent=D("8.0")), arms=arms)
    assert _messages(arm_size) == [
        (
            "8.0% is not a whole number of the 40 participants of the arm (n_randomised) (3/40 = 7.5%, 4/40 = 10.0%); "
            "give n if the percentage is of another number"
        )
    ]


def test_a_characteristic_percentage_of_the_participants_enrolled() -> None:
    study = _study(
        n_randomised=215, male_percent=D("10.3"), arms=(_arm("i", "intervention", n=106), _arm("c", "control", n=109))
    )
    assert _messages(study) == [
        "10.3% is not a whole number of the 215 participants (n_randomised) (22/215 = 10.2%, 23/215 = 10.7%)"
    ]


# ---------------------------------------------------------------------- change scores
def _change_study(change_mean: str, change_sd: str) -> Study:
    # seed 001 Table 3, study 1, NS: 126.1 ± 26.7 at baseline, 116.8 ± 34.6 at 10 weeks
    return _study(
        _record("c", "baseline", n=14, mean=D("126.1"), sd=D("26.7")),
        _record("c", "10 weeks", n=14, mean=D("116.8"), sd=D("34.6")),
        _record("c", "10 weeks", "change", n=14, mean=D(change_mean), sd=D(change_sd)),
    )


def test_a_change_sd_below_the_difference_of_the_sds_is_impossible() -> None:
    assert _messages(_change_study("-9.3", "5.2")) == [
        (
            "change SD 5.2 is impossible with SD 26.7 at baseline and 34.6 at 10 weeks: the SD of a change is at least "
            "|34.6 − 26.7| = 7.9 (a correlation is at most 1)"
        )
    ]
    # 7.8 is within rounding of 7.9 (each SD may be off by 0.05): possible, with r close to 1
    assert _messages(_change_study("-9.3", "7.8")) == []
    assert _messages(_change_study("-9.3", "61.4")) == []  # r = −1
    assert "at most 26.7 + 34.6 = 61.3" in _messages(_change_study("-9.3", "61.5"))[0]


def test_a_change_mean_must_be_follow_up_minus_baseline() -> None:
    assert (
        _messages(_change_study("-9.4", "8.0")) == []
    )  # 116.8 − 126.1 = −9.3; −9.4 within the rounding of three numbers
    assert _messages(_change_study("-9.5", "8.0")) == [
        "the mean change -9.5 differs from follow-up minus baseline: 116.8 − 126.1 = -9.3"
    ]


# ---------------------------------------------------------------------- warnings
def test_copied_values_between_studies_are_warnings() -> None:
    arms = (_arm("i", "intervention", n=106), _arm("c", "control", n=39))
    first = _study(study="2", n_randomised=145, arms=arms, age_mean=D("23.1"), age_sd=D("2.9"))
    second = _study(study="11", n_randomised=145, arms=arms, age_mean=D("23.1"), age_sd=D("2.9"))
    assert _issues(first, second) == [
        ("warning", "copied", "11", None, "n_randomised"),
        ("warning", "copied", "11", None, "age_mean"),
    ]
    assert _messages(first, second) == [
        "arm sizes 106/39 are identical to study 2's; check both against their reports",
        "age_mean 23.1, age_sd 2.9 are identical to study 2's",
    ]
    # equal arms (30/30) are common: not a warning
    equal = (_arm("i", "intervention", n=30), _arm("c", "control", n=30))
    assert _issues(_study(study="3", arms=equal), _study(study="15", arms=equal)) == []


def test_identical_outcome_data_in_two_studies_are_warnings() -> None:
    def records(first_sd: str) -> tuple[OutcomeRecord, ...]:
        return (
            _record("i", "baseline", n=10, mean=D("52.5"), sd=D("15.8")),
            _record("i", "12 months", n=10, mean=D("23.8"), sd=D("10.2")),
            _record("c", "baseline", n=10, mean=D("51.9"), sd=D("16.1")),
            _record("c", "12 months", n=10, mean=D("38.6"), sd=D(first_sd)),
        )

    message = _messages(_study(*records("12.5"), study="4"), _study(*records("12.5"), study="6"))[0]
    assert message.startswith("4 of its 4 SDs (10.2, 12.5, 15.8, 16.1) and mean 52.5 with SD 15.8")
    assert _messages(_study(*records("12.5"), study="4"), _study(*records("9.9")[:2], study="6"))[0].startswith(
        "mean 52.5 with SD 15.8"
    )


def test_time_points_after_the_follow_up_are_warnings() -> None:
    study = _study(_record(timepoint="12 months", n=30, mean=D(5), sd=D(1)), follow_up=D(10), follow_up_unit="weeks")
    assert _issues(study) == [("warning", "follow-up", "1", "outcome ecca, arm 'i', 12 months (final)", None)]


def test_data_of_another_form_are_a_warning() -> None:
    report = validate(Extraction(form="oncology"), FORM)
    assert [(i.severity, i.check) for i in report.issues] == [("warning", "form")]
    assert report.valid


def test_report_summary_and_dict() -> None:
    report = validate(Extraction(studies=(_change_study("-9.3", "5.2"),), source="data.xlsx"), FORM)
    assert report.summary() == "data.xlsx: 1 studies, 1 error(s), 0 warning(s) (form regenerative-dermatology)"
    payload = report.to_dict()
    assert (payload["valid"], payload["errors"], payload["issues"][0]["check"]) == (False, 1, "change-sd")


@pytest.mark.parametrize(
    ("label", "weeks"),
    [("baseline", 0), ("10 weeks", 10), ("1 week", 1), ("3 months", Fraction(36525, 2800)),
     ("1 year", Fraction(36525, 700)), ("14 days", 2), ("end of treatment", None)],
)  # fmt: skip
def test_durations_of_time_points(label: str, weeks: object) -> None:
    assert parse_duration(label) == weeks
