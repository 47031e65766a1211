"""Study-level tables from CSV, TSV and XLSX files, with errors that name the file, row and column.

Row numbers are the ones a user sees in a spreadsheet: the header is row 1 and the first data row is row 2,
which is also the line number in a CSV file whose cells contain no line breaks. Blank lines count, as they
do when the file is opened in a spreadsheet program; blank rows carry no study and are not data rows.

Every column of the file is kept. A *column mapping* lets a user name their own columns for the names the
library uses (metafor's: ``yi``, ``vi``, ``ai``, ``n1i`` …), e.g. ``{"yi": "effect", "vi": "variance"}``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sysreview._typing import FloatArray
from sysreview.errors import InputError

__all__ = ["MISSING_TOKENS", "Cell", "Table", "moderator_matrix", "read_table"]

#: a cell as read: text from CSV/TSV, text or a number (or date, boolean) from XLSX, None when empty
Cell = str | float | int | bool | _dt.datetime | _dt.date | _dt.time | _dt.timedelta | None

#: cell texts that mean "no value" (compared case-insensitively after stripping blanks)
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "nr", "."})

_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# typographic signs that spreadsheets and PDFs put where a plain minus/plus belongs
_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-", "\uff0b": "+"})
_TEXT_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_SNIFF_DELIMITERS = ",\t;|"


@dataclass(frozen=True, slots=True)
class Table:
    """The rows of one sheet or text file, with where each row came from.

    ``source`` is the file as the user named it; ``row_numbers[i]`` is the spreadsheet row of data row ``i``
    (header = row 1). ``mapping`` maps the names the library asks for to the file's columns.
    """

    source: str
    columns: tuple[str, ...]
    row_numbers: tuple[int, ...]
    data: Mapping[str, tuple[Cell, ...]]
    mapping: Mapping[str, str] = field(default_factory=dict)
    sheet: str | None = None
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.row_numbers)

    # ------------------------------------------------------------------ columns
    def resolve(self, name: str) -> str | None:
        """The file column for ``name``: the mapped one, the same name, or a unique case-insensitive match."""
        if name in self.mapping:
            return self.mapping[name]
        if name in self.data:
            return name
        return _match_ci(name, self.columns)

    def has(self, name: str) -> bool:
        """Whether the file provides column ``name`` (after the mapping)."""
        return self.resolve(name) is not None

    def column(self, name: str) -> str:
        """The file column for ``name``; InputError listing the file's columns when there is none."""
        found = self.resolve(name)
        if found is None:
            raise InputError(
                f"missing column '{name}'; the file has columns: {_listing(self.columns)}", file=self.source
            )
        return found

    def require(self, names: Iterable[str], *, purpose: str) -> None:
        """One InputError naming the columns of ``names`` the file lacks, what needs them, what it has."""
        names = list(names)
        if any(not self.has(n) for n in names):
            raise self.missing_columns(names, purpose=purpose)

    def missing_columns(self, names: Iterable[str], *, purpose: str, alternative: str = "") -> InputError:
        """The error for columns ``names`` that ``purpose`` needs: which are missing, which the file has."""
        names = list(names)
        missing = [n for n in names if not self.has(n)]
        also = f" ({alternative})" if alternative else ""
        return InputError(
            f"{purpose} needs columns {', '.join(names)}{also}; missing {', '.join(missing) or '(none)'}; "
            f"the file has columns: {_listing(self.columns)}",
            file=self.source,
        )

    def first_of(self, names: Sequence[str]) -> str | None:
        """The first name of ``names`` the file provides (for label columns such as study/author/slab)."""
        for name in names:
            if self.has(name):
                return name
        return None

    def cells(self, name: str) -> tuple[Cell, ...]:
        """The raw cells of column ``name`` (after the mapping)."""
        return self.data[self.column(name)]

    def missing(self, name: str) -> list[bool]:
        """Per data row: whether the cell of ``name`` is empty (or a 'no value' token such as NA)."""
        return [is_missing(cell) for cell in self.cells(name)]

    # ------------------------------------------------------------------ values
    def numeric(
        self,
        name: str,
        *,
        required: bool = True,
        minimum: float | None = None,
        maximum: float | None = None,
        exclusive: bool = False,
        integer: bool = False,
        what: str = "value",
    ) -> FloatArray:
        """Column ``name`` as floats (NaN for empty cells when not ``required``).

        Raises InputError naming file, row and column for a cell that is not a number, an empty cell when
        ``required``, a value below ``minimum`` / above ``maximum`` (strictly when ``exclusive``), or a
        non-whole number when ``integer``. ``what`` names the quantity in messages ("variance", "count").
        """
        column = self.column(name)
        out = np.empty(len(self), dtype=np.float64)
        for i, cell in enumerate(self.data[column]):
            value = self._number(cell, i, name)
            if value is None:
                if required:
                    raise self.error(f"empty cell; a {what} is required", index=i, name=name)
                out[i] = math.nan
                continue
            if minimum is not None and (value < minimum or (exclusive and value == minimum)):
                bound = "greater than" if exclusive else "at least"
                raise self.error(
                    f"{_negative(what, value, minimum)} {_fmt(value)}; must be {bound} {_fmt(minimum)}",
                    index=i,
                    name=name,
                )
            if maximum is not None and (value > maximum or (exclusive and value == maximum)):
                bound = "less than" if exclusive else "at most"
                raise self.error(f"{what} {_fmt(value)}; must be {bound} {_fmt(maximum)}", index=i, name=name)
            if integer and value != math.floor(value):
                raise self.error(f"{what} {_fmt(value)} is not a whole number", index=i, name=name)
            out[i] = value
        return out

    def is_numeric(self, name: str) -> bool:
        """Whether every non-empty cell of ``name`` is a number (an all-empty column is not numeric)."""
        seen = False
        for cell in self.cells(name):
            if is_missing(cell):
                continue
            if _as_number(cell) is None:
                return False
            seen = True
        return seen

    def text(self, name: str, *, required: bool = False) -> list[str | None]:
        """Column ``name`` as text (an XLSX number as written: ``14``, not ``14.0``); None for empty cells."""
        out: list[str | None] = []
        for i, cell in enumerate(self.cells(name)):
            if is_missing(cell):
                if required:
                    raise self.error("empty cell; a value is required", index=i, name=name)
                out.append(None)
            else:
                out.append(_as_text(cell))
        return out

    # ------------------------------------------------------------------ rows
    def take(self, indices: Sequence[int]) -> Table:
        """A table of the given data rows (row numbers follow them, so errors still point into the file)."""
        return Table(
            source=self.source,
            columns=self.columns,
            row_numbers=tuple(self.row_numbers[i] for i in indices),
            data={c: tuple(v[i] for i in indices) for c, v in self.data.items()},
            mapping=self.mapping,
            sheet=self.sheet,
            notes=self.notes,
        )

    def error(self, message: str, *, index: int | None = None, name: str | None = None) -> InputError:
        """An InputError located at data row ``index`` (0-based) and column ``name`` of this table.

        The column is named as in the file; when the user mapped it, the message says to what
        (``column 'variance': negative variance -1 (used as 'vi')``).
        """
        row = None if index is None else self.row_numbers[index]
        column = None if name is None else self.resolve(name) or name
        if name is not None and column != name:
            message = f"{message} (used as '{name}')"
        return InputError(message, file=self.source, row=row, column=column)

    def locate(self, err: InputError) -> InputError:
        """Fill in file, row and column of an error raised on this table's data by the library.

        The library numbers studies 1..k in the order given; that position is mapped to the spreadsheet row.
        """
        if err.file is not None:
            return err
        index = err.row - 1 if err.row is not None and 1 <= err.row <= len(self) else None
        located = self.error(err.message, index=index, name=err.column)
        if err.row is not None and index is None:
            return InputError(located.message, file=located.file, row=err.row, column=located.column)
        return located

    def _number(self, cell: Cell, index: int, name: str) -> float | None:
        if is_missing(cell):
            return None
        value = _as_number(cell)
        if value is None:
            hint = ""
            if isinstance(cell, str) and _DECIMAL_COMMA.fullmatch(cell.strip().translate(_SIGNS)):
                hint = " (a decimal comma? write 0.5, not 0,5)"
            raise self.error(f"not a number: {_shown(cell)}{hint}", index=index, name=name)
        if not math.isfinite(value):
            raise self.error(f"not a finite number: {_shown(cell)}", index=index, name=name)
        return value


