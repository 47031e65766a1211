"""What the command modules share: reading a study table, parsing options, reporting errors, printing results.

Bad input ends a command with one line on stderr, ``error: FILE: row N: column 'C': what is wrong``, and exit
code 2 (rows are spreadsheet rows: the header is row 1). Options are parsed here, not by typer's converters, so
that every error takes that one form. Heavy imports (numpy, the statistics core, the table reader) happen
inside the functions, so that importing this module keeps ``sysreview --help`` fast.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from sysreview.errors import InputError, SysreviewError

if TYPE_CHECKING:
    from sysreview._typing import FloatArray
    from sysreview.effects import EffectSizes, Measure
    from sysreview.models import Control, MetaResult
    from sysreview.tabular import Table

__all__ = [
    "COLUMN_RULES",
    "EXIT_FAILURE",
    "EXIT_INPUT",
    "FORMATS",
    "LABEL_COLUMNS",
    "METHOD_CODES",
    "TEST_CODES",
    "WEIGHTED_METHODS",
    "ColOpt",
    "DataArg",
    "FormatOpt",
    "SheetOpt",
    "Studies",
    "TestOpt",
    "check_weights",
    "choose",
    "column_mapping",
    "echo_notes",
    "fail",
    "finite_or_none",
    "format_number",
    "measure_codes",
    "measure_info",
    "measure_layout",
    "numeric_columns",
    "omission_notes",
    "omitted_rows",
    "other_layouts",
    "parse_format",
    "parse_level",
    "parse_measure",
    "parse_method",
    "parse_number",
    "parse_test",
    "plain",
    "pool",
    "print_json",
    "read_table_arg",
    "reporting",
    "rows_with_data",
    "run_escalc",
    "studies_from_table",
    "study_labels",
    "to_json",
    "without_missing",
]

#: exit code for bad input (as for command-line usage errors); other failures (no convergence) exit 1
EXIT_INPUT = 2
EXIT_FAILURE = 1

FORMATS = ("text", "json")
#: ``sysreview.models.METHODS`` and ``sysreview.models.TESTS``, spelt out for the help texts so that
#: ``sysreview --help`` need not import the models (tests/cli/test_common.py keeps them in step);
#: options are checked against the models' own tuples
METHOD_CODES = ("FE", "EE", "CE", "DL", "DLIT", "HE", "HS", "HSk", "SJ", "SJIT", "ML", "REML", "EB", "PM", "PMM")
TEST_CODES = ("z", "t", "knha", "adhoc")
#: columns that label studies, in order of preference (``--col study=COLUMN`` picks another)
LABEL_COLUMNS = ("study", "author", "slab")

#: what each input column must satisfy (checked here so that the error can name the row)
_COUNT: dict[str, Any] = {"minimum": 0.0, "what": "count"}
_SIZE: dict[str, Any] = {"minimum": 0.0, "exclusive": True, "what": "sample size"}
_SD: dict[str, Any] = {"minimum": 0.0, "what": "standard deviation"}
_TIME: dict[str, Any] = {"minimum": 0.0, "exclusive": True, "what": "person-time"}
COLUMN_RULES: dict[str, dict[str, Any]] = {
    **dict.fromkeys(("ai", "bi", "ci", "di", "xi", "mi", "x1i", "x2i"), _COUNT),
    **dict.fromkeys(("ni", "n1i", "n2i"), _SIZE),
    **dict.fromkeys(("sd1i", "sd2i", "sdi"), _SD),
    **dict.fromkeys(("ti", "t1i", "t2i"), _TIME),
    "ri": {"minimum": -1.0, "maximum": 1.0, "what": "correlation"},
    "vi": {"minimum": 0.0, "what": "variance"},
    "sei": {"minimum": 0.0, "what": "standard error"},
    "yi": {"what": "effect size"},
}


# ---------------------------------------------------------------------- option types
DataArg = Annotated[
    str,
    typer.Argument(
        metavar="DATA",
        help="Study table (.csv, .tsv, .txt with the delimiter sniffed, or .xlsx): one row per study, "
        "columns named as in metafor.",
        show_default=False,
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", metavar="text|json", help="Output format.")]
ColOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--col",
        metavar="NAME=COLUMN",
        help="Use the file's COLUMN for metafor's NAME (repeatable), e.g. --col yi=effect --col vi=variance.",
        show_default=False,
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option("--sheet", help="Sheet of an .xlsx file (name or 1-based number; default: the first)."),
]
TestOpt = Annotated[str, typer.Option(metavar="|".join(TEST_CODES), help="Inference for the pooled estimate.")]


# ---------------------------------------------------------------------- reading a table
def read_table_arg(data: str, *, sheet: str | None, col: Sequence[str] | None) -> Table:
    """The table of the DATA argument with ``--sheet`` and ``--col`` applied; its reader's notes go to stderr."""
    from sysreview.tabular import read_table

    table = read_table(data, sheet=sheet, columns=column_mapping(col or []))
    echo_notes(table.notes)
    return table


