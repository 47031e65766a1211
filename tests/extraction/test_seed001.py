"""The worked example: seed 001's Tables 1 and 3 as extraction data (fixtures/README.md), and what is wrong in them.

Each expected finding was checked by hand against the seed's text; the comments give the arithmetic.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sysreview.extraction import (
    ValidationReport,
    default_form,
    effects_from_extraction,
    read_extraction,
    reporting_completeness,
    validate,
    write_extraction,
)
from tests.extraction._tolerances import FORMULA

FIXTURE = Path(__file__).parent / "fixtures" / "seed001_extraction.json"
FORM = default_form()


@pytest.fixture(scope="module")
def report() -> ValidationReport:
    return validate(read_extraction(FIXTURE, form=FORM), FORM)


def _found(report: ValidationReport, check: str) -> list[tuple[str | None, str | None, str | None]]:
    return [(i.study, i.item, i.field) for i in report.issues if i.check == check]


def test_the_fixture_holds_both_tables() -> None:
    data = read_extraction(FIXTURE, form=FORM)
    assert len(data.studies) == 18
    assert sum(len(s.outcomes) for s in data.studies) == 84  # 6 studies × 2 groups × 7 records
    first = data.study("1").outcomes[2]
    assert (first.outcome, first.arm, first.timepoint, first.basis) == ("ecca", "intervention", "10 weeks", "change")
    assert {k: str(v) for k, v in first.stats.items()} == {"n": "14", "mean": "-38.2", "sd": "8.1"}
    assert first.provenance.table == "Table 3"
    assert first.provenance.note == "'ECCA change'; line 102 of 001_0f414a012d818148.txt"


def test_totals_that_do_not_add_up(report: ValidationReport) -> None:
    # Table 1, study 11: "215 (106/39)": 106 + 39 = 145, the total of study 2 ("145 (106/39)")
    assert _found(report, "sum-of-arms") == [("11", None, "n_randomised")]
    # Table 3 gives study 3 groups of 48 and 30, Table 1 "60 (30/30)"; study 5 groups of 48 and 30,
    # Table 1 "28 (28/0)", a single-group cohort
    assert _found(report, "record-n") == [("3", "arm 'intervention'", "n"), ("5", "arm 'intervention'", "n")]
    # Table 3's study 5 has a control group that Table 1's study 5 does not have
    assert _found(report, "arm") == [("5", "arm 'control'", None)]
    # Table 1, studies 10 and 12: an RCT with a control group of 0 ("30 (30/0)", "48 (48/0)")
    assert _found(report, "range") == [("10", "arm 'control'", "n_randomised"), ("12", "arm 'control'", "n_randomised")]


def test_percentages_impossible_for_their_n(report: ValidationReport) -> None:
    found = [(i.study, i.item) for i in report.issues if i.check == "percent"]
    assert found == [
        # study 1, 14 per side: 82.1% (11/14 = 78.6%, 12/14 = 85.7%), 5.3%, 47.6%, 9.5% fit no count of 14
        ("1", "outcome satisfaction, arm 'intervention', 10 weeks (final)"),
        ("1", "outcome adverse_events, arm 'intervention', 10 weeks (final)"),
        ("1", "outcome satisfaction, arm 'control', 10 weeks (final)"),
        ("1", "outcome adverse_events, arm 'control', 10 weeks (final)"),
        # study 2, 106 and 39: 81.0% (86/106 = 81.1%), 5.0% (5/106 = 4.7%), 36.4% (14/39 = 35.9%), 3.0% (1/39 = 2.6%)
        ("2", "outcome satisfaction, arm 'intervention', 12 months (final)"),
        ("2", "outcome adverse_events, arm 'intervention', 12 months (final)"),
        ("2", "outcome satisfaction, arm 'control', 12 months (final)"),
        ("2", "outcome adverse_events, arm 'control', 12 months (final)"),
        ("3", "outcome satisfaction, arm 'intervention', 12 months (final)"),  # 95.4% of 48 (46/48 = 95.8%)
        ("4", "outcome adverse_events, arm 'control', 3 months (final)"),  # 8.0% of 40 (3/40 = 7.5%)
        ("5", "outcome satisfaction, arm 'intervention', 6 months (final)"),  # 90.0% of 48 (43/48 = 89.6%)
        ("5", "outcome satisfaction, arm 'control', 6 months (final)"),  # 75.0% of 30 (23/30 = 76.7%)
        ("6", "outcome satisfaction, arm 'intervention', 12 months (final)"),  # 92.0% of 10
        ("6", "outcome adverse_events, arm 'intervention', 12 months (final)"),  # 5.0% of 10
        ("6", "outcome satisfaction, arm 'control', 12 months (final)"),  # 75.0% of 10
        ("11", None),  # Table 1: 10.3% men of 215 (22/215 = 10.2%, 23/215 = 10.7%)
    ]
    # and what is consistent is not reported: Table 1's other 16 male percentages, and e.g. study 3's 76.7% of 30
    consistent = {i.study for i in report.issues if i.check == "percent" and i.field == "male_percent"}
    assert consistent == {"11"}


def test_change_sds_no_correlation_allows(report: ValidationReport) -> None:
    # SD_change ≥ |SD_baseline − SD_follow-up|: study 1 NS 5.2 < |34.6 − 26.7| = 7.9; study 3 ReCell 6.9 < 7.4;
    # study 6 AT-ASCs 5.1 < |10.2 − 15.8| = 5.6. Study 4 SVF-gel 5.6 = 5.6 is possible (r = 1) and not reported.
    assert _found(report, "change-sd") == [
        ("1", "outcome ecca, arm 'control', 10 weeks (change)", "sd"),
        ("3", "outcome ecca, arm 'intervention', 12 months (change)", "sd"),
        ("6", "outcome ecca, arm 'intervention', 12 months (change)", "sd"),
    ]
    # every change mean equals follow-up minus baseline (e.g. 98.2 − 136.4 = −38.2)
    assert _found(report, "change-mean") == []


def test_rows_that_are_not_eligible_studies(report: ValidationReport) -> None:
    assert _found(report, "choice") == [
        ("9", None, "scar_type"),  # "Rhytids/scars"
        ("17", None, "design"),  # a meta-analysis of epicanthus surgery
        ("17", None, "scar_type"),
        ("18", None, "design"),  # "Additional studies": "Various", "∼500 total", "∼60", "1–12 months"
    ]
    assert _found(report, "type") == [
        ("18", None, "n_randomised"),
        ("18", None, "male_percent"),
        ("18", None, "follow_up"),
    ]


def test_copies_between_studies_are_warnings(report: ValidationReport) -> None:
    warnings = [(i.study, i.message.split(" are identical")[0]) for i in report.warnings]
    assert warnings == [
        # study 6 shares 5 of its 6 ECCA SDs with study 4, and its control's 38.6 ± 12.5 at follow-up
        (
            "6",
            (
                "5 of its 6 SDs (4.3, 10.2, 12.5, 15.8, 16.1) and mean 38.6 with SD 12.5 (outcome ecca, arm 'control', "
                "12 months (final); study 4: outcome ecca, arm 'control', 3 months (final))"
            ),
        ),
        ("11", "arm sizes 106/39"),  # study 2's arms
        ("17", "age_mean 23.1, age_sd 2.9, male_percent 85.7"),  # study 1's participants
    ]


def test_the_whole_report(report: ValidationReport) -> None:
    assert (len(report.errors), len(report.warnings)) == (32, 3)
    assert report.issues[0].location is not None
    assert report.issues[0].location.pointer == "studies[0].outcomes[3].stats.percent"


def test_issues_read_from_a_workbook_name_sheet_row_and_column(tmp_path: Path) -> None:
    path = write_extraction(read_extraction(FIXTURE, form=FORM), tmp_path / "seed001.xlsx", form=FORM)
    report = validate(read_extraction(path, form=FORM), FORM)
    issue = next(i for i in report.issues if i.check == "change-sd")
    assert str(issue) == (
        "error [change-sd]: study 1: outcome ecca, arm 'control', 10 weeks (change): sd: change SD 5.2 is impossible "
        "with SD 26.7 at baseline and 34.6 at 10 weeks: the SD of a change is at least |34.6 − 26.7| = 7.9 "
        f"(a correlation is at most 1) ({path}, sheet 'outcomes', row 11, column 'sd')"
    )
    study_level = next(i for i in report.issues if i.check == "sum-of-arms")
    assert study_level.location is not None
    assert (study_level.location.sheet, study_level.location.column) == ("values", "value")


def test_ecca_effect_sizes_record_their_path() -> None:
    effects = effects_from_extraction(read_extraction(FIXTURE, form=FORM), FORM, "ecca")
    rows = {row.study: row for row in effects.rows}
    assert list(rows) == ["1", "2", "3", "4", "5", "6"]
    # study 2, parallel groups, change scores: Hedges' g = J·(m1 − m2)/S_pooled with the exact correction
    # J(m) = Γ(m/2)/(√(m/2)·Γ((m − 1)/2)), m = 143 (Hedges 1981, eq. 6e), S = √((105·5.8² + 38·4.1²)/143) = 5.40071;
    # large-sample variance 1/n1 + 1/n2 + g²/(2(n1 + n2)) (metafor's escalc, vtype "LS")
    pooled = math.sqrt((105 * 5.8**2 + 38 * 4.1**2) / 143)
    correction = math.exp(math.lgamma(143 / 2) - math.lgamma(142 / 2)) / math.sqrt(143 / 2)
    g = correction * (-23.1 + 7.6) / pooled
    assert rows["2"].yi == pytest.approx(g, rel=FORMULA)
    assert rows["2"].vi == pytest.approx((106 + 39) / (106 * 39) + g**2 / (2 * 145), rel=FORMULA)
    # study 1, split-face: paired SMD (Cochrane Handbook 23.2.7.2), r assumed 0.5
    d = -28.9 / math.sqrt((8.1**2 + 5.2**2) / 2)
    assert (rows["1"].paired, rows["1"].yi) == (True, pytest.approx(d, rel=FORMULA))
    assert rows["1"].vi == pytest.approx((1 / 14 + d**2 / 28) * 2 * (1 - 0.5), rel=FORMULA)
    assert rows["1"].assumed == ("within_person_r = 0.5",)
    assert rows["5"].note == "not estimable: no comparison: the study has no control arm"
    assert effects.without == tuple(str(i) for i in range(7, 19))


def test_completeness_of_what_table_1_reports() -> None:
    report = reporting_completeness(read_extraction(FIXTURE, form=FORM), FORM)
    summary = {s.item: s for s in report.summary()}
    assert summary["TIDieR 1"].counts["reported"] == 18  # every arm is described
    # TIDieR 8 (when and how much): study 1 gives the volume (0.1 mL per scar), study 2 the concentration
    assert report.cell("1", "TIDieR 8").status == "partly"
    assert report.cell("1", "TIDieR 8").reported == ("arm 'intervention': volume_ml",)
    assert report.cell("2", "S2 dose").reported == ("arm 'intervention': cell_concentration",)
    assert summary["TIDieR 2"].counts["not extracted"] == 18  # Table 1 says nothing of the rationale
