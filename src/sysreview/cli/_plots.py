"""Commands of the figures: ``sysreview plot forest|funnel|leave-one-out|cumulative|baujat|gosh|radial|bubble|labbe|
rob|prisma``.

Each command reads its input like ``sysreview meta`` (a study table with yi and vi or sei, or raw columns with
``--measure``), fits the model with ``--method``/``--test``/``--level``, draws the figure with ``sysreview.plots``
and writes it to ``--out`` (SVG, PNG at 300 dpi, or PDF by the suffix). Bad input ends the command with one line on
stderr and exit code 2; notes on the input go to stderr; the path written is printed on stdout.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sysreview.cli._common import (
    METHOD_CODES,
    ColOpt,
    DataArg,
    SheetOpt,
    Studies,
    TestOpt,
    choose,
    echo_notes,
    measure_info,
    numeric_columns,
    parse_level,
    parse_measure,
    parse_method,
    parse_number,
    parse_test,
    pool,
    read_table_arg,
    reporting,
    studies_from_table,
)
from sysreview.errors import InputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sysreview.models import MetaResult, SubgroupResult
    from sysreview.tabular import Table

__all__ = ["register"]

plot_app = typer.Typer(
    name="plot",
    help="Figures (SVG, PNG, PDF): forest, funnel, risk of bias, PRISMA flow, sensitivity plots.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

PALETTE_CHOICES = ("default", "colourblind")
WIDTH_HELP = "Figure width: single (8.5 cm), double (17.5 cm) or a number of cm."

OutOpt = Annotated[
    str,
    typer.Option("--out", "-o", metavar="PATH", help="Output file: .svg, .png (300 dpi) or .pdf.", show_default=False),
]
MeasureOpt = Annotated[
    str | None,
    typer.Option(
        "--measure",
        "-m",
        metavar="CODE",
        help="Effect size measure: computes yi, vi from raw columns (or labels given yi, vi): OR, RR, SMD …",
        show_default=False,
    ),
]
MethodOpt = Annotated[str, typer.Option(metavar="CODE", help=f"τ² estimator: {', '.join(METHOD_CODES)}.")]
LevelOpt = Annotated[str, typer.Option(metavar="LEVEL", help="Confidence level, 0.95 or 95.")]
PaletteOpt = Annotated[str, typer.Option(metavar="default|colourblind", help="Colour palette.")]
FontOpt = Annotated[str, typer.Option("--fontsize", metavar="PT", help="Base font size in points (at least 7).")]
WidthOpt = Annotated[str | None, typer.Option(metavar="single|double|CM", help=WIDTH_HELP, show_default=False)]
TransfOpt = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="Displayed scale: none, exp, tanh, expit, sin_squared (default: the measure's back-transform).",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``plot`` command group to the application."""
    app.add_typer(plot_app, name="plot")


# ---------------------------------------------------------------------- shared parsing
@dataclass(frozen=True, slots=True)
class _Look:
    palette: str
    fontsize: float
    width: str | float | None


def _look(palette: str, fontsize: str, width: str | None) -> _Look:
    pal = choose("palette", "colourblind" if palette.casefold() == "colorblind" else palette, PALETTE_CHOICES)
    size = parse_number("--fontsize", fontsize, minimum=7.0)
    return _Look(palette=pal, fontsize=size, width=_width(width))


def _width(text: str | None) -> str | float | None:
    if text is None:
        return None
    if text.strip().casefold() in {"single", "double"}:
        return text.strip().casefold()
    return parse_number("--width", text.removesuffix("cm").strip(), minimum=1.0)


def _numbers(option: str, text: str | None, *, count: int | None = None) -> list[float] | None:
    """``--xlim 0.1,10`` / ``--at 0.25,1,4``: comma-separated numbers."""
    if text is None:
        return None
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"{option} {text!r}: give comma-separated numbers, e.g. 0.25,1,4") from None
    if count is not None and len(values) != count:
        raise InputError(f"{option} {text!r}: give {count} comma-separated numbers")
    return values


