"""Spreadsheets: what teams type is read as the form says; structural errors name file, sheet, row and column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from sysreview.errors import InputError
from sysreview.extraction import (
    NR,
    Arm,
    Datum,
    Extraction,
    OutcomeRecord,
    Provenance,
    Study,
    default_form,
    read_extraction,
    write_extraction,
    write_template,
)

FORM = default_form()
HEADERS = {
    "studies": ["study", "label", "note"],
    "arms": ["study", "arm", "role", "label", "source", "table", "page", "row", "note"],
    "values": ["study", "arm", "field", "value", "source", "table", "page", "row", "note"],
    "outcomes": ["study", "outcome", "arm", "comparator", "timepoint", "basis", "n", "mean", "sd", "percent", "source"],
}


def _workbook(
    path: Path, sheets: dict[str, list[list[object]]], formats: dict[tuple[str, str], str] | None = None
) -> Path:
    """A workbook as a team would type it: header rows from HEADERS (unless given), then the rows."""
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        if name in HEADERS and not (rows and rows[0] and rows[0][0] in {"study", "label"}):
            sheet.append(HEADERS[name])
        for row in rows:
            sheet.append(row)
    for (name, cell), number_format in (formats or {}).items():
        book[name][cell].number_format = number_format
    book.save(path)
    return path


def test_what_a_team_types_is_read_as_the_forms_types(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "team.xlsx",
        {
            "studies": [["1", "Suh 2025", None]],
            "arms": [["1", "svf", "intervention", "SVF", "seed 001", "Table 1", 4, 1, None]],
            "values": [
                ["1", None, "country", "Korea", "seed 001", "Table 1", None, None, None],
                ["1", None, "n_randomised", 14, None, None, None, None, None],
                ["1", None, "male_percent", 85.7, None, None, None, None, None],
                ["1", None, "age_sd", "NR", None, None, None, None, "printed 'NS'"],
                ["1", None, "randomised", True, None, None, None, None, None],
                ["1", None, "fitzpatrick", "III; IV", None, None, None, None, None],
                ["1", None, "registration", 12345, None, None, None, None, None],  # a number typed in a text field
                ["1", None, "year", None, None, None, None, None, None],  # a template row nobody filled in
                ["1", "svf", "n_randomised", 14, None, None, None, None, None],
            ],
            "outcomes": [
                ["1", "satisfaction", "svf", None, "10 weeks", None, 14, None, None, 0.821, "seed 001"],
                ["1", "ecca", "svf", None, "10 weeks", "change", 14, -38.2, 8.1, None, "seed 001"],
            ],
        },
        # one decimal shown: the value 81 typed in a cell formatted 0.0 is 81.0; 0.821 formatted as 0.0% is 82.1
        formats={("values", "D4"): "0.0", ("outcomes", "J2"): "0.0%", ("outcomes", "I3"): "0.00"},
    )
    data = read_extraction(path, form=FORM)
    study = data.study("1")
    assert study.label == "Suh 2025"
    assert study.value("country") == "Korea"
    assert str(study.value("n_randomised")) == "14"
    assert str(study.value("male_percent")) == "85.7"
    assert study.value("age_sd") is NR
    assert study.values["age_sd"].provenance == Provenance(note="printed 'NS'")
    assert study.value("randomised") is True
    assert study.value("fitzpatrick") == ("III", "IV")
    assert study.value("registration") == "12345"
    assert "year" not in study.values
    arm = study.arm("svf")
    assert arm.provenance == Provenance(source="seed 001", table="Table 1", page="4", row="1")
    satisfaction, ecca = study.outcomes
    assert str(satisfaction.stats["percent"]) == "82.1"
    assert str(ecca.stats["sd"]) == "8.10"  # the cell's format shows two decimals
    assert satisfaction.basis == "final"
    assert data.notes == (f"{path}: 1 field(s) of the values sheet left empty (not extracted yet)",)
    # the origin of each value, for messages
    assert str(study.values["male_percent"].origin) == f"{path}, sheet 'values', row 4, column 'value'"


def test_number_formats_keep_trailing_zeros_through_a_workbook(tmp_path: Path) -> None:
    study = Study(
        study="2",
        values={"male_percent": Datum(value=Decimal("60.0")), "age_mean": Datum(value=Decimal("25.80"))},
        arms=(Arm(arm="a", role="intervention", values={"cell_concentration": Datum(value=Decimal("2E+7"))}),),
    )
    path = write_extraction(Extraction(studies=(study,)), tmp_path / "data.xlsx", form=FORM)
    sheet = openpyxl.load_workbook(path)["values"]
    cells = {row[2].value: row[3] for row in sheet.iter_rows(min_row=2)}
    assert (cells["male_percent"].value, cells["male_percent"].number_format) == (60, "0.0")
    assert (cells["age_mean"].value, cells["age_mean"].number_format) == (25.8, "0.00")
    assert cells["cell_concentration"].value == "2E+7"  # an exponent has no number format: written as text
    back = read_extraction(path, form=FORM).study("2")
    assert str(back.value("male_percent")) == "60.0"
    assert str(back.value("age_mean")) == "25.80"
    assert str(back.arm("a").value("cell_concentration")) == "2E+7"


def test_texts_that_would_read_as_something_else_are_escaped(tmp_path: Path) -> None:
    values = {"country": Datum(value="NR"), "funding": Datum(value="=SUM(A1)"), "year": Datum(value="12")}
    data = Extraction(studies=(Study(study="1", values=values),))
    folder = write_extraction(data, tmp_path / "csv", form=FORM)
    text = (folder / "values.csv").read_text(encoding="utf-8-sig")
    assert "\\NR" in text  # literal text NR, not "not reported"
    assert "\\12" in text  # the text 12 in a number field (as typed: validation reports it)
    for path in (folder, write_extraction(data, tmp_path / "data.xlsx", form=FORM)):
        back = read_extraction(path, form=FORM).study("1")
        assert (back.value("country"), back.value("funding"), back.value("year")) == ("NR", "=SUM(A1)", "12")


def test_template_lists_every_field_for_every_study_and_arm(tmp_path: Path) -> None:
    path = write_template(tmp_path / "template.xlsx", form=FORM, studies=["1", "2"])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["about", "studies", "arms", "values", "outcomes", "resolutions", "form", "lists"]
    rows = list(book["values"].iter_rows(min_row=2, values_only=True))
    study_fields = [r for r in rows if r[0] == "1" and r[1] is None]
    assert [r[2] for r in study_fields] == [spec.name for spec in FORM.study_fields]
    intervention = [r[2] for r in rows if r[0] == "1" and r[1] == "intervention"]
    control = [r[2] for r in rows if r[0] == "1" and r[1] == "control"]
    assert "cell_viability_percent" in intervention
    assert "cell_viability_percent" not in control  # a field of intervention arms only
    assert book["lists"].sheet_state == "hidden"
    assert book["values"].data_validations.dataValidation  # drop-down lists of the choices
    data = read_extraction(path, form=FORM)
    assert [s.study for s in data.studies] == ["1", "2"]
    assert all(not s.values for s in data.studies)
    (tmp_path / "form.toml").unlink(missing_ok=True)
    assert write_template(tmp_path / "form.toml", form=FORM).read_text(encoding="utf-8").startswith("# Extraction form")


def test_a_date_field_reads_excel_dates(tmp_path: Path) -> None:
    from sysreview.extraction import FieldSpec, Form

    form = Form(name="dated", study_fields=(FieldSpec(name="searched", level="study", type="date"),))
    path = _workbook(
        tmp_path / "d.xlsx",
        {"studies": [["1", None, None]], "values": [["1", None, "searched", dt.datetime(2025, 12, 22), *[None] * 5]]},
    )
    assert read_extraction(path, form=form).study("1").value("searched") == dt.date(2025, 12, 22)


@pytest.mark.parametrize(
    ("sheets", "where", "message"),
    [
        ({"values": []}, "", "no studies sheet"),
        ({"studies": [["study", "colour"], ["1", "red"]]}, "sheet 'studies': row 1: column 'colour'", "unknown column"),
        ({"studies": [["label"], ["x"]]}, "sheet 'studies': row 1", "needs the column(s) study"),
        ({"studies": [["1", None, None], ["1", None, None]]}, "sheet 'studies': row 3", "listed twice (rows 2 and 3)"),
        (
            {"studies": [["1", None, None]], "values": [["2", None, "country", "Korea", *[None] * 5]]},
            "sheet 'values': row 2: column 'study'",
            "study 2 is not in the studies sheet",
        ),
        (
            {"studies": [["1", None, None]], "values": [["1", None, "country", None, "seed", *[None] * 4]]},
            "sheet 'values': row 2: column 'value'",
            "no value, but a provenance",
        ),
        (
            {"studies": [["1", None, None]], "values": [["1", "x", "country", "Korea", *[None] * 5]]},
            "sheet 'values': row 2: column 'arm'",
            "arm 'x' is not in the arms sheet",
        ),
        (
            {"studies": [["1", None, None]], "values": [["1", None, "country", "A", *[None] * 5]] * 2},
            "sheet 'values': row 3: column 'field'",
            "field 'country' is given twice",
        ),
        (
            {"studies": [["1", None, None]], "arms": [["1", "a", "placebo", *[None] * 6]]},
            "sheet 'arms': row 2: column 'role'",
            "role must be one of intervention, control",
        ),
        (
            {"studies": [["1", None, None]], "outcomes": [["1", "ecca", "a", None, "6 months", None, *[None] * 5]]},
            "sheet 'outcomes': row 2",
            "no statistics",
        ),
        (
            {"studies": [["1", None, None]], "outcomes": [["1", "ecca", "a", None, None, None, 3, *[None] * 4]]},
            "sheet 'outcomes': row 2: column 'timepoint'",
            "a timepoint is required",
        ),
        ({"studies": [["1", None, None]], "about": [["key", "value"], ["format", "other"]]}, "", "not extraction data"),
    ],
)
def test_structural_errors_name_file_sheet_row_and_column(
    tmp_path: Path, sheets: dict[str, list[list[object]]], where: str, message: str
) -> None:
    path = _workbook(tmp_path / "bad.xlsx", sheets)
    with pytest.raises(InputError) as caught:
        read_extraction(path, form=FORM)
    text = str(caught.value)
    assert text.startswith(f"{path}")
    assert where in text
    assert message in text


def test_csv_errors_name_the_file_and_row(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "studies.csv").write_text("study,label\n1,Suh\n", encoding="utf-8")
    (folder / "outcomes.csv").write_text(
        "study,outcome,arm,timepoint,basis,n\n1,ecca,svf,10 weeks,delta,14\n", encoding="utf-8"
    )
    (folder / "notes.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"outcomes.csv: row 2: .*basis must be one of final, change; got 'delta'"):
        read_extraction(folder, form=FORM)
    (folder / "outcomes.csv").write_text("study,outcome,arm,timepoint,n\n1,ecca,svf,10 weeks,14\n", encoding="utf-8")
    data = read_extraction(folder, form=FORM)
    assert data.study("1").outcomes == (
        OutcomeRecord(outcome="ecca", arm="svf", timepoint="10 weeks", stats={"n": 14}),
    )
    assert any("notes.csv: not an extraction table" in note for note in data.notes)


def test_paths_that_are_not_extraction_data(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        read_extraction(tmp_path / "absent.xlsx")
    (tmp_path / "x.csv").write_text("study\n1\n", encoding="utf-8")
    with pytest.raises(InputError, match="a folder of files"):
        read_extraction(tmp_path / "x.csv")
    (tmp_path / "broken.xlsx").write_text("not a zip", encoding="utf-8")
    with pytest.raises(InputError, match=r"cannot read as an \.xlsx workbook"):
        read_extraction(tmp_path / "broken.xlsx")