# ---------------------------------------------------------------------- reading
def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> Table:
    """Read a CSV, TSV or XLSX file into a :class:`Table`, keeping every column.

    The format follows the suffix: ``.csv`` (comma; semicolon when the header has semicolons and no comma, as
    spreadsheet programs write in some locales), ``.tsv``/``.tab`` (tab), ``.xlsx``/``.xlsm`` (first sheet
    unless ``sheet`` names one or gives its 1-based number); any other suffix (``.txt``) is sniffed among
    comma, tab, semicolon and bar. Text is read as UTF-8 (with or without byte-order mark), falling back to
    Windows-1252/Latin-1 with a note. ``columns`` maps names the library asks for to the file's columns
    (``{"yi": "effect"}``); each mapped column must exist.
    """
    source = str(path)
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", file=source)
    if path.is_dir():
        raise InputError("is a directory, not a data file", file=source)
    suffix = path.suffix.lower()
    notes: list[str] = []
    sheet_name: str | None = None
    if suffix in _XLSX_SUFFIXES:
        rows, sheet_name = _xlsx_rows(path, source, sheet)
    elif suffix == ".xls":
        raise InputError("the old Excel .xls format is not supported; save the sheet as .xlsx or CSV", file=source)
    elif suffix in {".ods", ".numbers"}:
        raise InputError(f"{suffix} files are not supported; save the sheet as .xlsx or CSV", file=source)
    else:
        if sheet is not None:
            raise InputError("a sheet can only be chosen in an .xlsx file", file=source)
        rows = _text_rows(path, source, suffix, notes)
    header_row, names, body = _split_header(rows, source, notes)
    table_columns, data, row_numbers = _assemble(header_row, names, body, source)
    mapping = _check_mapping(columns or {}, table_columns, source)
    return Table(
        source=source,
        columns=table_columns,
        row_numbers=row_numbers,
        data=data,
        mapping=mapping,
        sheet=sheet_name,
        notes=tuple(notes),
    )