def column_mapping(items: Sequence[str]) -> dict[str, str]:
    """``--col NAME=COLUMN`` options as a mapping from metafor's names to the file's columns."""
    mapping: dict[str, str] = {}
    for item in items:
        name, sep, column = item.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not name or not column:
            raise InputError(f"--col {item!r}: expected NAME=COLUMN, e.g. --col yi=effect")
        if name in mapping and mapping[name] != column:
            raise InputError(f"--col {name} is given twice ({mapping[name]!r} and {column!r})")
        mapping[name] = column
    return mapping


def rows_with_data(table: Table, columns: Sequence[str]) -> tuple[list[int], list[int]]:
    """Rows with every value of ``columns``, and the rows left out because some or all of them are empty.

    As metafor does (its effect size is NA there), a study without all of its values is left out of the analysis,
    never silently: ``omitted_rows`` names each one and the empty cells.
    """
    missing = {c: table.missing(c) for c in columns}
    keep: list[int] = []
    left_out: list[int] = []
    for i in range(len(table)):
        (left_out if any(missing[c][i] for c in columns) else keep).append(i)
    return keep, left_out


def numeric_columns(table: Table, columns: Sequence[str]) -> dict[str, FloatArray]:
    """The ``columns`` as numbers, each checked against its rule in ``COLUMN_RULES``."""
    return {c: table.numeric(c, **COLUMN_RULES.get(c, {})) for c in columns}


def study_labels(table: Table) -> list[str]:
    """Study labels: the study/author/slab column (or --col study=…), else 1..k (also for an empty label)."""
    name = table.first_of(LABEL_COLUMNS)
    if name is None:
        return [str(i + 1) for i in range(len(table))]
    return [label if label is not None else str(i + 1) for i, label in enumerate(table.text(name))]


def omitted_rows(table: Table, empty: Sequence[int], what: str) -> list[dict[str, Any]]:
    """The rows ``empty`` (indices into ``table``) as left-out studies: row, study label and reason (``what`` lists
    the needed columns, comma-separated)."""
    labels = study_labels(table)
    columns = [c.strip() for c in what.split(",") if c.strip()]
    missing = {c: table.missing(c) for c in columns if table.has(c)}
    out = []
    for i in empty:
        gaps = [c for c in columns if c in missing and missing[c][i]]
        reason = f"no data in {what}" if len(gaps) == len(columns) or not gaps else f"empty {', '.join(gaps)}"
        out.append({"row": table.row_numbers[i], "study": labels[i], "reason": reason})
    return out


def omission_notes(omitted: Sequence[Mapping[str, Any]]) -> list[str]:
    """One note per left-out study of ``omitted_rows``."""
    return [f"row {o['row']} (study {o['study']}) left out: {o['reason']}" for o in omitted]


