"""Commands of the statistics core: ``effects``, ``meta``, ``demo``.

The commands read a table (``sysreview.tabular``), call ``sysreview.effects`` / ``sysreview.models`` and print
text or JSON. Heavy imports (numpy, the statistics core, openpyxl) happen inside the commands so that
``sysreview --help`` stays fast. Options are parsed here, not by typer's converters, so that bad input always
ends the command with one line on stderr, ``error: FILE: row N: column 'C': what is wrong``, and exit code 2
(rows are spreadsheet rows: the header is row 1).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sysreview.errors import InputError, SysreviewError

if TYPE_CHECKING:
    from sysreview._typing import FloatArray
    from sysreview.effects import EffectSizes, Measure
    from sysreview.models import MetaResult, SubgroupResult
    from sysreview.tabular import Table

__all__ = ["register"]

#: exit code for bad input (as for command-line usage errors); other failures (no convergence) exit 1
EXIT_INPUT = 2
EXIT_FAILURE = 1

FORMATS = ("text", "json")
#: columns that label studies, in order of preference (``--col study=COLUMN`` picks another)
LABEL_COLUMNS = ("study", "author", "slab")
#: 2×2 columns of the Mantel–Haenszel and Peto methods
TABLE_2X2 = ("ai", "bi", "ci", "di")
#: methods that pool 2×2 tables directly instead of inverse-variance weighting of yi, vi
COUNT_METHODS = {"MH": ("OR", "RR", "RD"), "PETO": ("PETO",)}

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


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command("effects", no_args_is_help=True)(effects)
    app.command("meta", no_args_is_help=True)(meta)
    app.command("demo")(demo)


# ---------------------------------------------------------------------- effects
def effects(
    data: DataArg,
    *,
    measure: Annotated[
        str | None,
        typer.Option(
            "--measure",
            "-m",
            metavar="CODE",
            help="Effect size measure (metafor's code: SMD, OR, RR, ZCOR …).",
        ),
    ] = None,
    fmt: FormatOpt = "text",
    col: ColOpt = None,
    sheet: SheetOpt = None,
    add: Annotated[
        str | None,
        typer.Option(
            metavar="AMOUNT",
            help="Amount added to zero counts (default: the measure's, 1/2 for most).",
            show_default=False,
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            metavar="only0|all|if0all|none", help="Which studies get --add (default: only0).", show_default=False
        ),
    ] = None,
    drop00: Annotated[
        bool, typer.Option("--drop00", help="Give no effect size for studies with no events in both arms.")
    ] = False,
) -> None:
    """Compute per-study effect sizes yi and sampling variances vi (metafor's escalc)."""
    with _reporting():
        fmt = _choose("format", fmt, FORMATS)
        if measure is None:
            raise InputError(f"--measure is required; choose one of {', '.join(_measure_codes())}")
        code = _measure(measure)
        table = _read(data, sheet=sheet, col=col)
        es = _effect_sizes(table, code, add=add, to=to, drop00=drop00)
        out: dict[str, Any] = {
            "measure": code,
            "yi": es.yi,
            "vi": es.vi,
            "study": es.study,
            "row": es.rows,
        }
        if es.notes:
            out["notes"] = list(es.notes)
        if fmt == "json":
            _print_json(out)
        else:
            typer.echo(_effects_text(code, es, table))


@dataclass(frozen=True, slots=True)
class _Effects:
    """Effect sizes of every data row (None where a row has no data), their labels and rows."""

    yi: list[float | None]
    vi: list[float | None]
    study: list[str]
    rows: list[int]
    notes: tuple[str, ...] = ()


def _effect_sizes(table: Table, code: str, *, add: str | None, to: str | None, drop00: bool) -> _Effects:
    columns = _layout(table, code)
    if columns is None:
        raise table.missing_columns(_measure_info(code).columns, purpose=f"measure {code}", alternative=_others(code))
    keep, empty = _rows_with_data(table, columns)
    used = table.take(keep)
    arrays = _numeric(used, columns)
    options: dict[str, Any] = {"drop00": True} if drop00 else {}
    if add is not None:
        options["add"] = _number("--add", add, minimum=0.0)
    if to is not None:
        options["to"] = to
    try:
        es = _escalc(code, arrays, options)
    except InputError as err:
        raise used.locate(err) from None
    yi: list[float | None] = [None] * len(table)
    vi: list[float | None] = [None] * len(table)
    for pos, index in enumerate(keep):
        yi[index] = _finite(es.yi[pos])
        vi[index] = _finite(es.vi[pos])
    notes = tuple(
        f"{table.source}: row {table.row_numbers[i]}: no data in {', '.join(columns)}; no effect size" for i in empty
    )
    return _Effects(yi=yi, vi=vi, study=_labels(table), rows=list(table.row_numbers), notes=notes)


def _effects_text(code: str, es: _Effects, table: Table) -> str:
    width = max([len("study"), *(len(s) for s in es.study)])
    lines = [f"Effect sizes: measure {code} ({table.source}, k = {sum(y is not None for y in es.yi)})", ""]
    lines.append(f"{'row':>5}  {'study':<{width}}  {'yi':>10}  {'vi':>10}  {'sei':>10}")
    for row, study, y, v in zip(es.rows, es.study, es.yi, es.vi, strict=True):
        sei = None if v is None or v < 0 else math.sqrt(v)
        lines.append(f"{row:>5}  {study:<{width}}  {_num(y):>10}  {_num(v):>10}  {_num(sei):>10}")
    lines.extend(f"Note: {note}" for note in es.notes)
    return "\n".join(lines)


# ---------------------------------------------------------------------- meta
def meta(
    data: DataArg,
    *,
    measure: Annotated[
        str | None,
        typer.Option(
            "--measure",
            "-m",
            metavar="CODE",
            help="Effect size measure: computes yi, vi from raw columns (or labels given yi, vi).",
            show_default=False,
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            metavar="CODE",
            help="FE, DL, HE, HS, HSk, SJ, SJIT, ML, REML, EB, PM, PMM; MH or PETO for 2×2 tables.",
        ),
    ] = "REML",
    test: Annotated[str, typer.Option(metavar="z|t|knha|adhoc", help="Inference for the pooled estimate.")] = "z",
    level: Annotated[str, typer.Option(metavar="LEVEL", help="Confidence level, 0.95 or 95.")] = "0.95",
    fmt: FormatOpt = "text",
    col: ColOpt = None,
    mods: Annotated[
        list[str] | None,
        typer.Option(
            "--mods",
            metavar="COL",
            help="Moderator column (repeatable): meta-regression. Text columns (or factor(COL)) are factors, "
            "the first level in sorted order is the reference.",
            show_default=False,
        ),
    ] = None,
    subgroup: Annotated[
        str | None,
        typer.Option(
            "--subgroup",
            metavar="COL",
            help="Pool separately within the levels of COL and compare.",
            show_default=False,
        ),
    ] = None,
    tau2: Annotated[
        str | None,
        typer.Option(
            "--tau2",
            metavar="VALUE",
            help="Fix tau^2 at VALUE instead of estimating it (metafor's tau2=).",
            show_default=False,
        ),
    ] = None,
    sheet: SheetOpt = None,
) -> None:
    """Pool effect sizes: random/common-effect model, meta-regression (--mods), Mantel–Haenszel or Peto."""
    with _reporting():
        fmt = _choose("format", fmt, FORMATS)
        level_value = _level(level)
        method_code = _method(method)
        test_code = _choose("test", test, _tests())
        code = None if measure is None else _measure(measure)
        table = _read(data, sheet=sheet, col=col)
        if method_code in COUNT_METHODS:
            if mods or subgroup or tau2 is not None:
                raise InputError(f"--mods, --subgroup and --tau2 need an inverse-variance method, not {method_code}")
            if test_code != "z":
                raise InputError(f"method {method_code} has a z-test only; drop --test {test_code}")
            fitted = _count_method(table, method_code, code, level=level_value)
        else:
            fitted = _inverse_variance(
                table,
                code,
                method=method_code,
                test=test_code,
                level=level_value,
                mods=mods or [],
                subgroup=subgroup,
                tau2=None if tau2 is None else _number("--tau2", tau2, minimum=0.0),
            )
        out = fitted.to_dict()
        if fmt == "json":
            _print_json(out)
        else:
            typer.echo(fitted.text())


@dataclass(frozen=True, slots=True)
class _Fitted:
    """A fitted model with what the command adds: the studies left out (and why) and notes on the input."""

    result: MetaResult | SubgroupResult
    table: Table
    omitted: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.result.to_dict())
        if self.omitted:
            out["omitted"] = self.omitted
        notes = [*out.get("notes", []), *self.notes]
        if notes:
            out["notes"] = notes
        return out

    def text(self) -> str:
        from sysreview.models import SubgroupResult

        as_dict = self.result.to_dict()
        result = self.result
        lines = [_subgroup_text(as_dict) if isinstance(result, SubgroupResult) else result.summary()]
        studies = as_dict.get("studies")
        if studies:
            lines += ["", _studies_text(studies)]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Studies:
    """The studies that enter a model: effect sizes, the table rows they came from, the rows left out."""

    yi: FloatArray
    vi: FloatArray | None
    sei: FloatArray | None
    used: Table  # the rows with data (errors still point into the file)
    keep: list[int]  # indices of those rows in the whole table
    empty: list[int]  # indices of rows without any data in ``what``
    what: str  # the columns the effect sizes came from
    notes: list[str]