def _text_rows(path: Path, source: str, suffix: str, notes: list[str]) -> list[list[Cell]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=source) from None
    if b"\x00" in raw[:4096]:
        raise InputError(
            "looks like a binary file, not CSV/TSV text (UTF-16 text, or a spreadsheet saved under a text suffix?)",
            file=source,
        )
    text = _decode(raw, source, notes)
    if not text.strip():
        raise InputError("the file is empty", file=source)
    delimiter = _TEXT_SUFFIXES.get(suffix)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if delimiter == "," and "," not in first_line and ";" in first_line:
        delimiter = ";"
        notes.append(f"{source}: the header has semicolons and no commas; read with ';' as the delimiter")
    if delimiter is None:
        delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[Cell]] = []
    try:
        for record in reader:
            rows.append([cell.strip() for cell in record])
    except csv.Error as exc:
        # the row that could not be read is the one after the last complete row (e.g. where a quote opened)
        where = f" (line {reader.line_num} of the file)" if reader.line_num != len(rows) + 1 else ""
        raise InputError(f"malformed {_kind(delimiter)} text{where}: {exc}", file=source, row=len(rows) + 1) from None
    return rows


def _decode(raw: bytes, source: str, notes: list[str]) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = exc.start
    line = raw.count(b"\n", 0, bad) + 1
    try:
        text = raw.decode("cp1252")
        encoding = "Windows-1252 (Latin-1)"
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
        encoding = "Latin-1"
    notes.append(f"{source}: not valid UTF-8 (first bad byte on line {line}); read as {encoding}")
    return text


def _sniff(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_SNIFF_DELIMITERS).delimiter
    except csv.Error:
        pass
    # the delimiter that splits the header the most (a one-column file falls back to the comma)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first_line.count(d) for d in _SNIFF_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _kind(delimiter: str) -> str:
    return {",": "CSV", "\t": "TSV", ";": "CSV"}.get(delimiter, "delimited")


def _xlsx_rows(path: Path, source: str, sheet: str | None) -> tuple[list[list[Cell]], str]:
    import openpyxl  # noqa: PLC0415 (lazy: only .xlsx files need it, and it is slow to import)

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"cannot read as an .xlsx workbook: {exc}", file=source) from None
    try:
        names = list(book.sheetnames)
        if sheet is None:
            chosen = names[0]
        elif sheet in names:
            chosen = sheet
        elif sheet.isdigit() and 1 <= int(sheet) <= len(names):
            chosen = names[int(sheet) - 1]
        else:
            raise InputError(f"no sheet '{sheet}'; the workbook has sheets: {_listing(names)}", file=source)
        worksheet = book[chosen]
        rows = [list(values) for values in worksheet.iter_rows(min_row=1, min_col=1, values_only=True)]
    finally:
        book.close()
    return [[_xlsx_cell(v) for v in row] for row in rows], chosen


def _xlsx_cell(value: object) -> Cell:
    if isinstance(value, str):
        return value.strip()
    if value is None or isinstance(value, bool | int | float | _dt.datetime | _dt.date | _dt.time | _dt.timedelta):
        return value
    return str(value)


def _split_header(
    rows: list[list[Cell]], source: str, notes: list[str]
) -> tuple[int, list[str], Iterator[tuple[int, list[Cell]]]]:
    numbered = ((i, row) for i, row in enumerate(rows, start=1) if not all(is_blank(c) for c in row))
    try:
        header_row, header = next(numbered)
    except StopIteration:
        raise InputError("the file is empty", file=source) from None
    if header_row > 1:
        notes.append(f"{source}: the header is on row {header_row} (rows above it are empty)")
    return header_row, [_as_text(c) if not is_blank(c) else "" for c in header], numbered