# ---------------------------------------------------------------------- studies and effect sizes
@dataclass(frozen=True, slots=True)
class Studies:
    """The studies that enter a model: effect sizes, the table rows they came from, the rows left out."""

    yi: FloatArray
    vi: FloatArray | None
    sei: FloatArray | None
    used: Table  # the rows with data (errors still point into the file)
    keep: list[int]  # indices of those rows in the whole table
    empty: list[int]  # indices of rows without any data in ``what``
    what: str  # the columns the effect sizes came from
    labels: list[str]  # study labels of the rows with data
    omitted: list[dict[str, Any]]  # the rows without data, as ``omitted_rows`` gives them
    notes: list[str]  # on the input, then one per left-out study


def studies_from_table(table: Table, code: str | None) -> Studies:
    """Effect sizes from raw columns and --measure (escalc), or the file's yi with vi or sei."""
    raw = measure_layout(table, code) if code is not None else None
    if code is not None and raw is not None:
        # raw columns and --measure: compute yi, vi (a yi column of the file is not used, and we say so)
        notes = []
        if table.has("yi"):
            notes.append(f"yi, vi computed from {', '.join(raw)} (measure {code}); the file's yi column is not used")
        keep, empty = rows_with_data(table, raw)
        used = table.take(keep)
        try:
            es = run_escalc(code, numeric_columns(used, raw))
        except InputError as err:
            raise used.locate(err) from None
        return _assembled(
            table, used, yi=es.yi, vi=es.vi, sei=None, keep=keep, empty=empty, what=", ".join(raw), notes=notes
        )
    if table.has("yi") and (table.has("vi") or table.has("sei")):
        var = "vi" if table.has("vi") else "sei"
        keep, empty = rows_with_data(table, ("yi", var))
        used = table.take(keep)
        values = numeric_columns(used, ("yi", var))
        notes = []
        if code is not None:
            notes.append(f"yi, {var} taken from the file as measure {code} (it has no raw columns for {code})")
        return _assembled(
            table,
            used,
            yi=values["yi"],
            vi=values.get("vi"),
            sei=values.get("sei"),
            keep=keep,
            empty=empty,
            what=f"yi, {var}",
            notes=notes,
        )
    if code is not None:
        alternative = "; ".join(filter(None, [other_layouts(code), "or yi with vi or sei"]))
        raise table.missing_columns(measure_info(code).columns, purpose=f"measure {code}", alternative=alternative)
    if table.has("yi"):
        raise InputError(
            "column yi needs its sampling variances vi (or standard errors sei); "
            f"the file has columns: {', '.join(table.columns)}",
            file=table.source,
        )
    raise InputError(
        "no effect sizes: give columns yi and vi (or sei), or raw columns with --measure CODE "
        f"(e.g. ai bi ci di with --measure OR); the file has columns: {', '.join(table.columns)}",
        file=table.source,
    )


def _assembled(
    table: Table,
    used: Table,
    *,
    yi: FloatArray,
    vi: FloatArray | None,
    sei: FloatArray | None,
    keep: list[int],
    empty: list[int],
    what: str,
    notes: list[str],
) -> Studies:
    kept = set(keep)
    omitted = omitted_rows(table, empty, what)
    return Studies(
        yi=yi,
        vi=vi,
        sei=sei,
        used=used,
        keep=keep,
        empty=empty,
        what=what,
        labels=[s for i, s in enumerate(study_labels(table)) if i in kept],
        omitted=omitted,
        notes=[*notes, *omission_notes(omitted)],
    )