def _studies(table: Table, code: str | None) -> _Studies:
    """Effect sizes from raw columns and --measure (escalc), or the file's yi with vi or sei."""
    raw = _layout(table, code) if code is not None else None
    if code is not None and raw is not None:
        # raw columns and --measure: compute yi, vi (a yi column of the file is not used, and we say so)
        notes = []
        if table.has("yi"):
            notes.append(f"yi, vi computed from {', '.join(raw)} (measure {code}); the file's yi column is not used")
        keep, empty = _rows_with_data(table, raw)
        used = table.take(keep)
        try:
            es = _escalc(code, _numeric(used, raw))
        except InputError as err:
            raise used.locate(err) from None
        return _Studies(es.yi, es.vi, None, used, keep, empty, ", ".join(raw), notes)
    if table.has("yi") and (table.has("vi") or table.has("sei")):
        var = "vi" if table.has("vi") else "sei"
        keep, empty = _rows_with_data(table, ("yi", var))
        used = table.take(keep)
        values = _numeric(used, ("yi", var))
        notes = []
        if code is not None:
            notes.append(f"yi, {var} taken from the file as measure {code} (it has no raw columns for {code})")
        return _Studies(values["yi"], values.get("vi"), values.get("sei"), used, keep, empty, f"yi, {var}", notes)
    if code is not None:
        alternative = "; ".join(filter(None, [_others(code), "or yi with vi or sei"]))
        raise table.missing_columns(_measure_info(code).columns, purpose=f"measure {code}", alternative=alternative)
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