def _assemble(
    header_row: int,
    header: list[str],
    body: Iterator[tuple[int, list[Cell]]],
    source: str,
) -> tuple[tuple[str, ...], dict[str, tuple[Cell, ...]], tuple[int, ...]]:
    records = list(body)
    width = len(header)
    for number, record in records:
        extra = [c for c in record[width:] if not is_blank(c)]
        if extra:
            raise InputError(
                f"{len(record)} cells but the header (row {header_row}) names {width} columns; "
                f"extra value {_shown(extra[0])}",
                file=source,
                row=number,
            )
    # columns without a header name are kept when they hold data (named by position), dropped when empty
    names: list[str] = []
    positions: list[int] = []
    seen: dict[str, int] = {}
    for j, name in enumerate(header):
        if not name:
            if all(j >= len(rec) or is_blank(rec[j]) for _, rec in records):
                continue
            name = f"column{j + 1}"  # noqa: PLW2901 (an unnamed column is named by its position)
        if name in seen:
            raise InputError(
                f"duplicate column name '{name}' (columns {seen[name] + 1} and {j + 1} of the header)",
                file=source,
                row=header_row,
            )
        seen[name] = j
        names.append(name)
        positions.append(j)
    data = {
        name: tuple(rec[j] if j < len(rec) and not is_blank(rec[j]) else None for _, rec in records)
        for name, j in zip(names, positions, strict=True)
    }
    return tuple(names), data, tuple(number for number, _ in records)


def _check_mapping(mapping: Mapping[str, str], columns: tuple[str, ...], source: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, column in mapping.items():
        found = column if column in columns else _match_ci(column, columns)
        if found is None:
            raise InputError(
                f"column mapping {name}={column}: no column '{column}'; the file has columns: {_listing(columns)}",
                file=source,
            )
        out[name] = found
    return out


# ---------------------------------------------------------------------- moderators
def moderator_matrix(table: Table, names: Sequence[str]) -> tuple[FloatArray, list[str]]:
    """The moderator (design) matrix without intercept for columns ``names``, and its column names.

    Numeric columns enter as they are. Text columns, and ``factor(col)`` for a numeric column, are factors:
    one 0/1 column per level except the first in sorted order (the reference), named column + level as in
    metafor (``alloc`` with levels alternate/random/systematic gives ``allocrandom``, ``allocsystematic``).
    Every study needs a value: an empty cell is an InputError naming its row and column.
    """
    blocks: list[FloatArray] = []
    labels: list[str] = []
    for spec in names:
        match = re.fullmatch(r"\s*factor\((.+)\)\s*", spec)
        name = match.group(1).strip() if match else spec.strip()
        table.column(name)  # missing column: error listing the file's columns
        if match is None and table.is_numeric(name):
            blocks.append(table.numeric(name, what="moderator value").reshape(-1, 1))
            labels.append(name)
            continue
        values = table.text(name, required=True)
        from sysreview.models import factor_levels  # noqa: PLC0415 - the statistics core loads on demand

        levels = factor_levels([v for v in values if v is not None])
        if len(levels) < 2:
            raise table.error(
                f"a factor moderator needs at least two levels; all studies have '{levels[0]}'", name=name
            )
        prefix = spec.strip() if match else name
        for level in levels[1:]:
            blocks.append(np.array([1.0 if v == level else 0.0 for v in values]).reshape(-1, 1))
            labels.append(f"{prefix}{level}")
    if not blocks:
        return np.empty((len(table), 0)), labels
    return np.hstack(blocks), labels


# ---------------------------------------------------------------------- cells
def is_blank(cell: Cell) -> bool:
    """Whether a cell is truly empty (no text at all)."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def is_missing(cell: Cell) -> bool:
    """Whether a cell holds no value: empty, or a token such as NA, NaN, NR (see :data:`MISSING_TOKENS`)."""
    if cell is None:
        return True
    if isinstance(cell, str):
        return cell.strip().lower() in MISSING_TOKENS
    return isinstance(cell, float) and math.isnan(cell)


def _as_number(cell: Cell) -> float | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        return float(cell)
    if isinstance(cell, str):
        text = cell.strip().translate(_SIGNS)
        if _NUMBER.fullmatch(text):
            return float(text)
        if text.lower() in {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}:
            return float(text)
    return None


def _as_text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, _dt.datetime) and cell.time() == _dt.time():
        return cell.date().isoformat()
    if isinstance(cell, _dt.date | _dt.time):
        return cell.isoformat()
    return str(cell).strip()


def _shown(cell: Cell) -> str:
    text = _as_text(cell)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _fmt(value: float) -> str:
    return f"{value:g}"


def _negative(what: str, value: float, minimum: float) -> str:
    return f"negative {what}" if value < 0 <= minimum else what


def _listing(columns: Sequence[str]) -> str:
    return ", ".join(columns) if columns else "(none)"


def _match_ci(name: str, columns: Sequence[str]) -> str | None:
    key = name.strip().casefold()
    hits = [c for c in columns if c.strip().casefold() == key]
    return hits[0] if len(hits) == 1 else None