def without_missing(studies: Studies, table: Table, columns: Sequence[str]) -> Studies:
    """The studies left after those with an empty cell in any of ``columns`` (moderators, the subgroup column),
    which are left out as metafor leaves them out, each named in the notes."""
    import dataclasses

    import numpy as np

    used = studies.used
    names = [re.sub(r"^\s*factor\((.+)\)\s*$", r"\1", c).strip() for c in columns]
    gaps: list[list[str]] = [[] for _ in range(len(used))]
    for name in names:
        used.column(name)  # an unknown column is an error listing the file's columns
        for i, empty in enumerate(used.missing(name)):
            if empty:
                gaps[i].append(name)
    if not any(gaps):
        return studies
    kept = [i for i, g in enumerate(gaps) if not g]
    labels = study_labels(table)
    new = [
        {"row": table.row_numbers[studies.keep[i]], "study": labels[studies.keep[i]], "reason": f"empty {', '.join(g)}"}
        for i, g in enumerate(gaps)
        if g
    ]
    index = np.array(kept, dtype=np.intp)
    return dataclasses.replace(
        studies,
        yi=studies.yi[index],
        vi=None if studies.vi is None else studies.vi[index],
        sei=None if studies.sei is None else studies.sei[index],
        used=used.take(kept),
        keep=[studies.keep[i] for i in kept],
        labels=[studies.labels[i] for i in kept],
        omitted=[*studies.omitted, *new],
        notes=[*studies.notes, *omission_notes(new)],
    )


def pool(
    studies: Studies,
    *,
    method: str,
    test: str,
    level: float = 0.95,
    measure: str | None,
    mods: FloatArray | None = None,
    mod_names: Sequence[str] | None = None,
    tau2: float | None = None,
    control: Control | None = None,
    weights: str | None = None,
) -> MetaResult:
    """``rma`` of the studies (``level`` defaults as in ``rma``), its input errors located in the file.

    ``weights``: the column whose values weight the studies (``--weights COL``, for GENQ and GENQM).
    """
    from sysreview.models import rma

    user_weights = None
    if weights is not None:
        user_weights = studies.used.numeric(weights, minimum=0.0, exclusive=True, what="weight")
    try:
        return rma(
            studies.yi,
            studies.vi,
            sei=studies.sei,
            mods=mods,
            mod_names=mod_names,
            method=method,
            test=test,
            level=level,
            measure=measure,
            study=studies.labels,
            tau2=tau2,
            control=control,
            weights=user_weights,
        )
    except InputError as err:
        raise studies.used.locate(err) from None


#: tau^2 estimators that weight the studies by a column of the file (--weights COL)
WEIGHTED_METHODS = ("GENQ", "GENQM")


def check_weights(method: str, weights: str | None) -> None:
    """``--weights COL`` goes with ``--method GENQ`` or ``GENQM``, and they with it."""
    if method in WEIGHTED_METHODS and weights is None:
        raise InputError(f"--method {method} needs --weights COL (the weights of its generalised Q statistic)")
    if weights is not None and method not in WEIGHTED_METHODS:
        raise InputError(f"--weights is used by --method {' or '.join(WEIGHTED_METHODS)} only, not {method}")


def run_escalc(code: str, columns: Mapping[str, FloatArray], options: Mapping[str, Any] | None = None) -> EffectSizes:
    """``sysreview.effects.escalc`` of measure ``code`` on the named columns, with extra keyword ``options``."""
    from sysreview.effects import escalc

    arguments: dict[str, Any] = {**columns, **(options or {})}
    return escalc(code, **arguments)


def measure_codes() -> list[str]:
    """The codes of every effect size measure, in the library's order."""
    from sysreview.effects import MEASURES

    return list(MEASURES)


def measure_info(code: str) -> Measure:
    """What the library knows of measure ``code``: its columns and column layouts."""
    from sysreview.effects import MEASURES

    return MEASURES[code]


def measure_layout(table: Table, code: str) -> tuple[str, ...] | None:
    """The first column layout of measure ``code`` that the file has in full (e.g. ai bi ci di, or ai n1i ci n2i)."""
    layouts: tuple[tuple[str, ...], ...] = measure_info(code).layouts
    for layout in layouts:
        if all(table.has(c) for c in layout):
            return layout
    return None


def other_layouts(code: str) -> str:
    """The alternative column layouts of measure ``code``, for an error message (``or ai, n1i, ci, n2i``)."""
    alternatives = measure_info(code).alternatives
    return "; ".join("or " + ", ".join(layout) for layout in alternatives)


