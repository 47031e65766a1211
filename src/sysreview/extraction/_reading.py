"""Reading extraction data from a workbook or a folder of CSV files (the layout is described in ``_sheets``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
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
    Datum,
    Extraction,
    Location,
    OutcomeRecord,
    Provenance,
    Resolution,
    Study,
)
from sysreview.extraction._form import Form, default_form
from sysreview.extraction._sheets import (
    ABOUT_KEYS,
    COLUMNS,
    REFERENCE_SHEETS,
    REQUIRED,
    SHEETS,
    XLSX,
    ZEROS,
    RawCell,
    resolution_kind,
)
from sysreview.extraction._values import Value, decimals, parse_text

__all__ = ["read_extraction", "read_resolutions"]


@dataclass(slots=True)
class _Sheet:
    """The rows of one sheet or CSV file, with the spreadsheet row of each (header = row 1)."""

    name: str
    label: str  # "book.xlsx, sheet 'values'" or "folder/values.csv"
    file: str
    sheet: str | None
    columns: dict[str, int]  # canonical column name -> position
    rows: list[tuple[int, list[RawCell]]]

    def error(self, message: str, *, row: int | None = None, column: str | None = None) -> InputError:
        return InputError(message, file=self.label, row=row, column=column)

    def location(self, row: int, column: str | None = None) -> Location:
        return Location(file=self.file, sheet=self.sheet, row=row, column=column)

    def raw(self, cells: list[RawCell], column: str) -> RawCell:
        at = self.columns.get(column)
        return None if at is None or at >= len(cells) else cells[at]

    def text(self, cells: list[RawCell], column: str) -> str | None:
        return _raw_text(self.raw(cells, column))

    def value(self, cells: list[RawCell], column: str, kind: str | None, row: int) -> Value | None:
        try:
            return _cell_value(self.raw(cells, column), kind)
        except InputError as err:
            raise self.error(err.message, row=row, column=column) from None


def _raw_text(cell: RawCell) -> str | None:
    """A plain-text cell (ids, labels, provenance) as it is; numbers as written (``4``, not ``4.0``)."""
    if cell is None:
        return None
    if isinstance(cell, str):
        text = cell.replace("\r\n", "\n").replace("\r", "\n").strip()
        return text or None
    value, _ = cell
    if value is None:
        return None
    if isinstance(value, str):
        return _raw_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime) and value.time() == _dt.time(0):
        return value.date().isoformat()
    if isinstance(value, _dt.date | _dt.datetime | _dt.time):
        return value.isoformat()
    return str(value)


def _format_decimals(number_format: str) -> tuple[int, bool]:
    """Decimals of an .xlsx number format (``0.0`` → 1) and whether it shows a percentage."""
    section = number_format.split(";", 1)[0]
    match = ZEROS.search(section)
    return (len(match.group(1)) if match else 0), section.rstrip().endswith("%")


def _xlsx_decimal(value: int | float, number_format: str) -> Decimal:
    number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    places, percent = _format_decimals(number_format)
    if percent:
        number = (number * 100).normalize()
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent > 0:
            number = number.quantize(Decimal(1))
    if number_format != "General" and decimals(number) < places:
        number = number.quantize(Decimal(1).scaleb(-places))
    return number.copy_abs() if number.is_zero() else number


def _cell_value(cell: RawCell, kind: str | None) -> Value | None:
    """The value of a cell of a field of type ``kind`` (see :func:`~sysreview.extraction._values.parse_text`)."""
    if cell is None:
        return None
    if isinstance(cell, str):
        return parse_text(cell, kind)
    value, number_format = cell
    if value is None:
        return None
    if isinstance(value, str):
        return parse_text(value, kind)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number = _xlsx_decimal(value, number_format)
        return str(number) if kind in {"text", "choice", "multi-choice"} else number
    if isinstance(value, _dt.datetime):
        if value.time() != _dt.time(0):
            return value.isoformat(sep=" ")
        return value.date() if kind in {"date", None} else value.date().isoformat()
    if isinstance(value, _dt.date):
        return value if kind in {"date", None} else value.isoformat()
    return parse_text(str(value), kind)


def _canonical_column(name: str) -> str:
    return " ".join(name.split()).casefold()


def _sheet(name: str, label: str, file: str, sheet: str | None, rows: list[tuple[int, list[RawCell]]]) -> _Sheet:
    """A sheet from its rows (the first non-blank row is the header); checks the columns."""
    body = [(number, cells) for number, cells in rows if any(_raw_text(c) is not None for c in cells)]
    if not body:
        return _Sheet(name=name, label=label, file=file, sheet=sheet, columns={}, rows=[])
    header_row, header = body[0]
    known = COLUMNS[name]
    columns: dict[str, int] = {}
    for position, cell in enumerate(header):
        text = _raw_text(cell)
        if text is None:
            if any(position < len(cells) and _raw_text(cells[position]) is not None for _, cells in body[1:]):
                raise InputError(
                    f"column {position + 1} has values but no name in the header",
                    file=label,
                    row=header_row,
                )
            continue
        column = _canonical_column(text)
        if column not in known:
            raise InputError(
                f"unknown column '{text}'; the {name} sheet has columns: {', '.join(known)}",
                file=label,
                row=header_row,
                column=text,
            )
        if column in columns:
            raise InputError(f"column '{text}' appears twice", file=label, row=header_row, column=text)
        columns[column] = position
    missing = [c for c in REQUIRED[name] if c not in columns]
    if missing:
        raise InputError(
            f"the {name} sheet needs the column(s) {', '.join(missing)}; it has: {', '.join(columns) or 'none'}",
            file=label,
            row=header_row,
        )
    return _Sheet(name=name, label=label, file=file, sheet=sheet, columns=columns, rows=body[1:])


def _read_xlsx(path: Path, source: str) -> tuple[dict[str, _Sheet], list[str]]:
    import zipfile  # noqa: PLC0415 -- only for the error a broken workbook raises

    import openpyxl  # noqa: PLC0415 -- slow to import, and only workbooks need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"cannot read as an .xlsx workbook: {exc}", file=source) from None
    sheets: dict[str, _Sheet] = {}
    notes: list[str] = []
    try:
        for title in book.sheetnames:
            name = _canonical_column(title)
            if name in REFERENCE_SHEETS:
                continue
            if name not in COLUMNS:
                notes.append(f"{source}: sheet '{title}' is not extraction data and was not read")
                continue
            if name in sheets:
                raise InputError(f"two sheets are named '{name}' (letter case aside)", file=source)
            rows: list[tuple[int, list[RawCell]]] = []
            for number, row in enumerate(book[title].iter_rows(), start=1):
                rows.append(
                    (number, [(cell.value, getattr(cell, "number_format", "General") or "General") for cell in row])
                )
            sheets[name] = _sheet(name, f"{source}, sheet '{title}'", source, title, rows)
    finally:
        book.close()
    return sheets, notes


def _read_csv_folder(path: Path) -> tuple[dict[str, _Sheet], list[str]]:
    from sysreview.tabular import read_table  # noqa: PLC0415 -- the tabular reader pulls in numpy

    sheets: dict[str, _Sheet] = {}
    notes: list[str] = []
    for file in sorted(path.iterdir()):
        if file.suffix.lower() not in {".csv", ".tsv"}:
            continue
        name = _canonical_column(file.stem)
        if name not in COLUMNS:
            notes.append(f"{file}: not an extraction table ({', '.join(SHEETS)}); not read")
            continue
        if name in sheets:
            raise InputError(f"two files hold the {name} table", file=str(file))
        table = read_table(file)
        notes.extend(table.notes)
        header: list[RawCell] = list(table.columns)
        rows: list[tuple[int, list[RawCell]]] = [(1, header)]
        for i, number in enumerate(table.row_numbers):
            cells: list[RawCell] = []
            for column in table.columns:
                cell = table.data[column][i]
                cells.append(None if cell is None else str(cell))
            rows.append((number, cells))
        sheets[name] = _sheet(name, str(file), str(file), None, rows)
    return sheets, notes


def read_extraction(path: str | Path, *, form: Form | None = None) -> Extraction:
    """Read extraction data: a JSON file, an .xlsx workbook or a folder of CSV files.

    ``form`` gives the types the spreadsheets' values are read as (default: the built-in form). Structural
    errors raise :class:`~sysreview.errors.InputError` naming the file, sheet, row and column; values that do not
    read as their field's type are kept as text, for :func:`~sysreview.extraction.validate` to report.
    """
    source = str(path)
    file = Path(path)
    if not file.exists():
        raise InputError("no such file or folder", file=source)
    if file.is_file() and file.suffix.lower() == ".json":
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the file: {exc}", file=source) from None
        return Extraction.from_json(text, source=source)
    form = form or default_form()
    if file.is_dir():
        sheets, notes = _read_csv_folder(file)
    elif file.suffix.lower() in XLSX:
        sheets, notes = _read_xlsx(file, source)
    elif file.suffix.lower() in {".csv", ".tsv"}:
        raise InputError(
            "extraction data in CSV is a folder of files (studies.csv, arms.csv, values.csv, outcomes.csv); "
            "give the folder",
            file=source,
        )
    else:
        raise InputError("extraction data is a .json file, an .xlsx workbook or a folder of CSV files", file=source)
    if "studies" not in sheets:
        where = "sheet" if file.suffix.lower() in XLSX else "file studies.csv"
        raise InputError(f"no studies {where}: extraction data lists its studies there", file=source)
    return _assemble(sheets, form, source, notes)


def _assemble(sheets: Mapping[str, _Sheet], form: Form, source: str, notes: list[str]) -> Extraction:
    about = _read_about(sheets.get("about"))
    studies: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    first_rows: dict[str, int] = {}
    sheet = sheets["studies"]
    for number, cells in sheet.rows:
        study = _id(sheet, cells, "study", number)
        if study in studies:
            raise sheet.error(f"study {study} is listed twice (rows {first_rows[study]} and {number})", row=number)
        first_rows[study] = number
        order.append(study)
        studies[study] = {
            "label": sheet.text(cells, "label"),
            "note": sheet.text(cells, "note"),
            "values": {},
            "arms": {},
            "outcomes": [],
            "origin": sheet.location(number),
        }

    def owner(sheet: _Sheet, cells: list[RawCell], number: int) -> dict[str, Any]:
        study = _id(sheet, cells, "study", number)
        if study not in studies:
            raise sheet.error(f"study {study} is not in the studies sheet", row=number, column="study")
        return studies[study]

    if "arms" in sheets:
        sheet = sheets["arms"]
        for number, cells in sheet.rows:
            entry = owner(sheet, cells, number)
            arm = _id(sheet, cells, "arm", number)
            if arm in entry["arms"]:
                raise sheet.error(f"arm '{arm}' is listed twice for this study", row=number, column="arm")
            role = sheet.text(cells, "role")
            if role not in ROLES:
                raise sheet.error(f"role must be one of {', '.join(ROLES)}; got {role!r}", row=number, column="role")
            entry["arms"][arm] = {
                "role": role,
                "label": sheet.text(cells, "label"),
                "provenance": _provenance(sheet, cells),
                "values": {},
                "origin": sheet.location(number),
            }

    skipped = 0
    if "values" in sheets:
        sheet = sheets["values"]
        for number, cells in sheet.rows:
            entry = owner(sheet, cells, number)
            arm_id = sheet.text(cells, "arm")
            name = _id(sheet, cells, "field", number)
            level = "study" if arm_id is None else "arm"
            value = sheet.value(cells, "value", form.kind(level, name), number)
            provenance = _provenance(sheet, cells)
            if value is None:
                if not provenance.empty:
                    raise sheet.error(
                        "no value, but a provenance; write the value, or NR if the source does not report it",
                        row=number,
                        column="value",
                    )
                skipped += 1
                continue
            if arm_id is None:
                target = entry["values"]
            else:
                if arm_id not in entry["arms"]:
                    message = f"arm '{arm_id}' is not in the arms sheet for this study"
                    raise sheet.error(message, row=number, column="arm")
                target = entry["arms"][arm_id]["values"]
            if name in target:
                raise sheet.error(f"field '{name}' is given twice for this {level}", row=number, column="field")
            target[name] = Datum(value=value, provenance=provenance, origin=sheet.location(number, "value"))
    if skipped:
        notes.append(f"{source}: {skipped} field(s) of the values sheet left empty (not extracted yet)")

    if "outcomes" in sheets:
        sheet = sheets["outcomes"]
        for number, cells in sheet.rows:
            entry = owner(sheet, cells, number)
            stats = {}
            for name in STATS:
                value = sheet.value(cells, name, STATS[name].kind, number)
                if value is not None:
                    stats[name] = value
            outcome = _id(sheet, cells, "outcome", number)
            arm_id = _id(sheet, cells, "arm", number)
            timepoint = _id(sheet, cells, "timepoint", number)
            try:
                record = OutcomeRecord(
                    outcome=outcome,
                    arm=arm_id,
                    comparator=sheet.text(cells, "comparator"),
                    timepoint=timepoint,
                    basis=sheet.text(cells, "basis") or "final",
                    stats=stats,
                    provenance=_provenance(sheet, cells),
                    origin=sheet.location(number),
                )
            except InputError as err:
                raise sheet.error(err.message, row=number) from None
            entry["outcomes"].append(record)

    built: list[Study] = []
    for study in order:
        entry = studies[study]
        try:
            built.append(
                Study(
                    study=study,
                    label=entry["label"],
                    note=entry["note"],
                    values=entry["values"],
                    arms=tuple(
                        Arm(
                            arm=arm,
                            role=item["role"],
                            label=item["label"],
                            values=item["values"],
                            provenance=item["provenance"],
                            origin=item["origin"],
                        )
                        for arm, item in entry["arms"].items()
                    ),
                    outcomes=tuple(entry["outcomes"]),
                    origin=entry["origin"],
                )
            )
        except InputError as err:
            located = entry["origin"]
            raise InputError(err.message, file=sheets["studies"].label, row=located.row) from None
    resolutions = _read_resolutions(sheets.get("resolutions"), form)
    return Extraction(
        form=about.get("form"),
        form_version=about.get("form_version"),
        extractor=about.get("extractor"),
        studies=tuple(built),
        resolutions=resolutions,
        notes=tuple(notes),
        source=source,
    )


def _id(sheet: _Sheet, cells: list[RawCell], column: str, number: int) -> str:
    text = sheet.text(cells, column)
    if text is None:
        raise sheet.error(f"empty cell; a {column} is required", row=number, column=column)
    bad = [c for c in ("/", "#", "\n", "\t") if c in text]
    if bad:
        raise sheet.error(f"{text!r} contains {bad[0]!r}, which names cannot hold", row=number, column=column)
    return text


def _provenance(sheet: _Sheet, cells: list[RawCell]) -> Provenance:
    return Provenance(**{part: sheet.text(cells, part) for part in PROVENANCE_PARTS})


def _read_about(sheet: _Sheet | None) -> dict[str, str]:
    about: dict[str, str] = {}
    if sheet is None:
        return about
    for number, cells in sheet.rows:
        key = _id(sheet, cells, "key", number)
        if key not in ABOUT_KEYS:
            raise sheet.error(f"unknown key '{key}' (known: {', '.join(ABOUT_KEYS)})", row=number, column="key")
        if key in about:
            raise sheet.error(f"key '{key}' is given twice", row=number, column="key")
        value = sheet.text(cells, "value")
        if value is not None:
            about[key] = value
    if about.get("format", FORMAT) != FORMAT:
        raise sheet.error(f"not extraction data: format is {about['format']!r}, expected {FORMAT!r}")
    if about.get("version", str(FORMAT_VERSION)) != str(FORMAT_VERSION):
        raise sheet.error(f"extraction format version {about['version']} is not supported (this is {FORMAT_VERSION})")
    return about


def _read_resolutions(sheet: _Sheet | None, form: Form, *, skip_blank: bool = False) -> tuple[Resolution, ...]:
    if sheet is None:
        return ()
    out: list[Resolution] = []
    for number, cells in sheet.rows:
        key = _id_with_slashes(sheet, cells, number)
        if skip_blank and all(sheet.text(cells, c) is None for c in ("choice", "value", "by", "reason")):
            continue  # a row of a resolutions template that nobody filled in: the conflict stays unresolved
        kind = resolution_kind(key, form)
        try:
            out.append(
                Resolution(
                    key=key,
                    choice=sheet.text(cells, "choice") or "",
                    first=sheet.value(cells, "first", kind, number),
                    second=sheet.value(cells, "second", kind, number),
                    value=sheet.value(cells, "value", kind, number),
                    by=sheet.text(cells, "by") or "",
                    reason=sheet.text(cells, "reason") or "",
                )
            )
        except InputError as err:
            raise sheet.error(err.message, row=number) from None
    return tuple(out)


def _id_with_slashes(sheet: _Sheet, cells: list[RawCell], number: int) -> str:
    text = sheet.text(cells, "key")
    if text is None:
        raise sheet.error("empty cell; the key of the item is required", row=number, column="key")
    return text


def read_resolutions(path: str | Path, *, form: Form | None = None) -> tuple[Resolution, ...]:
    """Read resolutions of conflicts: a JSON list, a CSV file or the ``resolutions`` sheet of a workbook.

    Columns (keys): ``key``, ``choice`` (first, second or value), ``value`` (for ``value``), ``by``, ``reason``;
    ``first`` and ``second`` are optional (when given, they must match the data being resolved). Rows of a
    template left blank (no choice, value, by or reason) are skipped: their conflicts stay unresolved.
    """
    source = str(path)
    file = Path(path)
    if not file.is_file():
        raise InputError("no such file", file=source)
    form = form or default_form()
    suffix = file.suffix.lower()
    if suffix == ".json":
        from sysreview.extraction import _json  # noqa: PLC0415 -- the JSON reader is needed here only

        data = _json.loads(file.read_text(encoding="utf-8-sig"), source=source)
        if isinstance(data, Mapping) and "resolutions" in data:
            data = data["resolutions"]
        if not isinstance(data, list):
            raise InputError("expected a list of resolutions (or an object with 'resolutions')", file=source)
        try:
            return tuple(Resolution.from_dict(item, f"resolutions[{i}]") for i, item in enumerate(data))
        except InputError as err:
            raise err.located(file=source) from None
    if suffix in XLSX:
        sheets, _ = _read_xlsx(file, source)
        sheet = sheets.get("resolutions")
        if sheet is None:
            raise InputError("no resolutions sheet", file=source)
    elif suffix in {".csv", ".tsv"}:
        from sysreview.tabular import read_table  # noqa: PLC0415 -- the tabular reader pulls in numpy

        table = read_table(file)
        rows: list[tuple[int, list[RawCell]]] = [(1, list(table.columns))]
        for i, number in enumerate(table.row_numbers):
            rows.append((number, [None if table.data[c][i] is None else str(table.data[c][i]) for c in table.columns]))
        sheet = _sheet("resolutions", source, source, None, rows)
    else:
        raise InputError("resolutions are a .json, .csv or .xlsx file", file=source)
    return _read_resolutions(sheet, form, skip_blank=True)