def _inverse_variance(
    table: Table,
    code: str | None,
    *,
    method: str,
    test: str,
    level: float,
    mods: Sequence[str],
    subgroup: str | None,
    tau2: float | None,
) -> _Fitted:
    from sysreview.models import rma
    from sysreview.tabular import moderator_matrix

    studies = _studies(table, code)
    if not studies.keep:
        raise InputError(f"no studies to pool (k = 0): no row has values in {studies.what}", file=table.source)
    used = studies.used
    keep = set(studies.keep)
    labels = [s for i, s in enumerate(_labels(table)) if i in keep]
    moderators, mod_names = moderator_matrix(used, mods) if mods else (None, None)
    if subgroup is not None and mods:
        raise InputError("--subgroup and --mods cannot be combined; use --mods COL for the subgroup factor as well")
    if subgroup is not None and tau2 is not None:
        raise InputError("--tau2 cannot be combined with --subgroup (each subgroup estimates its own tau^2)")
    result: MetaResult | SubgroupResult
    try:
        if subgroup is not None:
            result = _subgroups(
                used, subgroup, studies, method=method, test=test, level=level, code=code, labels=labels
            )
        else:
            result = rma(
                studies.yi,
                studies.vi,
                sei=studies.sei,
                mods=moderators,
                mod_names=mod_names,
                method=method,
                test=test,
                level=level,
                measure=code,
                study=labels,
                tau2=tau2,
            )
    except InputError as err:
        raise used.locate(err) from None
    omitted = _omitted(table, studies.empty, studies.what)
    return _Fitted(result=result, table=table, omitted=omitted, notes=[*studies.notes, *_omission_notes(omitted)])


