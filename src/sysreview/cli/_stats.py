"""Commands of the statistics core: ``effects``, ``meta``, ``demo``.

The commands read a table (``sysreview.tabular``), call ``sysreview.effects`` / ``sysreview.models`` and print
text or JSON. Heavy imports (numpy, the statistics core, openpyxl) happen inside the commands so that
``sysreview --help`` stays fast. Reading, option parsing and error reporting are shared with the other command
modules (``sysreview.cli._common``): bad input ends the command with one line on stderr and exit code 2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sysreview.cli._common import (
    METHOD_CODES,
    WEIGHTED_METHODS,
    ColOpt,
    DataArg,
    FormatOpt,
    SheetOpt,
    Studies,
    TestOpt,
    check_weights,
    finite_or_none,
    format_number,
    measure_codes,
    measure_info,
    measure_layout,
    numeric_columns,
    omission_notes,
    omitted_rows,
    other_layouts,
    parse_format,
    parse_level,
    parse_measure,
    parse_method,
    parse_number,
    parse_test,
    pool,
    print_json,
    read_table_arg,
    reporting,
    rows_with_data,
    run_escalc,
    studies_from_table,
    study_labels,
    to_json,
    without_missing,
)
from sysreview.errors import InputError, SysreviewError

if TYPE_CHECKING:
    from sysreview.models import MetaResult, SubgroupResult
    from sysreview.tabular import Table

__all__ = ["register"]

#: 2×2 columns of the Mantel–Haenszel and Peto methods
TABLE_2X2 = ("ai", "bi", "ci", "di")
#: methods that pool 2×2 tables directly instead of inverse-variance weighting of yi, vi
COUNT_METHODS = {"MH": ("OR", "RR", "RD"), "PETO": ("PETO",)}


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
    with reporting():
        fmt = parse_format(fmt)
        if measure is None:
            raise InputError(f"--measure is required; choose one of {', '.join(measure_codes())}")
        code = parse_measure(measure)
        table = read_table_arg(data, sheet=sheet, col=col)
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
            print_json(out)
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
    columns = measure_layout(table, code)
    if columns is None:
        raise table.missing_columns(
            measure_info(code).columns, purpose=f"measure {code}", alternative=other_layouts(code)
        )
    keep, empty = rows_with_data(table, columns)
    used = table.take(keep)
    arrays = numeric_columns(used, columns)
    options: dict[str, Any] = {"drop00": True} if drop00 else {}
    if add is not None:
        options["add"] = parse_number("--add", add, minimum=0.0)
    if to is not None:
        options["to"] = to
    try:
        es = run_escalc(code, arrays, options)
    except InputError as err:
        raise used.locate(err) from None
    yi: list[float | None] = [None] * len(table)
    vi: list[float | None] = [None] * len(table)
    for pos, index in enumerate(keep):
        yi[index] = finite_or_none(es.yi[pos])
        vi[index] = finite_or_none(es.vi[pos])
    notes = tuple(
        f"{table.source}: row {table.row_numbers[i]}: no data in {', '.join(columns)}; no effect size" for i in empty
    )
    return _Effects(yi=yi, vi=vi, study=study_labels(table), rows=list(table.row_numbers), notes=notes)


def _effects_text(code: str, es: _Effects, table: Table) -> str:
    width = max([len("study"), *(len(s) for s in es.study)])
    lines = [f"Effect sizes: measure {code} ({table.source}, k = {sum(y is not None for y in es.yi)})", ""]
    lines.append(f"{'row':>5}  {'study':<{width}}  {'yi':>10}  {'vi':>10}  {'sei':>10}")
    for row, study, y, v in zip(es.rows, es.study, es.yi, es.vi, strict=True):
        sei = None if v is None or v < 0 else math.sqrt(v)
        lines.append(
            f"{row:>5}  {study:<{width}}  {format_number(y):>10}  {format_number(v):>10}  {format_number(sei):>10}"
        )
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
            help=f"{', '.join(METHOD_CODES)}; {' or '.join(WEIGHTED_METHODS)} with --weights; "
            f"{' or '.join(COUNT_METHODS)} for 2×2 tables.",
        ),
    ] = "REML",
    test: TestOpt = "z",
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
    weights: Annotated[
        str | None,
        typer.Option(
            "--weights",
            metavar="COL",
            help="Weights of the generalised Q statistic (and of the coefficients) for --method GENQ or GENQM.",
            show_default=False,
        ),
    ] = None,
    sheet: SheetOpt = None,
) -> None:
    """Pool effect sizes: random/common-effect model, meta-regression (--mods), Mantel–Haenszel or Peto."""
    with reporting():
        fmt = parse_format(fmt)
        level_value = parse_level(level)
        method_code = parse_method(method, extra=[*WEIGHTED_METHODS, *COUNT_METHODS])
        check_weights(method_code, weights)
        test_code = parse_test(test)
        code = None if measure is None else parse_measure(measure)
        table = read_table_arg(data, sheet=sheet, col=col)
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
                tau2=None if tau2 is None else parse_number("--tau2", tau2, minimum=0.0),
                weights=weights,
            )
        out = fitted.to_dict()
        if fmt == "json":
            print_json(out)
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
    weights: str | None = None,
) -> _Fitted:
    from sysreview.tabular import moderator_matrix

    studies = studies_from_table(table, code)
    if not studies.keep:
        raise InputError(f"no studies to pool (k = 0): no row has values in {studies.what}", file=table.source)
    if weights is not None and subgroup is not None:
        raise InputError("--weights cannot be combined with --subgroup")
    extra = [*([subgroup] if subgroup is not None else []), *([weights] if weights is not None else [])]
    studies = without_missing(studies, table, [*mods, *extra])
    used = studies.used
    moderators, mod_names = moderator_matrix(used, mods) if mods else (None, None)
    if subgroup is not None and mods:
        raise InputError("--subgroup and --mods cannot be combined; use --mods COL for the subgroup factor as well")
    if subgroup is not None and tau2 is not None:
        raise InputError("--tau2 cannot be combined with --subgroup (each subgroup estimates its own tau^2)")
    result: MetaResult | SubgroupResult
    if subgroup is not None:
        try:
            result = _subgroups(studies, subgroup, method=method, test=test, level=level, code=code)
        except InputError as err:
            raise used.locate(err) from None
    else:
        result = pool(
            studies,
            method=method,
            test=test,
            level=level,
            measure=code,
            mods=moderators,
            mod_names=mod_names,
            tau2=tau2,
            weights=weights,
        )
    return _Fitted(result=result, table=table, omitted=studies.omitted, notes=studies.notes)


def _subgroups(
    studies: Studies,
    column: str,
    *,
    method: str,
    test: str,
    level: float,
    code: str | None,
) -> SubgroupResult:
    """``--subgroup COL``: separate pooling within each level of COL and the test for subgroup differences.

    Every study needs a group: an empty cell is an error naming its row.
    """
    from sysreview.models import subgroup_analysis

    used = studies.used
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
        study=studies.labels,
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
            f"{level!s:<{width}}  {r['k']:>3}  {format_number(r['estimate']):>9}  {format_number(r['se']):>8}  "
            f"{format_number(r['ci_lower']):>9}  {format_number(r['ci_upper']):>9}  "
            f"{format_number(r['tau2']):>8}  {format_number(r['I2'], 1):>6}  {format_number(r['Q']):>8}"
        )
    if result.get("single_study_levels"):
        lines.append(f"single-study subgroups (not pooled): {', '.join(result['single_study_levels'])}")
    lines.append("")
    if result.get("Q_between") is not None:
        lines.append(
            "Test for subgroup differences (separate tau^2): "
            f"Q_between(df = {result['Q_between_df']}) = {format_number(result['Q_between'])}, "
            f"p = {format_number(result['Q_between_pvalue'])}"
        )
    test = result.get("moderator_test")
    if test is not None:
        lines.append(
            "Test of moderators (common tau^2, meta-regression): "
            f"QM(df = {test['QM_df']}) = {format_number(test['QM'])}, p = {format_number(test['QM_pvalue'])}"
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
    keep, empty = rows_with_data(table, TABLE_2X2)
    if not keep:
        raise InputError(f"no studies to pool (k = 0): no row has values in {', '.join(TABLE_2X2)}", file=table.source)
    used = table.take(keep)
    cells = numeric_columns(used, TABLE_2X2)
    keep_set = set(keep)
    labels = [s for i, s in enumerate(study_labels(table)) if i in keep_set]
    try:
        if method == "MH":
            result = rma_mh(cells["ai"], cells["bi"], cells["ci"], cells["di"], measure=code, level=level, study=labels)
        else:
            result = rma_peto(cells["ai"], cells["bi"], cells["ci"], cells["di"], level=level, study=labels)
    except InputError as err:
        raise used.locate(err) from None
    omitted = omitted_rows(table, empty, ", ".join(TABLE_2X2))
    return _Fitted(result=result, table=table, omitted=omitted, notes=omission_notes(omitted))


def _studies_text(studies: list[dict[str, Any]]) -> str:
    width = max([len("study"), *(len(str(s["study"])) for s in studies)])
    lines = [f"{'study':<{width}}  {'yi':>10}  {'vi':>10}  {'weight %':>9}"]
    for s in studies:
        lines.append(
            f"{s['study']!s:<{width}}  {format_number(s['yi']):>10}  {format_number(s['vi']):>10}  "
            f"{format_number(s['weight'], 2):>9}"
        )
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
    with reporting():
        fmt = parse_format(fmt)
        from sysreview.models import rma
        from sysreview.tabular import read_table

        with resources.as_file(resources.files("sysreview") / "data" / DEMO_DATA) as path:
            table = read_table(path)
        table = replace(table, source=f"sysreview/data/{DEMO_DATA}")
        arrays = numeric_columns(table, measure_info("SMD").columns)
        es = run_escalc("SMD", arrays)
        result = rma(es.yi, es.vi, method="DL", test="z", measure="SMD", study=study_labels(table))
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
            out.write_text(to_json(payload) + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write the result: {exc.strerror or exc}", file=str(out)) from None
        if fmt == "json":
            print_json(payload)
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


def _signed(value: float) -> str:
    return f"{value:.2f}".replace("-", "\u2212")
