"""Reporting completeness: a study's status on an item follows from the fields that report it (TIDieR, seed 001 S2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sysreview.extraction import NA, NR, Arm, Datum, Extraction, Study, default_form, reporting_completeness

FORM = default_form()


def _study(study: str, **values: object) -> Study:
    arm_values = {k: Datum(value=v) for k, v in values.items() if v is not None}
    return Study(
        study=study,
        arms=(Arm(arm="cells", role="intervention", values=arm_values), Arm(arm="saline", role="control")),
    )


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ({"cell_concentration": Decimal("2E+7"), "cell_viability_percent": Decimal("92.5")}, "reported"),
        ({"cell_concentration": Decimal("2E+7"), "cell_viability_percent": NR}, "partly"),
        ({"cell_concentration": Decimal("2E+7")}, "partly"),
        ({"cell_concentration": NR, "cell_viability_percent": NR}, "not reported"),
        ({"cell_concentration": NR}, "not reported"),
        ({}, "not extracted"),
        ({"cell_concentration": NA, "cell_viability_percent": NA}, "not applicable"),
    ],
)
def test_status_of_an_item(values: dict[str, object], status: str) -> None:
    report = reporting_completeness(Extraction(studies=(_study("1", **values),)), FORM)
    assert report.cell("1", "S2 dose").status == status


def test_control_arms_do_not_count_for_intervention_items() -> None:
    study = _study("1", description="SVF injection")
    report = reporting_completeness(Extraction(studies=(study,)), FORM)
    cell = report.cell("1", "TIDieR 1")
    assert (cell.status, cell.reported) == ("reported", ("arm 'cells': description",))


def test_summary_counts_and_percentages() -> None:
    studies = (
        _study("1", sessions=Decimal(3), interval_weeks=Decimal(4), timing="after laser", cell_concentration=Decimal(1),
               volume_ml=Decimal("0.1")),
        _study("2", sessions=NR),
        _study("3"),
    )  # fmt: skip
    report = reporting_completeness(Extraction(studies=studies), FORM)
    summary = {s.item: s for s in report.summary()}["TIDieR 8"]
    assert summary.counts == {"reported": 1, "partly": 0, "not reported": 1, "not extracted": 1, "not applicable": 0}
    assert (summary.assessed, summary.percent_reported) == (2, 50.0)
    lines = report.table().splitlines()
    assert lines[8].split()[-6:] == ["yes", "no", "?", "50%", "of", "2"]
    assert report.to_dict()["summary"][7]["percent_reported"] == 50.0