def _subgroups(
    used: Table,
    column: str,
    studies: _Studies,
    *,
    method: str,
    test: str,
    level: float,
    code: str | None,
    labels: list[str],
) -> SubgroupResult:
    """``--subgroup COL``: separate pooling within each level of COL and the test for subgroup differences.

    Every study needs a group: an empty cell is an error naming its row.
    """
    from sysreview.models import subgroup_analysis

    groups = used.text(column, required=True)
    vi = studies.vi if studies.vi is not None else studies.sei**2  # type: ignore[operator]
    return subgroup_analysis(
        studies.yi,
        vi,
        groups,
        method=method,
        test=test,
        level=level,
        measure=code,
        study=labels,
        variable=used.column(column),
    )


def _subgroup_text(result: dict[str, Any]) -> str:
    """A text view of a subgroup analysis (its JSON form, laid out as a table)."""
    rows = result["subgroups"]
    width = max([len("subgroup"), *(len(str(level)) for level in rows)])
    lines = [f"Subgroup analysis by {result['variable']}", ""]
    lines.append(
        f"{'subgroup':<{width}}  {'k':>3}  {'estimate':>9}  {'se':>8}  {'ci.lb':>9}  {'ci.ub':>9}  "
        f"{'tau2':>8}  {'I2 %':>6}  {'Q':>8}"
    )
    for level, r in rows.items():
        lines.append(
            f"{level!s:<{width}}  {r['k']:>3}  {_num(r['estimate']):>9}  {_num(r['se']):>8}  "
            f"{_num(r['ci_lower']):>9}  {_num(r['ci_upper']):>9}  {_num(r['tau2']):>8}  {_num(r['I2'], 1):>6}  "
            f"{_num(r['Q']):>8}"
        )
    if result.get("single_study_levels"):
        lines.append(f"single-study subgroups (not pooled): {', '.join(result['single_study_levels'])}")
    lines.append("")
    if result.get("Q_between") is not None:
        lines.append(
            "Test for subgroup differences (separate tau^2): "
            f"Q_between(df = {result['Q_between_df']}) = {_num(result['Q_between'])}, "
            f"p = {_num(result['Q_between_pvalue'])}"
        )
    test = result.get("moderator_test")
    if test is not None:
        lines.append(
            "Test of moderators (common tau^2, meta-regression): "
            f"QM(df = {test['QM_df']}) = {_num(test['QM'])}, p = {_num(test['QM_pvalue'])}"
        )
    return "\n".join(lines)