def _out(path: str) -> Path:
    target = Path(path)
    if target.suffix.lower() not in {".svg", ".png", ".pdf"}:
        raise InputError(f"--out {path!r}: the file name must end in .svg, .png or .pdf")
    return target


def _write(fig: Figure, out: Path) -> None:
    from sysreview.plots import save

    save(fig, out)
    typer.echo(str(out))


@dataclass(frozen=True, slots=True)
class _Data:
    table: Table
    studies: Studies
    code: str | None


def _read(data: str, *, measure: str | None, sheet: str | None, col: Sequence[str] | None) -> _Data:
    code = None if measure is None else parse_measure(measure)
    table = read_table_arg(data, sheet=sheet, col=col)
    studies = studies_from_table(table, code)
    if not studies.keep:
        raise InputError(f"no studies to plot (k = 0): no row has values in {studies.what}", file=table.source)
    echo_notes(studies.notes)
    return _Data(table=table, studies=studies, code=code)


def _fit(data: _Data, *, method: str, test: str, level: str, mods: Sequence[str] = ()) -> MetaResult:
    from sysreview.tabular import moderator_matrix

    used = data.studies.used
    moderators, names = moderator_matrix(used, mods) if mods else (None, None)
    return pool(
        data.studies,
        method=parse_method(method),
        test=parse_test(test),
        level=parse_level(level),
        measure=data.code,
        mods=moderators,
        mod_names=names,
    )


# ---------------------------------------------------------------------- forest
_ARM_TITLES = {
    "ai": "Events\n({0})",
    "n1i": "Total\n({0})",
    "ci": "Events\n({1})",
    "n2i": "Total\n({1})",
    "m1i": "Mean\n({0})",
    "sd1i": "SD\n({0})",
    "m2i": "Mean\n({1})",
    "sd2i": "SD\n({1})",
}
_ARM_ORDER = {
    "two_by_two": ("ai", "n1i", "ci", "n2i"),
    "two_means": ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
}


def _arm_columns(data: _Data, arms: tuple[str, str]) -> dict[str, list[str]] | None:
    """Arm data of the raw columns (events/totals or mean/SD/N per group), as RevMan prints them."""
    if data.code is None:
        return None
    family = measure_info(data.code).family
    order = _ARM_ORDER.get(family)
    used = data.studies.used
    if order is None:
        return None
    present = [c for c in order if used.has(c)]
    if family == "two_by_two" and not used.has("n1i") and used.has("bi") and used.has("di"):
        values = numeric_columns(used, ("ai", "bi", "ci", "di"))
        totals = {"n1i": values["ai"] + values["bi"], "n2i": values["ci"] + values["di"]}
        columns = {"ai": values["ai"], "ci": values["ci"], **totals}
        present = list(order)
    elif len(present) == len(order):
        columns = numeric_columns(used, present)
    else:
        return None
    return {_ARM_TITLES[c].format(*arms): [f"{v:g}".replace("-", "\u2212") for v in columns[c]] for c in present}


def _rob_table(path: str | None) -> Any:
    if path is None:
        return None
    from sysreview.tabular import read_table

    table = read_table(path)
    echo_notes(table.notes)
    rows = []
    for i in range(len(table)):
        rows.append({c: table.text(c)[i] or "" for c in table.columns})
    return rows


