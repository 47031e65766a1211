"""Commands of the diagnostics: ``bias`` (small-study effects, publication bias) and ``sensitivity``.

Both read a study table like ``sysreview meta`` (yi with vi or sei, or raw columns with ``--measure``), fit the
model with ``--method`` and print text or JSON. ``sensitivity --mods COL`` (repeatable) analyses a meta-regression:
leave-one-out and influence diagnostics with every coefficient (no cumulative meta-analysis). Bad input ends the
command with one line on stderr naming the file, row and column, and exit code 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sysreview.cli._common import (
    METHOD_CODES,
    WEIGHTED_METHODS,
    ColOpt,
    DataArg,
    FormatOpt,
    SheetOpt,
    TestOpt,
    check_weights,
    echo_notes,
    format_number,
    parse_format,
    parse_measure,
    parse_method,
    parse_test,
    plain,
    pool,
    print_json,
    read_table_arg,
    reporting,
    studies_from_table,
    without_missing,
)
from sysreview.errors import InputError

if TYPE_CHECKING:
    from sysreview.diagnostics import InfluenceResult, LeaveOneOutResult
    from sysreview.models import Control, MetaResult
    from sysreview.tabular import Table

__all__ = ["register"]

MeasureOpt = Annotated[
    str | None,
    typer.Option(
        "--measure",
        "-m",
        metavar="CODE",
        help="Effect size measure: computes yi, vi from raw columns (metafor's code: OR, RR, SMD …).",
        show_default=False,
    ),
]
MethodOpt = Annotated[
    str,
    typer.Option(metavar="CODE", help=f"τ² estimator: {', '.join(METHOD_CODES)}."),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command("bias", no_args_is_help=True)(bias)
    app.command("sensitivity", no_args_is_help=True)(sensitivity)


# ---------------------------------------------------------------------- bias
def bias(
    data: DataArg,
    *,
    measure: MeasureOpt = None,
    method: MethodOpt = "REML",
    fmt: FormatOpt = "text",
    col: ColOpt = None,
    sheet: SheetOpt = None,
    target: Annotated[
        float | None,
        typer.Option(help="Orwin's target average effect (default: half the average effect).", show_default=False),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Convergence threshold of the iterative τ² estimators (default 1e-12: exact; trim-and-fill refits "
            "at 1e-5 as metafor's trimfill does unless this is given).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Small-study effects and publication bias: Egger, Begg, trim-and-fill, fail-safe N."""
    with reporting():
        from sysreview import diagnostics as dx  # lazy: keeps `sysreview --help` fast

        fmt = parse_format(fmt)
        data_fit = _fit(data, measure, method=method, test="z", sheet=sheet, col=col, threshold=threshold)
        fit = data_fit.fit
        try:
            egger = dx.egger_test(fit, model="lm")
            egger_rma = dx.egger_test(fit, model="rma")
            begg = dx.begg_test(fit)
            trimfill = dx.trim_and_fill(
                fit, estimator="L0", control=data_fit.control if threshold is not None else None
            )
            rosenthal = dx.fail_safe_n(fit, type="Rosenthal")
            orwin = dx.fail_safe_n(fit, type="Orwin", target=target)
            rosenberg = dx.fail_safe_n(fit, type="Rosenberg")
        except InputError as err:
            raise data_fit.table.locate(err) from None
        out: dict[str, Any] = {
            "egger": {
                "statistic": egger.statistic,
                "pvalue": egger.pvalue,
                "df": egger.df,
                "intercept": egger.intercept,
            },
            "egger_rma": {"statistic": egger_rma.statistic, "pvalue": egger_rma.pvalue},
            "begg": {"tau": begg.tau, "pvalue": begg.pvalue},
            "trimfill": {
                "k0": trimfill.k0,
                "side": trimfill.side,
                "estimate": trimfill.estimate,
                "ci_lower": trimfill.ci_lower,
                "ci_upper": trimfill.ci_upper,
                "tau2": trimfill.tau2,
            },
            "failsafe": {"rosenthal": rosenthal.n, "orwin": orwin.n, "rosenberg": rosenberg.n},
        }
        data_fit.echo_notes()
        if fmt == "json":
            print_json(out)
            return
        lines = [f"Small-study effects and publication bias ({_model_line(fit)})", ""]
        lines.append(
            f"Egger's test (weighted regression on sei, t): t = {egger.statistic:.4f}, df = {egger.df}, "
            f"p = {_p(egger.pvalue)}; limit estimate (sei → 0) {egger.intercept:.4f} "
            f"({fit.level:.0%} CI {egger.intercept_ci_lower:.4f} to {egger.intercept_ci_upper:.4f})"
        )
        stat = "z" if egger_rma.df is None else "t"
        lines.append(
            f"Egger's test (meta-regression on sei, {egger_rma.method}): {stat} = {egger_rma.statistic:.4f}, "
            f"p = {_p(egger_rma.pvalue)}"
        )
        lines.append(
            f"Begg's rank correlation: Kendall's tau = {begg.tau:.4f}, p = {_p(begg.pvalue)} "
            f"({'exact' if begg.exact else 'normal approximation'})"
        )
        lines.append(
            f"Trim-and-fill (L0, {fit.method}): {trimfill.k0} stud{'y' if trimfill.k0 == 1 else 'ies'} "
            f"filled on the {trimfill.side}; estimate {trimfill.estimate:.4f} "
            f"({fit.level:.0%} CI {trimfill.ci_lower:.4f} to {trimfill.ci_upper:.4f}), tau^2 = {trimfill.tau2:.4f}"
        )
        lines.append(
            f"Fail-safe N: Rosenthal {rosenthal.n}, Orwin {orwin.n} (target {format_number(orwin.target)}), "
            f"Rosenberg {rosenberg.n}"
        )
        typer.echo("\n".join(lines))