# ---------------------------------------------------------------------- options
def choose(what: str, value: str, choices: Sequence[str]) -> str:
    """The canonical spelling of ``value`` among ``choices`` (case-insensitive), or a one-line error."""
    if value in choices:
        return value
    hits = [c for c in choices if c.casefold() == value.strip().casefold()]
    if len(hits) == 1:
        return hits[0]
    raise InputError(f"unknown {what} {value!r}; choose one of {', '.join(choices)}")


def parse_format(text: str) -> str:
    """``--format``: text or json."""
    return choose("format", text, FORMATS)


def parse_measure(code: str) -> str:
    """``--measure``: a measure code of ``sysreview.effects.MEASURES``."""
    return choose("measure", code, measure_codes())


def parse_method(code: str, *, extra: Sequence[str] = ()) -> str:
    """``--method``: a model of ``sysreview.models.METHODS`` or one of the command's ``extra`` methods."""
    from sysreview.models import METHODS

    return choose("method", code, [*METHODS, *extra])


def parse_test(code: str) -> str:
    """``--test``: an inference method of ``sysreview.models.TESTS``."""
    from sysreview.models import TESTS

    return choose("test", code, list(TESTS))


def parse_level(text: str) -> float:
    """``--level``: a confidence level as a fraction (0.95) or in percent (95)."""
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        raise InputError(f"--level {text!r} is not a number; give e.g. 0.95 or 95") from None
    if value > 1.0:
        value /= 100.0
    if not 0.0 < value < 1.0 or not math.isfinite(value):
        raise InputError(f"--level {text!r} must lie between 0 and 1 (or 0 and 100)")
    return value


def parse_number(option: str, text: str, *, minimum: float) -> float:
    """A finite number of at least ``minimum`` given to ``option``."""
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{option} {text!r} is not a number") from None
    if not math.isfinite(value) or value < minimum:
        raise InputError(f"{option} {text!r} must be a finite number at least {minimum:g}")
    return value


# ---------------------------------------------------------------------- errors and output
@contextmanager
def reporting() -> Iterator[None]:
    """Turn the library's errors into one line on stderr and a non-zero exit code (no traceback)."""
    try:
        yield
    except InputError as err:
        fail(str(err), EXIT_INPUT)
    except SysreviewError as err:
        fail(str(err), EXIT_FAILURE)
    except ValueError as err:  # an option the library rejects with a plain ValueError
        fail(str(err), EXIT_INPUT)


def fail(message: str, code: int) -> NoReturn:
    """End the command: ``error: MESSAGE`` (on one line) on stderr, exit ``code``."""
    text = " ".join(message.split())
    typer.echo(f"error: {text}", err=True)
    raise typer.Exit(code)


def echo_notes(notes: Iterable[str]) -> None:
    """Each note as ``note: …`` on stderr."""
    for note in notes:
        typer.echo(f"note: {note}", err=True)


def print_json(payload: Mapping[str, Any]) -> None:
    """``payload`` as strict JSON on stdout."""
    typer.echo(to_json(payload))


def to_json(payload: Mapping[str, Any]) -> str:
    """``payload`` as strict JSON (indented, UTF-8 as is, no NaN or Infinity)."""
    return json.dumps(plain(payload), indent=2, ensure_ascii=False, allow_nan=False)


def plain(value: Any) -> Any:
    """JSON-safe copy: numpy values to Python ones, NaN/inf to None, tuples and arrays to lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if tolist is not None and not isinstance(value, str | bytes):
        return plain(tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def finite_or_none(value: Any) -> float | None:
    """``value`` as a float, or None where it is NaN or infinite."""
    number = float(value)
    return number if math.isfinite(number) else None


def format_number(value: float | None, digits: int = 4) -> str:
    """``value`` with ``digits`` decimals, ``NA`` for None."""
    return "NA" if value is None else f"{value:.{digits}f}"