def forest(
    data: DataArg,
    *,
    out: OutOpt,
    measure: MeasureOpt = None,
    method: MethodOpt = "REML",
    test: TestOpt = "z",
    level: LevelOpt = "0.95",
    subgroup: Annotated[
        str | None,
        typer.Option(metavar="COL", help="Subgroups by the levels of COL, with subtotals.", show_default=False),
    ] = None,
    favours_left: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Label left of the null line.", show_default=False)
    ] = None,
    favours_right: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Label right of the null line.", show_default=False)
    ] = None,
    arms: Annotated[
        str, typer.Option(metavar="NAME1,NAME2", help="Names of the two groups in the arm-data columns.")
    ] = "Exp.,Ctrl.",
    no_arms: Annotated[bool, typer.Option("--no-arms", help="Leave out the arm-data columns.")] = False,
    rob: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Risk-of-bias table in robvis layout (Study, D1 … Dn, Overall) to add as columns.",
            show_default=False,
        ),
    ] = None,
    transf: TransfOpt = None,
    xlim: Annotated[
        str | None, typer.Option(metavar="LO,HI", help="Axis limits on the displayed scale.", show_default=False)
    ] = None,
    at: Annotated[
        str | None, typer.Option(metavar="V,V,…", help="Axis ticks on the displayed scale.", show_default=False)
    ] = None,
    no_prediction: Annotated[bool, typer.Option("--no-prediction", help="Leave out the prediction interval.")] = False,
    palette: PaletteOpt = "default",
    fontsize: FontOpt = "7",
    width: WidthOpt = None,
    col: ColOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Forest plot: studies, pooled diamond, prediction interval, heterogeneity, tests (--subgroup: subtotals)."""
    with reporting():
        look = _look(palette, fontsize, width)
        target = _out(out)
        if (favours_left is None) != (favours_right is None):
            raise InputError("give both --favours-left and --favours-right (or neither)")
        names = tuple(a.strip() for a in arms.split(","))
        if len(names) != 2 or not all(names):
            raise InputError(f"--arms {arms!r}: give two names separated by a comma")
        loaded = _read(data, measure=measure, sheet=sheet, col=col)
        result: MetaResult | SubgroupResult
        if subgroup is not None:
            result = _subgroups(loaded, subgroup, method=method, test=test, level=level)
        else:
            result = _fit(loaded, method=method, test=test, level=level)
        from sysreview.plots import forest_plot

        fig = forest_plot(
            result,
            columns=None if no_arms else _arm_columns(loaded, (names[0], names[1])),
            rob=_rob_table(rob),
            transf=transf,
            xlim=_pair(_numbers("--xlim", xlim, count=2)),
            at=_numbers("--at", at),
            favours=None if favours_left is None or favours_right is None else (favours_left, favours_right),
            prediction=not no_prediction,
            palette=look.palette,
            fontsize=look.fontsize,
            width=look.width,
        )
        _write(fig, target)


def _pair(values: list[float] | None) -> tuple[float, float] | None:
    return None if values is None else (values[0], values[1])


def _subgroups(data: _Data, column: str, *, method: str, test: str, level: str) -> SubgroupResult:
    from sysreview.models import subgroup_analysis

    used = data.studies.used
    groups = used.text(column, required=True)
    vi = data.studies.vi if data.studies.vi is not None else data.studies.sei**2  # type: ignore[operator]
    try:
        return subgroup_analysis(
            data.studies.yi,
            vi,
            groups,
            method=parse_method(method),
            test=parse_test(test),
            level=parse_level(level),
            measure=data.code,
            study=data.studies.labels,
            variable=used.column(column),
        )
    except InputError as err:
        raise used.locate(err) from None


# ---------------------------------------------------------------------- funnel and sensitivity
def funnel(
    data: DataArg,
    *,
    out: OutOpt,
    measure: MeasureOpt = None,
    method: MethodOpt = "REML",
    test: TestOpt = "z",
    level: LevelOpt = "0.95",
    trimfill: Annotated[bool, typer.Option("--trimfill", help="Add trim-and-fill's filled studies.")] = False,
    egger: Annotated[bool, typer.Option("--egger", help="Add Egger's regression line and test.")] = False,
    no_contours: Annotated[bool, typer.Option("--no-contours", help="Classic funnel without contours.")] = False,
    transf: TransfOpt = None,
    palette: PaletteOpt = "default",
    fontsize: FontOpt = "7",
    width: WidthOpt = "single",
    col: ColOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Contour-enhanced funnel plot (with --trimfill and --egger)."""
    with reporting():
        look = _look(palette, fontsize, width)
        target = _out(out)
        fit = _fit(_read(data, measure=measure, sheet=sheet, col=col), method=method, test=test, level=level)
        from sysreview.diagnostics import egger_test, trim_and_fill
        from sysreview.plots import funnel_plot

        fig = funnel_plot(
            fit,
            contours=None if no_contours else (0.90, 0.95, 0.99),
            trimfill=trim_and_fill(fit) if trimfill else None,
            egger=egger_test(fit) if egger else None,
            transf=transf,
            palette=look.palette,
            fontsize=look.fontsize,
            width=look.width or "single",
        )
        _write(fig, target)