# ---------------------------------------------------------------------- sensitivity
def sensitivity(
    data: DataArg,
    *,
    measure: MeasureOpt = None,
    method: MethodOpt = "REML",
    test: TestOpt = "z",
    mods: Annotated[
        list[str] | None,
        typer.Option(
            "--mods",
            metavar="COL",
            help="Moderator column (repeatable): leave-one-out and influence diagnostics of the meta-regression "
            "(as `meta --mods`; no cumulative meta-analysis).",
            show_default=False,
        ),
    ] = None,
    order: Annotated[
        str | None,
        typer.Option(
            metavar="COL",
            help="Cumulative meta-analysis in ascending order of COL (ties in data order); default: data order.",
            show_default=False,
        ),
    ] = None,
    weights: Annotated[
        str | None,
        typer.Option(
            "--weights",
            metavar="COL",
            help="Weights of the generalised Q statistic for --method GENQ or GENQM (as `meta --weights`); every "
            "refit weights its studies by their values of COL.",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = "text",
    col: ColOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Sensitivity analyses: leave-one-out, influence diagnostics and cumulative meta-analysis."""
    with reporting():
        from sysreview import diagnostics as dx  # lazy: keeps `sysreview --help` fast

        fmt = parse_format(fmt)
        test_code = parse_test(test)
        if mods and order is not None:
            raise InputError("--order (cumulative meta-analysis) applies to models without moderators; drop --mods")
        data_fit = _fit(
            data,
            measure,
            method=method,
            test=test_code,
            sheet=sheet,
            col=col,
            threshold=None,
            mods=mods,
            weights=weights,
        )
        fit = data_fit.fit
        if mods:
            _sensitivity_metareg(data_fit, fmt)
            return
        keys = None if order is None else _sort_keys(data_fit.table, order)
        try:
            loo = dx.leave_one_out(fit)
            inf = dx.influence(fit)
            cum = dx.cumulative(fit, order=keys)
        except InputError as err:
            raise data_fit.table.locate(err) from None
        out: dict[str, Any] = {
            "leave_one_out": {
                "estimate": loo.estimate,
                "ci_lower": loo.ci_lower,
                "ci_upper": loo.ci_upper,
                "tau2": loo.tau2,
                "I2": loo.I2,
            },
            "influence": {
                "rstudent": inf.rstudent,
                "cooks_distance": inf.cooks_distance,
                "hat": inf.hat,
                "dffits": inf.dffits,
            },
            "cumulative": {"estimate": cum.estimate, "ci_lower": cum.ci_lower, "ci_upper": cum.ci_upper},
        }
        data_fit.echo_notes()
        if fmt == "json":
            print_json(out)
            return
        pct = f"{fit.level:.0%}"
        width = max([len("study"), *(len(s) for s in fit.study)])
        lines = [f"Sensitivity analyses ({_model_line(fit)})", "", "Leave-one-out (study omitted):"]
        lines.append(f"{'study':<{width}}  {'estimate':>10}  {pct + ' CI':>23}  {'tau^2':>10}  {'I^2 %':>7}")
        for i, s in enumerate(loo.study):
            lines.append(
                f"{s:<{width}}  {loo.estimate[i]:>10.4f}  {_ci(loo.ci_lower[i], loo.ci_upper[i]):>23}  "
                f"{loo.tau2[i]:>10.4f}  {loo.I2[i]:>7.2f}"
            )
        lines += ["", *_influence_lines(inf, width)]
        by = "data order" if order is None else f"ascending {order}"
        lines += ["", f"Cumulative meta-analysis ({by}; study added):"]
        lines.append(f"{'study':<{width}}  {'k':>4}  {'estimate':>10}  {pct + ' CI':>23}")
        for j, s in enumerate(cum.study):
            lines.append(
                f"{s:<{width}}  {cum.k[j]:>4}  {cum.estimate[j]:>10.4f}  {_ci(cum.ci_lower[j], cum.ci_upper[j]):>23}"
            )
        typer.echo("\n".join(lines))


def _sensitivity_metareg(data_fit: _DataFit, fmt: str) -> None:
    """``sensitivity --mods``: leave-one-out and influence diagnostics of a meta-regression."""
    from sysreview import diagnostics as dx

    fit = data_fit.fit
    try:
        loo = dx.leave_one_out(fit)
        inf = dx.influence(fit)
    except InputError as err:
        raise data_fit.table.locate(err) from None
    out: dict[str, Any] = {
        "leave_one_out": leave_one_out_regression_json(loo),
        "influence": influence_json(inf),
    }
    notes = list(dict.fromkeys([*fit.notes, *loo.notes, *inf.notes]))
    if notes:
        out["notes"] = notes
    data_fit.echo_notes()
    if fmt == "json":
        print_json(out)
        return
    width = max([len("study"), *(len(s) for s in fit.study)])
    names = loo.coefficients
    cw = max(10, *(len(n) for n in names))
    lines = [f"Sensitivity analyses of the meta-regression ({_model_line(fit)})", ""]
    lines.append("Leave-one-out (study omitted; coefficients):")
    lines.append(
        f"{'study':<{width}}  " + "  ".join(f"{n:>{cw}}" for n in names) + f"  {'tau^2':>10}  {'I^2 %':>7}  {'QM':>9}"
    )
    for i, s in enumerate(loo.study):
        coefs = "  ".join(f"{_num(loo.estimate[i, j]):>{cw}}" for j in range(len(names)))
        lines.append(f"{s:<{width}}  {coefs}  {_num(loo.tau2[i]):>10}  {_num(loo.I2[i], 2):>7}  {_num(loo.QM[i]):>9}")
    lines += ["", *_influence_lines(inf, width)]
    lines.append("")
    lines.append("DFBETAS:")
    lines.append(f"{'study':<{width}}  " + "  ".join(f"{n:>{cw}}" for n in inf.coefficients))
    for i, s in enumerate(inf.study):
        lines.append(f"{s:<{width}}  " + "  ".join(f"{_num(v):>{cw}}" for v in inf.dfbetas[i]))
    lines += [f"Note: {n}" for n in notes]
    typer.echo("\n".join(lines))


def leave_one_out_regression_json(loo: LeaveOneOutResult) -> dict[str, Any]:
    """The JSON of ``sensitivity --mods``'s leave-one-out: per coefficient its name and one value per omitted
    study of estimate, se, statistic, pvalue, ci_lower, ci_upper; then τ², I², H², Q, Q_pvalue, QM, QM_pvalue."""
    coefficients = [
        {
            "name": name,
            **{
                key: getattr(loo, key)[:, j]
                for key in ("estimate", "se", "statistic", "pvalue", "ci_lower", "ci_upper")
            },
        }
        for j, name in enumerate(loo.coefficients)
    ]
    out: dict[str, Any] = plain(
        {
            "coefficients": coefficients,
            **{key: getattr(loo, key) for key in ("tau2", "I2", "H2", "Q", "Q_pvalue", "QM", "QM_pvalue")},
        }
    )
    return out


def influence_json(inf: InfluenceResult) -> dict[str, Any]:
    """The JSON of ``sensitivity --mods``'s influence diagnostics (metafor's influence(): inf, dfbs, is.infl)."""
    keys = ("rstudent", "dffits", "cooks_distance", "covratio", "tau2_deleted", "Q_deleted", "hat", "weight")
    out: dict[str, Any] = plain({key: getattr(inf, key) for key in keys})
    out["influential"] = inf.to_dict()["influential"]
    out["dfbetas"] = plain({name: inf.dfbetas[:, j] for j, name in enumerate(inf.coefficients)})
    return out


def _influence_lines(inf: InfluenceResult, width: int) -> list[str]:
    lines = ["Influence diagnostics (* influential by the cut-offs of Viechtbauer & Cheung 2010):"]
    lines.append(
        f"{'study':<{width}}  {'rstudent':>9}  {'dffits':>9}  {'cook.d':>9}  {'cov.r':>9}  {'hat':>7}  "
        f"{'tau^2(-i)':>10}"
    )
    for i, s in enumerate(inf.study):
        flag = " *" if inf.influential[i] else ""
        lines.append(
            f"{s:<{width}}  {_num(inf.rstudent[i]):>9}  {_num(inf.dffits[i]):>9}  {_num(inf.cooks_distance[i]):>9}  "
            f"{_num(inf.covratio[i]):>9}  {_num(inf.hat[i]):>7}  {_num(inf.tau2_deleted[i]):>10}{flag}"
        )
    return lines


def _num(value: float, digits: int = 4) -> str:
    """A number with ``digits`` decimals, NA where it is not finite (no refit possible)."""
    return f"{value:.{digits}f}" if math.isfinite(value) else "NA"


# ---------------------------------------------------------------------- shared steps
@dataclass(frozen=True, slots=True)
class _DataFit:
    """The fitted model, the table rows it came from (errors still point into the file) and notes."""

    fit: MetaResult
    table: Table
    control: Control | None
    notes: list[str]

    def echo_notes(self) -> None:
        echo_notes(self.notes)


def _fit(
    data: str,
    measure: str | None,
    *,
    method: str,
    test: str,
    sheet: str | None,
    col: list[str] | None,
    threshold: float | None,
    mods: list[str] | None = None,
    weights: str | None = None,
) -> _DataFit:
    from sysreview.models import Control  # lazy: keeps `sysreview --help` fast
    from sysreview.tabular import moderator_matrix

    method_code = parse_method(method, extra=WEIGHTED_METHODS if weights is not None else ())
    check_weights(method_code, weights)
    code = None if measure is None else parse_measure(measure)
    control = None
    if threshold is not None:
        if not threshold > 0:
            raise InputError(f"--threshold must be positive, got {threshold!r}")
        control = Control(threshold=threshold)
    table = read_table_arg(data, sheet=sheet, col=col)
    studies = studies_from_table(table, code)
    if not studies.keep:
        raise InputError(f"no studies: no row has values in {studies.what}", file=table.source)
    moderators = mod_names = None
    if mods or weights is not None:
        # studies with an empty moderator or weight cell are left out
        studies = without_missing(studies, table, [*(mods or []), *([weights] if weights is not None else [])])
    if mods:
        moderators, mod_names = moderator_matrix(studies.used, mods)
    fit = pool(
        studies,
        method=method_code,
        test=test,
        measure=code,
        control=control,
        mods=moderators,
        mod_names=mod_names,
        weights=weights,
    )
    return _DataFit(fit=fit, table=studies.used, control=control, notes=studies.notes)


def _sort_keys(table: Table, column: str) -> list[Any]:
    """The values of ``--order COL`` per study: numbers when the column is numeric, text otherwise."""
    table.column(column)  # a missing column: error listing the file's columns
    if table.is_numeric(column):
        return list(table.numeric(column, what="sort key"))
    return list(table.text(column, required=True))


def _model_line(fit: MetaResult) -> str:
    model = "common-effect model" if fit.method in {"FE", "EE", "CE"} else f"random-effects model, {fit.method}"
    measure = f"measure {fit.measure}, " if fit.measure else ""
    return f"{measure}{model}, k = {fit.k}"


def _p(value: float) -> str:
    return "< .0001" if value < 1e-4 else f"{value:.4f}"


def _ci(lower: float, upper: float) -> str:
    return f"[{lower:.4f}, {upper:.4f}]"
