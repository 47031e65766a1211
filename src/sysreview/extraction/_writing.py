"""Writing extraction data as a workbook or a folder of CSV files (the layout is described in ``_sheets``)."""

from __future__ import annotations

import csv
import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sysreview.errors import InputError
from sysreview.extraction._data import (
    FORMAT,
    FORMAT_VERSION,
    PROVENANCE_PARTS,
    ROLES,
    STATS,
    Arm,
    Extraction,
    Provenance,
    Study,
)
from sysreview.extraction._form import Form, default_form
from sysreview.extraction._sheets import COLUMNS, XLSX, XLSX_DIGITS, OutCell, resolution_kind
from sysreview.extraction._values import Missing, text_of

__all__ = ["write_extraction", "write_resolution_template", "write_template"]


@dataclass(slots=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    rows: list[list[OutCell]]


def _provenance_cells(provenance: Provenance) -> list[OutCell]:
    return [(getattr(provenance, part), "raw") for part in PROVENANCE_PARTS]


def _tables(data: Extraction, form: Form, *, empty_fields: bool = False) -> list[_Table]:
    """The sheets of ``data``; with ``empty_fields``, the values sheet lists every field of the form (a template)."""
    about = _Table("about", COLUMNS["about"], [])
    for key, value in (
        ("format", FORMAT),
        ("version", str(FORMAT_VERSION)),
        ("form", data.form),
        ("form_version", data.form_version),
        ("extractor", data.extractor),
    ):
        about.rows.append([(key, "raw"), (value, "raw")])
    studies = _Table("studies", COLUMNS["studies"], [])
    arms = _Table("arms", COLUMNS["arms"], [])
    values = _Table("values", COLUMNS["values"], [])
    outcomes = _Table("outcomes", COLUMNS["outcomes"], [])
    for study in data.studies:
        studies.rows.append([(study.study, "raw"), (study.label, "raw"), (study.note, "raw")])
        for name, datum in study.values.items():
            values.rows.append(
                [
                    (study.study, "raw"),
                    (None, "raw"),
                    (name, "raw"),
                    (datum.value, form.kind("study", name)),
                    *_provenance_cells(datum.provenance),
                ]
            )
        if empty_fields:
            for spec in form.study_fields:
                if spec.name not in study.values:
                    values.rows.append(
                        [
                            (study.study, "raw"),
                            (None, "raw"),
                            (spec.name, "raw"),
                            (None, spec.type),
                            *_provenance_cells(Provenance()),
                        ]
                    )
        for arm in study.arms:
            arms.rows.append(
                [
                    (study.study, "raw"),
                    (arm.arm, "raw"),
                    (arm.role, "raw"),
                    (arm.label, "raw"),
                    *_provenance_cells(arm.provenance),
                ]
            )
            for name, datum in arm.values.items():
                values.rows.append(
                    [
                        (study.study, "raw"),
                        (arm.arm, "raw"),
                        (name, "raw"),
                        (datum.value, form.kind("arm", name)),
                        *_provenance_cells(datum.provenance),
                    ]
                )
            if empty_fields:
                for spec in form.arm_fields:
                    if spec.name not in arm.values and arm.role in spec.applies_to:
                        values.rows.append(
                            [
                                (study.study, "raw"),
                                (arm.arm, "raw"),
                                (spec.name, "raw"),
                                (None, spec.type),
                                *_provenance_cells(Provenance()),
                            ]
                        )
        for record in study.outcomes:
            row: list[OutCell] = [
                (study.study, "raw"),
                (record.outcome, "raw"),
                (record.arm, "raw"),
                (record.comparator, "raw"),
                (record.timepoint, "raw"),
                (record.basis, "raw"),
            ]
            row += [(record.stats.get(name), stat.kind) for name, stat in STATS.items()]
            outcomes.rows.append([*row, *_provenance_cells(record.provenance)])
    resolutions = _Table("resolutions", COLUMNS["resolutions"], [])
    for resolution in data.resolutions:
        kind = resolution_kind(resolution.key, form)
        resolutions.rows.append(
            [
                (resolution.key, "raw"),
                (resolution.choice, "raw"),
                (resolution.first, kind),
                (resolution.second, kind),
                (resolution.value, kind),
                (resolution.by, "raw"),
                (resolution.reason, "raw"),
            ]
        )
    return [about, studies, arms, values, outcomes, resolutions]


def write_extraction(data: Extraction, path: str | Path, *, form: Form | None = None) -> Path:
    """Write ``data`` as JSON (``.json``), an .xlsx workbook (``.xlsx``) or a folder of CSV files (any other path).

    ``form`` gives the field types (default: the built-in form); reading the file back with the same form gives
    the same data. Returns the path written.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".json":
        target.write_text(data.to_json(), encoding="utf-8")
        return target
    form = form or default_form()
    tables = _tables(data, form)
    if suffix in XLSX:
        _write_xlsx(tables, form, target)
    elif suffix in {".csv", ".tsv"}:
        raise InputError("extraction data in CSV is a folder of files; give a folder name", file=str(path))
    else:
        _write_csv_folder(tables, target)
    return target


def write_template(
    path: str | Path,
    *,
    form: Form | None = None,
    studies: Sequence[str] = (),
    arms: Sequence[tuple[str, str]] = (("intervention", "intervention"), ("control", "control")),
    extractor: str | None = None,
) -> Path:
    """A blank extraction sheet for ``studies``: every field of the form listed per study and arm, values empty.

    ``arms`` are ``(id, role)`` pairs given to every study. Writes an .xlsx workbook, a folder of CSV files or,
    for ``.json``, the data with studies and arms only. A ``.toml`` path gets the form itself (to adapt).
    """
    target = Path(path)
    form = form or default_form()
    if target.suffix.lower() == ".toml":
        from sysreview.extraction._form import default_form_text  # noqa: PLC0415 -- only the template needs it

        text = Path(form.source).read_text(encoding="utf-8") if form.source and Path(form.source).is_file() else None
        target.write_text(text or default_form_text(), encoding="utf-8")
        return target
    data = Extraction(
        form=form.name,
        form_version=form.version,
        extractor=extractor,
        studies=tuple(
            Study(study=study, arms=tuple(Arm(arm=arm, role=role) for arm, role in arms)) for study in studies
        ),
    )
    if target.suffix.lower() == ".json":
        target.write_text(data.to_json(), encoding="utf-8")
        return target
    tables = _tables(data, form, empty_fields=True)
    if target.suffix.lower() in XLSX:
        _write_xlsx(tables, form, target)
    else:
        _write_csv_folder(tables, target)
    return target


# ---------------------------------------------------------------------- CSV
def _text_cell(cell: OutCell) -> str:
    value, kind = cell
    if value is None:
        return ""
    if kind == "raw":
        assert isinstance(value, str)
        return value
    return text_of(value, kind)


def _write_csv_folder(tables: Iterable[_Table], folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise InputError("exists and is not a folder", file=str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    for table in tables:
        # with a byte-order mark, so that spreadsheet programs read the file as UTF-8
        with (folder / f"{table.name}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(table.columns)
            for row in table.rows:
                writer.writerow([_text_cell(cell) for cell in row])


# ---------------------------------------------------------------------- xlsx
def _xlsx_number(value: Decimal) -> tuple[int | float, str] | None:
    """A decimal as an .xlsx number cell and number format, or None when a number cell cannot hold it exactly."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent > 0 or -exponent > XLSX_DIGITS or len(digits) > XLSX_DIGITS:
        return None
    if exponent == 0:
        return int(value), "General"
    return float(value), "0." + "0" * -exponent


def _write_xlsx(tables: Sequence[_Table], form: Form, path: Path) -> None:
    import openpyxl  # noqa: PLC0415 -- slow to import, and only workbooks need it
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415
    from openpyxl.worksheet.datavalidation import DataValidation  # noqa: PLC0415

    book = openpyxl.Workbook()
    book.remove(book.worksheets[0])
    bold = Font(bold=True)
    lists = _choice_lists(form)
    list_sheet = book.create_sheet("lists")
    list_ranges: dict[str, str] = {}
    for column, (name, choices) in enumerate(lists.items(), start=1):
        letter = get_column_letter(column)
        list_sheet.cell(row=1, column=column, value=name)
        for position, choice in enumerate(choices, start=2):
            cell = list_sheet.cell(row=position, column=column, value=choice)
            cell.data_type = "s"
        list_ranges[name] = f"lists!${letter}$2:${letter}${len(choices) + 1}"
    list_sheet.sheet_state = "hidden"

    for table in tables:
        sheet = book.create_sheet(table.name)
        for column, name in enumerate(table.columns, start=1):
            sheet.cell(row=1, column=column, value=name).font = bold
        widths = [len(name) for name in table.columns]
        validations: dict[str, Any] = {}
        for row_number, row in enumerate(table.rows, start=2):
            for column, out in enumerate(row, start=1):
                cell = sheet.cell(row=row_number, column=column)
                shown = _set_cell(cell, out)
                widths[column - 1] = max(widths[column - 1], min(len(shown), 40))
            choice_key = _validation_key(table, row)
            if choice_key is not None and choice_key in list_ranges:
                column = table.columns.index(_validated_column(table.name)) + 1
                validation = validations.get(choice_key)
                if validation is None:
                    validation = DataValidation(
                        type="list", formula1=f"={list_ranges[choice_key]}", allow_blank=True, errorStyle="warning"
                    )
                    validation.error = "Not one of the form's choices (NR: not reported, NA: not applicable)"
                    validations[choice_key] = validation
                    sheet.add_data_validation(validation)
                validation.add(f"{get_column_letter(column)}{row_number}")
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = max(8, width + 2)
        sheet.freeze_panes = "A2"
    _form_sheet(book, form, bold)
    book.move_sheet("lists", offset=len(book.sheetnames))
    try:
        book.save(path)
    except OSError as exc:
        raise InputError(f"cannot write the workbook: {exc}", file=str(path)) from None


def _set_cell(cell: Any, out: OutCell) -> str:
    """Put a value in an .xlsx cell; returns its text (for the column width)."""
    value, kind = out
    if value is None:
        return ""
    if kind == "raw":
        assert isinstance(value, str)
        cell.value = value
        cell.data_type = "s"
        return value
    if isinstance(value, bool):
        cell.value = value
        return "false" if not value else "true"
    if isinstance(value, Decimal):
        number = _xlsx_number(value)
        if number is not None:
            cell.value, cell.number_format = number
            return str(value)
    elif isinstance(value, _dt.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
        return value.isoformat()
    text = text_of(value, kind) if not isinstance(value, Missing) else value.value
    cell.value = text
    cell.data_type = "s"
    return text


def _choice_lists(form: Form) -> dict[str, tuple[str, ...]]:
    lists: dict[str, tuple[str, ...]] = {"role": ROLES, "basis": ("final", "change")}
    for spec in (*form.study_fields, *form.arm_fields):
        if spec.type == "choice":
            lists[f"{spec.level}.{spec.name}"] = (*spec.choices, "NR", "NA")
    return lists


def _validated_column(table: str) -> str:
    return {"arms": "role", "outcomes": "basis"}.get(table, "value")


def _validation_key(table: _Table, row: list[OutCell]) -> str | None:
    if table.name == "arms":
        return "role"
    if table.name == "outcomes":
        return "basis"
    if table.name == "values":
        arm = row[1][0]
        name = row[2][0]
        return f"{'study' if arm is None else 'arm'}.{name}"
    return None


def _form_sheet(book: Any, form: Form, bold: Any) -> None:
    sheet = book.create_sheet("form")
    header = ("level", "name", "type", "unit", "required", "choices", "minimum", "maximum", "help")
    for column, name in enumerate(header, start=1):
        sheet.cell(row=1, column=column, value=name).font = bold
    rows: list[tuple[object, ...]] = [
        (f"{form.name} {form.version or ''}".strip(), form.title or "", "", "", "", "", "", "", form.description or "")
    ]
    for spec in (*form.study_fields, *form.arm_fields):
        rows.append(
            (
                spec.level,
                spec.name,
                spec.type,
                spec.unit or "",
                "yes" if spec.required else "",
                "; ".join(spec.choices),
                "" if spec.minimum is None else str(spec.minimum),
                "" if spec.maximum is None else str(spec.maximum),
                spec.help or spec.label or "",
            )
        )
    for outcome in form.outcomes:
        rows.append(
            (
                "outcome",
                outcome.name,
                outcome.family,
                outcome.unit or "",
                "",
                "; ".join(outcome.timepoints),
                "" if outcome.minimum is None else str(outcome.minimum),
                "" if outcome.maximum is None else str(outcome.maximum),
                outcome.help or outcome.label or "",
            )
        )
    for stat in STATS.values():
        rows.append(("statistic", stat.name, stat.kind, "", "", "", "", "", f"{stat.help} ({stat.level})"))
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column, value=value)
            cell.data_type = "s"
    for letter, width in zip("ABCDEFGHI", (10, 24, 12, 12, 9, 40, 9, 9, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def write_resolution_template(conflicts: Iterable[Any], path: str | Path, *, form: Form | None = None) -> Path:
    """A resolutions sheet (.csv or .xlsx) listing ``conflicts`` (key, both values) with choice, by, reason to fill."""
    form = form or default_form()
    target = Path(path)
    table = _Table("resolutions", COLUMNS["resolutions"], [])
    for conflict in conflicts:
        kind = resolution_kind(conflict.key, form)
        table.rows.append(
            [
                (conflict.key, "raw"),
                (None, "raw"),
                (conflict.first, kind),
                (conflict.second, kind),
                (None, kind),
                (None, "raw"),
                (None, "raw"),
            ]
        )
    suffix = target.suffix.lower()
    if suffix in XLSX:
        _write_xlsx([table], form, target)
    elif suffix == ".csv":
        with target.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(table.columns)
            for row in table.rows:
                writer.writerow([_text_cell(cell) for cell in row])
    else:
        raise InputError("a resolutions template is a .csv or .xlsx file", file=str(path))
    return target