def leave_one_out(
    data: DataArg,
    *,
    out: OutOpt,
    measure: MeasureOpt = None,
    method: MethodOpt = "REML",
    test: TestOpt = "z",
    level: LevelOpt = "0.95",
    transf: TransfOpt = None,
    palette: PaletteOpt = "default",
    fontsize: FontOpt = "7",
    width: WidthOpt = None,
    col: ColOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Leave-one-out forest: the pooled result with each study omitted in turn."""
    with reporting():
        look = _look(palette, fontsize, width)
        target = _out(out)
        fit = _fit(_read(data, measure=measure, sheet=sheet, col=col), method=method, test=test, level=level)
        from sysreview.diagnostics import leave_one_out as loo
        from sysreview.plots import leave_one_out_plot

        fig = leave_one_out_plot(
            loo(fit), fit=fit, transf=transf, palette=look.palette, fontsize=look.fontsize, width=look.width
        )
        _write(fig, target)


def cumulative(
    data: DataArg,
    *,
    out: OutOpt,
    order: Annotated[
        str | None,
        typer.Option(metavar="COL", help="Add studies in ascending order of COL (e.g. year).", show_default=False),
    ] = None,
    measure: MeasureOpt = None,
    method: MethodOpt = "REML",
    test: TestOpt = "z",
    level: LevelOpt = "0.95",
    transf: TransfOpt = None,
    palette: PaletteOpt = "default",
    fontsize: FontOpt = "7",
    width: WidthOpt = None,
    col: ColOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Cumulative forest: the pooled result as studies are added (in data order or by --order COL)."""
    with reporting():
        look = _look(palette, fontsize, width)
        target = _out(out)
        loaded = _read(data, measure=measure, sheet=sheet, col=col)
        fit = _fit(loaded, method=method, test=test, level=level)
        keys: Any = None
        if order is not None:
            used = loaded.studies.used
            keys = used.numeric(order) if used.is_numeric(order) else [t or "" for t in used.text(order, required=True)]
        from sysreview.diagnostics import cumulative as cum
        from sysreview.plots import cumulative_plot

        fig = cumulative_plot(
            cum(fit, order=keys),
            fit=fit,
            transf=transf,
            palette=look.palette,
            fontsize=look.fontsize,
            width=look.width,
        )
        _write(fig, target)


def baujat(
    data: DataArg,
    *,
    out: OutOpt,
    measure: MeasureOpt = None,
    method: MethodOpt = "REML",
    palette: PaletteOpt = "default",
    fontsize: FontOpt = "7",
    width: WidthOpt = "single",
    col: ColOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Baujat plot: contribution to heterogeneity against influence on the pooled result."""
    with reporting():
        look = _look(palette, fontsize, width)
        target = _out(out)
        fit = _fit(_read(data, measure=measure, sheet=sheet, col=col), method=method, test="z", level="0.95")
        from sysreview.diagnostics import baujat as coordinates
        from sysreview.plots import baujat_plot

        fig = baujat_plot(coordinates(fit), palette=look.palette, fontsize=look.fontsize, width=look.width or "single")
        _write(fig, target)


def gosh(
    data: DataArg,
    *,
    out: OutOpt,
    measure: MeasureOpt = None,
    method: MethodOpt = "REML",
    subsets: Annotated[
        int, typer.Option(metavar="N", help="Most subsets to fit (all when 2^k − 1 ≤ N, else a random sample).")
    ] = 100_000,
    seed: Annotated[int, typer.Option(metavar="SEED", help="Seed of the random sample of subsets.")] = 1,
    highlight: Annotated[
        str | None, typer.Option(metavar="STUDY", help="Colour the subsets containing STUDY.", show_default=False)
    ] = None,
    transf: TransfOpt = None,
    palette: PaletteOpt = "default",
    fontsize: FontOpt = "7",
    width: WidthOpt = "single",
    col: ColOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """GOSH plot: I² against the pooled estimate over subsets of the studies."""
    with reporting():
        look = _look(palette, fontsize, width)
        target = _out(out)
        fit = _fit(_read(data, measure=measure, sheet=sheet, col=col), method=method, test="z", level="0.95")
        from sysreview.diagnostics import gosh as fit_subsets
        from sysreview.plots import gosh_plot

        fig = gosh_plot(
            fit_subsets(fit, subsets=subsets, random_state=seed),
            highlight=highlight,
            measure=fit.measure,
            transf=transf,
            palette=look.palette,
            fontsize=look.fontsize,
            width=look.width or "single",
        )
        _write(fig, target)


def radial(
    data: DataArg,
    *,
    out: OutOpt,
    measure: MeasureOpt = None,
    method: MethodOpt = "REML",
    test: TestOpt = "z",
    level: LevelOpt = "0.95",
    palette: PaletteOpt = "default",
    fontsize: FontOpt = "7",
    width: WidthOpt = "single",
    col: ColOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Radial (Galbraith) plot."""
    with reporting():
        look = _look(palette, fontsize, width)
        target = _out(out)
        fit = _fit(_read(data, measure=measure, sheet=sheet, col=col), method=method, test=test, level=level)
        from sysreview.plots import radial_plot

        _write(radial_plot(fit, palette=look.palette, fontsize=look.fontsize, width=look.width or "single"), target)


def bubble(
    data: DataArg,
    *,
    out: OutOpt,
    mods: Annotated[
        list[str],
        typer.Option("--mods", metavar="COL", help="Moderator column (repeatable); the first is on the x axis."),
    ],
    measure: MeasureOpt = None,
    method: MethodOpt = "REML",
    test: TestOpt = "z",
    level: LevelOpt = "0.95",
    prediction: Annotated[bool, typer.Option("--prediction", help="Add the prediction band.")] = False,
    transf: TransfOpt = None,
    palette: PaletteOpt = "default",
    fontsize: FontOpt = "7",
    width: WidthOpt = "single",
    col: ColOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Bubble plot of a meta-regression on --mods."""
    with reporting():
        look = _look(palette, fontsize, width)
        target = _out(out)
        fit = _fit(_read(data, measure=measure, sheet=sheet, col=col), method=method, test=test, level=level, mods=mods)
        from sysreview.plots import bubble_plot

        fig = bubble_plot(
            fit,
            moderator=fit.moderators[0],
            transf=transf,
            prediction=prediction,
            xlabel=mods[0],
            palette=look.palette,
            fontsize=look.fontsize,
            width=look.width or "single",
        )
        _write(fig, target)


def labbe(
    data: DataArg,
    *,
    out: OutOpt,
    measure: Annotated[str, typer.Option("--measure", "-m", metavar="OR|RR|RD", help="2×2 measure.")] = "OR",
    method: MethodOpt = "REML",
    palette: PaletteOpt = "default",
    fontsize: FontOpt = "7",
    width: WidthOpt = "single",
    col: ColOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """L'Abbé plot of 2×2 tables (columns ai, bi, ci, di or ai, n1i, ci, n2i)."""
    with reporting():
        look = _look(palette, fontsize, width)
        target = _out(out)
        code = choose("measure", measure, ["OR", "RR", "RD"])
        loaded = _read(data, measure=code, sheet=sheet, col=col)
        fit = _fit(loaded, method=method, test="z", level="0.95")
        used = loaded.studies.used
        if used.has("n1i") and used.has("n2i"):
            v = numeric_columns(used, ("ai", "n1i", "ci", "n2i"))
            n1, n2 = v["n1i"], v["n2i"]
        else:
            v = numeric_columns(used, ("ai", "bi", "ci", "di"))
            n1, n2 = v["ai"] + v["bi"], v["ci"] + v["di"]
        from sysreview.plots import labbe_plot

        fig = labbe_plot(
            fit, v["ai"], n1, v["ci"], n2, palette=look.palette, fontsize=look.fontsize, width=look.width or "single"
        )
        _write(fig, target)


# ---------------------------------------------------------------------- risk of bias and PRISMA
def rob(
    table: Annotated[
        str, typer.Argument(metavar="FILE", help="Risk-of-bias table: Study, D1 … Dn, Overall[, Weight].")
    ],
    *,
    out: OutOpt,
    kind: Annotated[str, typer.Option(metavar="traffic-light|summary", help="Which figure.")] = "traffic-light",
    tool: Annotated[
        str | None,
        typer.Option(metavar="rob2|robins-i", help="Names the domains in the caption.", show_default=False),
    ] = None,
    weighted: Annotated[
        bool | None,
        typer.Option(
            "--weighted/--unweighted", help="Summary: weight studies by the Weight column.", show_default=False
        ),
    ] = None,
    palette: PaletteOpt = "default",
    fontsize: FontOpt = "7",
    width: WidthOpt = None,
) -> None:
    """Risk-of-bias traffic-light or summary plot (robvis look)."""
    with reporting():
        look = _look(palette, fontsize, width)
        target = _out(out)
        which = choose("kind", kind, ["traffic-light", "summary"])
        tool_code = None if tool is None else choose("tool", tool, ["rob2", "robins-i"])
        rows = _rob_table(table)
        from sysreview.plots import rob_summary, rob_traffic_light

        if which == "summary":
            fig = rob_summary(
                rows,
                weighted=weighted,
                tool=tool_code,
                palette=look.palette,
                fontsize=look.fontsize,
                width=look.width or "single",
            )
        else:
            fig = rob_traffic_light(
                rows, tool=tool_code, palette=look.palette, fontsize=look.fontsize, width=look.width
            )
        _write(fig, target)


def prisma(
    counts: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="Counts: the PRISMA2020 template CSV (columns data, n) or a JSON object of its field names.",
        ),
    ],
    *,
    out: OutOpt,
    palette: PaletteOpt = "default",
    fontsize: FontOpt = "7",
    width: WidthOpt = "double",
) -> None:
    """PRISMA 2020 flow diagram; counts that do not add up are reported as warnings on stderr."""
    with reporting():
        look = _look(palette, fontsize, width)
        target = _out(out)
        from sysreview.plots import PrismaCounts, PrismaWarning, prisma_flow, read_prisma_csv

        path = Path(counts)
        if path.suffix.lower() == ".json":
            try:
                payload = json.loads(path.read_text(encoding="utf-8"))
            except OSError as err:
                raise InputError(f"cannot read {path}: {err.strerror}") from None
            except json.JSONDecodeError as err:
                raise InputError(f"{path}: not valid JSON ({err.msg}, line {err.lineno})") from None
            if not isinstance(payload, dict):
                raise InputError(f"{path}: expected a JSON object of PRISMA field names and counts")
            parsed = PrismaCounts.from_mapping(payload)
        else:
            parsed = read_prisma_csv(path)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", PrismaWarning)
            fig = prisma_flow(parsed, palette=look.palette, fontsize=look.fontsize, width=look.width or "double")
        for w in caught:
            typer.echo(f"warning: {w.message}", err=True)
        _write(fig, target)


for _name, _command in (
    ("forest", forest),
    ("funnel", funnel),
    ("leave-one-out", leave_one_out),
    ("cumulative", cumulative),
    ("baujat", baujat),
    ("gosh", gosh),
    ("radial", radial),
    ("bubble", bubble),
    ("labbe", labbe),
    ("rob", rob),
    ("prisma", prisma),
):
    plot_app.command(_name, no_args_is_help=True)(_command)