def _count_method(table: Table, method: str, code: str | None, *, level: float) -> _Fitted:
    from sysreview.models import rma_mh, rma_peto

    allowed = COUNT_METHODS[method]
    if code is None:
        code = allowed[0]
    if code not in allowed:
        raise InputError(f"method {method} pools measure {' or '.join(allowed)}, not {code}")
    table.require(TABLE_2X2, purpose=f"method {method}")
    keep, empty = _rows_with_data(table, TABLE_2X2)
    if not keep:
        raise InputError(f"no studies to pool (k = 0): no row has values in {', '.join(TABLE_2X2)}", file=table.source)
    used = table.take(keep)
    cells = _numeric(used, TABLE_2X2)
    keep_set = set(keep)
    labels = [s for i, s in enumerate(_labels(table)) if i in keep_set]
    try:
        if method == "MH":
            result = rma_mh(cells["ai"], cells["bi"], cells["ci"], cells["di"], measure=code, level=level, study=labels)
        else:
            result = rma_peto(cells["ai"], cells["bi"], cells["ci"], cells["di"], level=level, study=labels)
    except InputError as err:
        raise used.locate(err) from None
    omitted = _omitted(table, empty, ", ".join(TABLE_2X2))
    return _Fitted(result=result, table=table, omitted=omitted, notes=_omission_notes(omitted))


def _studies_text(studies: list[dict[str, Any]]) -> str:
    width = max([len("study"), *(len(str(s["study"])) for s in studies)])
    lines = [f"{'study':<{width}}  {'yi':>10}  {'vi':>10}  {'weight %':>9}"]
    for s in studies:
        lines.append(f"{s['study']!s:<{width}}  {_num(s['yi']):>10}  {_num(s['vi']):>10}  {_num(s['weight'], 2):>9}")
    return "\n".join(lines)


# ---------------------------------------------------------------------- demo
#: what seed 001 reports for its primary outcome (results table, line 121 of the seed text)
SEED001_REPORTED: dict[str, Any] = {
    "k": 18,
    "measure": "SMD",
    "estimate": -1.25,
    "ci_lower": -1.80,
    "ci_upper": -0.70,
    "I2": 65.0,
    "source": "seed 001 (001_0f414a012d818148.txt), summary of findings table, line 121: "
    "'ECCA score change | 18 | 500 | SMD = −1.25 (−1.80 to −0.70) | <0.001 | 65%'",
}
DEMO_DATA = "seed001_table3_ecca.csv"


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the result as JSON.")] = Path(
        "out/demo/result.json"
    ),
    fmt: FormatOpt = "text",
) -> None:
    """Pool seed 001's primary outcome (ECCA change, Table 3: 6 studies; SMD, DerSimonian–Laird, z-test)."""
    with _reporting():
        fmt = _choose("format", fmt, FORMATS)
        from sysreview.models import rma
        from sysreview.tabular import read_table

        with resources.as_file(resources.files("sysreview") / "data" / DEMO_DATA) as path:
            table = read_table(path)
        table = _renamed(table, f"sysreview/data/{DEMO_DATA}")
        arrays = _numeric(table, _measure_info("SMD").columns)
        es = _escalc("SMD", arrays)
        result = rma(es.yi, es.vi, method="DL", test="z", measure="SMD", study=_labels(table))
        statement, comparison, agrees = _demo_statements(result)
        payload = result.to_dict()
        payload.update(
            {
                "data": f"sysreview/data/{DEMO_DATA}: ECCA change (mean ± SD) per arm, seed 001 Table 3, "
                "lines 99-118 of 001_0f414a012d818148.txt",
                "sources": [str(s) for s in table.text("source")],
                "reported": SEED001_REPORTED,
                "agrees_with_reported": agrees,
                "statement": statement,
                "comparison": comparison,
            }
        )
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(_json(payload) + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write the result: {exc.strerror or exc}", file=str(out)) from None
        if fmt == "json":
            _print_json(payload)
            return
        typer.echo("Seed 001, primary outcome: change in ECCA score, cell therapy vs control (Table 3)")
        typer.echo("Hedges' g (measure SMD), random effects (DerSimonian–Laird), z-test")
        typer.echo("")
        typer.echo(result.summary())
        typer.echo("")
        typer.echo(_studies_text(payload["studies"]))
        typer.echo("")
        typer.echo(statement)
        typer.echo(comparison)
        typer.echo(f"Result written to {out}")


def _demo_statements(result: MetaResult) -> tuple[str, str, bool]:
    est, lo, hi = result.estimate, result.ci_lower, result.ci_upper
    if est is None or lo is None or hi is None:
        raise SysreviewError("the demo model gave no pooled estimate")
    pct = f"{result.level:.0%}"
    if hi < 0:
        direction = "ECCA scores fell more with autologous cell therapy than with control"
    elif lo > 0:
        direction = "ECCA scores fell less with autologous cell therapy than with control"
    else:
        direction = "the data do not show a clear difference between cell therapy and control"
    i2 = "" if result.I2 is None else f"; I² = {result.I2:.0f}%"
    statement = (
        f"In the {result.k} studies of Table 3 with usable data, {direction}: "
        f"pooled SMD = {_signed(est)} ({pct} CI {_signed(lo)} to {_signed(hi)}{i2})."
    )
    rep = SEED001_REPORTED
    r_est, r_lo, r_hi = rep["estimate"], rep["ci_lower"], rep["ci_upper"]
    agrees = r_lo <= est <= r_hi and lo <= r_est <= hi
    verdict = (
        "they agree (each estimate lies inside the other's interval)"
        if agrees
        else "they DISAGREE: "
        + ("the reported interval does not contain our estimate" if not r_lo <= est <= r_hi else "")
        + (" and " if not r_lo <= est <= r_hi and not lo <= r_est <= hi else "")
        + ("our interval does not contain the reported estimate" if not lo <= r_est <= hi else "")
    )
    comparison = (
        f"The review reports SMD = {_signed(r_est)} ({_signed(r_lo)} to {_signed(r_hi)}) "
        f"for {rep['k']} studies; "
        f"recomputed from the {result.k} studies whose data it prints: "
        f"{_signed(est)} ({_signed(lo)} to {_signed(hi)}) — {verdict}. "
        "The recomputed value is what the printed data give; the reported one is the review's claim."
    )
    return statement, comparison, agrees


# ---------------------------------------------------------------------- input helpers
def _read(data: str, *, sheet: str | None, col: Sequence[str] | None) -> Table:
    from sysreview.tabular import read_table

    table = read_table(data, sheet=sheet, columns=_mapping(col or []))
    for note in table.notes:
        typer.echo(f"note: {note}", err=True)
    return table


def _renamed(table: Table, source: str) -> Table:
    return replace(table, source=source)


def _mapping(items: Sequence[str]) -> dict[str, str]:
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


def _rows_with_data(table: Table, columns: Sequence[str]) -> tuple[list[int], list[int]]:
    """Rows with every value of ``columns`` and rows with none of them; a partly filled row is an error."""
    missing = {c: table.missing(c) for c in columns}
    keep: list[int] = []
    empty: list[int] = []
    for i in range(len(table)):
        gaps = [c for c in columns if missing[c][i]]
        if not gaps:
            keep.append(i)
        elif len(gaps) == len(columns):
            empty.append(i)
        else:
            filled = [c for c in columns if c not in gaps]
            raise table.error(
                f"empty cell; needed with {', '.join(filled)} (leave all of {', '.join(columns)} empty "
                "to leave the study out)",
                index=i,
                name=gaps[0],
            )
    return keep, empty


def _escalc(code: str, columns: Mapping[str, FloatArray], options: Mapping[str, Any] | None = None) -> EffectSizes:
    from sysreview.effects import escalc

    arguments: dict[str, Any] = {**columns, **(options or {})}
    return escalc(code, **arguments)


def _numeric(table: Table, columns: Sequence[str]) -> dict[str, FloatArray]:
    return {c: table.numeric(c, **COLUMN_RULES.get(c, {})) for c in columns}


def _omitted(table: Table, empty: Sequence[int], what: str) -> list[dict[str, Any]]:
    labels = _labels(table)
    return [{"row": table.row_numbers[i], "study": labels[i], "reason": f"no data in {what}"} for i in empty]


def _omission_notes(omitted: Sequence[Mapping[str, Any]]) -> list[str]:
    return [f"row {o['row']} (study {o['study']}) left out: {o['reason']}" for o in omitted]


def _labels(table: Table) -> list[str]:
    """Study labels: the study/author/slab column (or --col study=…), else 1..k (also for an empty label)."""
    name = table.first_of(LABEL_COLUMNS)
    if name is None:
        return [str(i + 1) for i in range(len(table))]
    return [label if label is not None else str(i + 1) for i, label in enumerate(table.text(name))]


def _measure_codes() -> list[str]:
    from sysreview.effects import MEASURES

    return list(MEASURES)


def _measure(code: str) -> str:
    return _choose("measure", code, _measure_codes())


def _measure_info(code: str) -> Measure:
    from sysreview.effects import MEASURES

    return MEASURES[code]


def _layout(table: Table, code: str) -> tuple[str, ...] | None:
    """The first column layout of measure ``code`` that the file has in full (e.g. ai bi ci di, or ai n1i ci n2i)."""
    layouts: tuple[tuple[str, ...], ...] = _measure_info(code).layouts
    for layout in layouts:
        if all(table.has(c) for c in layout):
            return layout
    return None


def _others(code: str) -> str:
    alternatives = _measure_info(code).alternatives
    return "; ".join("or " + ", ".join(layout) for layout in alternatives)


def _method(code: str) -> str:
    from sysreview.models import METHODS

    return _choose("method", code, [*METHODS, *COUNT_METHODS])


def _tests() -> list[str]:
    from sysreview.models import TESTS

    return list(TESTS)


def _level(text: str) -> float:
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        raise InputError(f"--level {text!r} is not a number; give e.g. 0.95 or 95") from None
    if value > 1.0:
        value /= 100.0
    if not 0.0 < value < 1.0 or not math.isfinite(value):
        raise InputError(f"--level {text!r} must lie between 0 and 1 (or 0 and 100)")
    return value


def _number(option: str, text: str, *, minimum: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{option} {text!r} is not a number") from None
    if not math.isfinite(value) or value < minimum:
        raise InputError(f"{option} {text!r} must be a finite number at least {minimum:g}")
    return value


def _choose(what: str, value: str, choices: Sequence[str]) -> str:
    """The canonical spelling of ``value`` among ``choices`` (case-insensitive), or a one-line error."""
    if value in choices:
        return value
    hits = [c for c in choices if c.casefold() == value.strip().casefold()]
    if len(hits) == 1:
        return hits[0]
    raise InputError(f"unknown {what} {value!r}; choose one of {', '.join(choices)}")


# ---------------------------------------------------------------------- output helpers
@contextmanager
def _reporting() -> Iterator[None]:
    """Turn the library's errors into one line on stderr and a non-zero exit code (no traceback)."""
    try:
        yield
    except InputError as err:
        _fail(str(err), EXIT_INPUT)
    except SysreviewError as err:
        _fail(str(err), EXIT_FAILURE)
    except ValueError as err:  # an option the library rejects with a plain ValueError
        _fail(str(err), EXIT_INPUT)


def _fail(message: str, code: int) -> None:
    text = " ".join(message.split())
    typer.echo(f"error: {text}", err=True)
    raise typer.Exit(code)


def _print_json(payload: Mapping[str, Any]) -> None:
    typer.echo(_json(payload))


def _json(payload: Mapping[str, Any]) -> str:
    return json.dumps(_plain(payload), indent=2, ensure_ascii=False, allow_nan=False)


def _plain(value: Any) -> Any:
    """JSON-safe copy: numpy values to Python ones, NaN/inf to None, tuples and arrays to lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if tolist is not None and not isinstance(value, str | bytes):
        return _plain(tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _num(value: float | None, digits: int = 4) -> str:
    return "NA" if value is None else f"{value:.{digits}f}"


def _signed(value: float) -> str:
    return f"{value:.2f}".replace("-", "\u2212")
