"""Sensitivity figures: leave-one-out and cumulative forests, GOSH and Baujat plots."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.lines import Line2D

from sysreview._typing import FloatArray
from sysreview.diagnostics import BaujatResult, CumulativeResult, GoshResult, LeaveOneOutResult
from sysreview.errors import InputError
from sysreview.models import MetaResult
from sysreview.plots._forest import model_label
from sysreview.plots._scale import Scale, effect_label, estimate_title, resolve_scale
from sysreview.plots._style import (
    Palette,
    format_ci,
    format_number,
    make_style,
    new_figure,
    resolve_width,
    style_context,
)
from sysreview.plots._table import Column, Row, draw_table

__all__ = ["baujat_plot", "cumulative_plot", "gosh_plot", "leave_one_out_plot"]

#: above this many subsets GOSH points are rasterised inside vector files (text stays vector)
_RASTER_ABOVE = 2_000


def _estimate(scale: Scale, est: float, lo: float, hi: float, digits: int) -> str:
    return f"{format_number(scale.show(est), digits)} {format_ci(scale.show(lo), scale.show(hi), digits)}"


def _settings(fit: MetaResult | None, measure: str | None, level: float) -> tuple[str | None, float]:
    if fit is not None:
        return fit.measure if measure is None else measure, fit.level
    return measure, level


def leave_one_out_plot(
    loo: LeaveOneOutResult,
    *,
    fit: MetaResult | None = None,
    measure: str | None = None,
    transf: str | Callable[[FloatArray], FloatArray] | None = None,
    xlim: tuple[float, float] | None = None,
    at: Sequence[float] | None = None,
    digits: int = 2,
    palette: str | Palette = "default",
    fontsize: float = 7.0,
    width: str | float | None = None,
) -> Figure:
    """Leave-one-out forest: the pooled estimate and CI with each study omitted in turn, with I² per refit.

    ``fit`` (the model of all studies) adds its diamond and a dotted line at its estimate, and gives the measure
    for the axis (else ``measure``). Row gids: ``omit-{i}-box``, ``omit-{i}-estimate``; ``diamond-overall``.
    """
    if not isinstance(loo, LeaveOneOutResult):
        raise InputError(f"leave_one_out_plot takes a LeaveOneOutResult, got {type(loo).__name__}")
    if loo.meta_regression:
        raise InputError(
            "leave_one_out_plot draws the pooled estimate of a model without moderators; this leave-one-out result "
            f"is of a meta-regression ({', '.join(loo.coefficients)}): plot or tabulate its coefficients instead"
        )
    code, level = _settings(fit, measure, loo.level)
    scale = resolve_scale(transf, code)
    rows = [
        Row(
            kind="point",
            label=f"Omitting {s}",
            estimate=float(loo.estimate[i]),
            lower=float(loo.ci_lower[i]),
            upper=float(loo.ci_upper[i]),
            gid=f"omit-{i}",
            cells={
                "I2": _i2(float(loo.I2[i])),
                "estimate": _estimate(
                    scale, float(loo.estimate[i]), float(loo.ci_lower[i]), float(loo.ci_upper[i]), digits
                ),
            },
        )
        for i, s in enumerate(loo.study)
    ]
    return _sensitivity_forest(
        rows,
        fit,
        scale=scale,
        code=code,
        level=level,
        xlim=xlim,
        at=at,
        digits=digits,
        palette=palette,
        fontsize=fontsize,
        width=width,
        label_title="Study omitted",
        first=Column("I2", "I²"),
    )


def cumulative_plot(
    cum: CumulativeResult,
    *,
    fit: MetaResult | None = None,
    measure: str | None = None,
    transf: str | Callable[[FloatArray], FloatArray] | None = None,
    xlim: tuple[float, float] | None = None,
    at: Sequence[float] | None = None,
    digits: int = 2,
    palette: str | Palette = "default",
    fontsize: float = 7.0,
    width: str | float | None = None,
) -> Figure:
    """Cumulative forest: the pooled estimate and CI as each study is added (in the analysis's order), with k.

    Row gids: ``step-{j}-box``, ``step-{j}-estimate``; the last row is the fit to all studies.
    """
    if not isinstance(cum, CumulativeResult):
        raise InputError(f"cumulative_plot takes a CumulativeResult, got {type(cum).__name__}")
    code, level = _settings(fit, measure, cum.level)
    scale = resolve_scale(transf, code)
    rows = [
        Row(
            kind="point",
            label=f"+ {s}" if j else s,
            estimate=float(cum.estimate[j]),
            lower=float(cum.ci_lower[j]),
            upper=float(cum.ci_upper[j]),
            gid=f"step-{j}",
            cells={
                "k": str(int(cum.k[j])),
                "estimate": _estimate(
                    scale, float(cum.estimate[j]), float(cum.ci_lower[j]), float(cum.ci_upper[j]), digits
                ),
            },
        )
        for j, s in enumerate(cum.study)
    ]
    return _sensitivity_forest(
        rows,
        None,
        scale=scale,
        code=code,
        level=level,
        xlim=xlim,
        at=at,
        digits=digits,
        palette=palette,
        fontsize=fontsize,
        width=width,
        label_title="Study added",
        first=Column("k", "k"),
    )


def _i2(value: float) -> str:
    return "NA" if not math.isfinite(value) else f"{value:.0f}%"


def _sensitivity_forest(
    rows: list[Row],
    fit: MetaResult | None,
    *,
    scale: Scale,
    code: str | None,
    level: float,
    xlim: tuple[float, float] | None,
    at: Sequence[float] | None,
    digits: int,
    palette: str | Palette,
    fontsize: float,
    width: str | float | None,
    label_title: str,
    first: Column,
) -> Figure:
    style = make_style(fontsize, palette)
    summary_line = None
    if fit is not None and fit.estimate is not None and fit.ci_lower is not None and fit.ci_upper is not None:
        rows = [
            *rows,
            Row(kind="blank"),
            Row(
                kind="summary",
                label=f"All studies ({model_label(fit)})",
                estimate=fit.estimate,
                lower=fit.ci_lower,
                upper=fit.ci_upper,
                gid="diamond-overall",
                cells={
                    "I2": _i2(fit.I2 if fit.I2 is not None else math.nan),
                    "estimate": _estimate(scale, fit.estimate, fit.ci_lower, fit.ci_upper, digits),
                },
            ),
        ]
        summary_line = fit.estimate
    with style_context(style):
        return draw_table(
            rows,
            label_title=label_title,
            left=[],
            right=[first, Column("estimate", estimate_title(code, scale, level))],
            rob_domains=[],
            scale=scale,
            xlim=xlim,
            at=at,
            refline=0.0 if scale.name in {"identity", "exp", "tanh"} else None,
            favours=None,
            xlabel=effect_label(code, scale),
            style=style,
            width_pt=resolve_width(width),
            summary_line=summary_line,
        )


def gosh_plot(
    gosh: GoshResult,
    *,
    highlight: str | None = None,
    measure: str | None = None,
    transf: str | Callable[[FloatArray], FloatArray] | None = None,
    bins: int = 40,
    palette: str | Palette = "default",
    fontsize: float = 7.0,
    width: str | float = "single",
) -> Figure:
    """GOSH plot: I² against the pooled estimate for every fitted subset, with marginal histograms.

    ``highlight`` (a study label) colours the subsets that contain that study (Olkin et al. 2012). With more than
    2,000 subsets the points are rasterised inside SVG/PDF files (axes and text stay vector).
    gids: ``gosh-points`` (``gosh-points-with``/``gosh-points-without`` when highlighting), ``hist-estimate``,
    ``hist-I2``.

    References
    ----------
    Olkin, I., Dahabreh, I. J., & Trikalinos, T. A. (2012). GOSH – a graphical display of study heterogeneity.
    *Research Synthesis Methods*, 3(3), 214–223.
    """
    if not isinstance(gosh, GoshResult):
        raise InputError(f"gosh_plot takes a GoshResult, got {type(gosh).__name__}")
    style = make_style(fontsize, palette)
    scale = resolve_scale(transf, measure)
    width_pt = resolve_width(width)
    assert width_pt is not None
    pal = style.palette
    est = np.asarray(gosh.estimate, dtype=np.float64)
    i2 = np.asarray(gosh.I2, dtype=np.float64)
    ok = np.isfinite(est) & np.isfinite(i2)
    if not ok.any():
        raise InputError("the GOSH result has no finite estimates to plot")
    groups: list[tuple[str, np.ndarray, str]]
    if highlight is not None:
        if highlight not in gosh.study:
            raise InputError(f"highlight: no study {highlight!r}; the studies are {', '.join(gosh.study)}")
        member = np.asarray(gosh.subsets[:, gosh.study.index(highlight)], dtype=bool)
        groups = [("gosh-points-without", ok & ~member, pal.study), ("gosh-points-with", ok & member, pal.highlight)]
    else:
        groups = [("gosh-points", ok, pal.study)]
    n = int(ok.sum())
    raster = n > _RASTER_ABOVE
    alpha = float(min(1.0, max(0.05, 300.0 / n)))
    with style_context(style):
        fig = new_figure(width_pt, width_pt, constrained=True)
        grid = GridSpec(2, 2, figure=fig, width_ratios=(4, 1), height_ratios=(1, 4))
        ax = fig.add_subplot(grid[1, 0])
        top = fig.add_subplot(grid[0, 0], sharex=ax)
        side = fig.add_subplot(grid[1, 1], sharey=ax)
        ax.set_gid("gosh")
        for gid, mask, colour in groups:
            if mask.any():
                ax.scatter(
                    est[mask],
                    i2[mask],
                    s=style.fontsize * 0.5,
                    c=colour,
                    alpha=alpha,
                    linewidths=0,
                    rasterized=raster,
                    gid=gid,
                )
        edges_x = np.linspace(float(est[ok].min()), float(est[ok].max()) + 1e-12, bins + 1).tolist()
        edges_y = np.linspace(0.0, 100.0, bins + 1).tolist()
        for j, (_gid, mask, colour) in enumerate(groups):
            if mask.any():
                top.hist(est[mask], bins=edges_x, color=colour, alpha=0.6 if j else 0.8, gid=f"hist-estimate-{j}")
                side.hist(
                    i2[mask],
                    bins=edges_y,
                    color=colour,
                    alpha=0.6 if j else 0.8,
                    orientation="horizontal",
                    gid=f"hist-I2-{j}",
                )
        top.set_gid("hist-estimate")
        side.set_gid("hist-I2")
        top.tick_params(labelbottom=False)
        side.tick_params(labelleft=False)
        top.set_yticks([])
        side.set_xticks([])
        top.spines["left"].set_visible(False)
        side.spines["bottom"].set_visible(False)
        lo, hi = float(est[ok].min()), float(est[ok].max())
        positions, labels = scale.ticks(lo, hi, None, max_ticks=5)
        keep = (positions >= lo - (hi - lo) * 0.05) & (positions <= hi + (hi - lo) * 0.05)
        if keep.sum() >= 2:
            ax.set_xticks(positions[keep], [lab for lab, k in zip(labels, keep, strict=True) if k])
        ax.set_ylim(-2, 102)
        ax.set_xlabel(effect_label(measure, scale))
        ax.set_ylabel("I² (%)")
        if highlight is not None:
            corner = fig.add_subplot(grid[0, 1])
            corner.set_axis_off()
            size = style.fontsize * 0.7
            legend = corner.legend(
                handles=[
                    Line2D(
                        [],
                        [],
                        marker="o",
                        linestyle="none",
                        color=pal.highlight,
                        markersize=size,
                        label=f"with\n{highlight}",
                    ),
                    Line2D(
                        [],
                        [],
                        marker="o",
                        linestyle="none",
                        color=pal.study,
                        markersize=size,
                        label=f"without\n{highlight}",
                    ),
                ],
                loc="center",
                handletextpad=0.3,
                borderaxespad=0.0,
                labelspacing=0.6,
            )
            legend.set_gid("legend")
        subsets = "all" if gosh.exhaustive else "a random sample of"
        top.set_title(f"GOSH: {subsets} {n:,} subsets ({gosh.method})", loc="left")
    return fig


def baujat_plot(
    baujat: BaujatResult,
    *,
    labels: bool = True,
    palette: str | Palette = "default",
    fontsize: float = 7.0,
    width: str | float = "single",
) -> Figure:
    """Baujat plot: each study's contribution to Cochran's Q (x) against its influence on the pooled result (y).

    Studies at the top right both drive heterogeneity and move the result (Baujat et al. 2002). gids:
    ``baujat-points``, ``baujat-label-{i}``.

    References
    ----------
    Baujat, B., Mahé, C., Pignon, J.-P., & Hill, C. (2002). A graphical method for exploring heterogeneity in
    meta-analyses: Application to a meta-analysis of 65 trials. *Statistics in Medicine*, 21(18), 2641–2652.
    """
    if not isinstance(baujat, BaujatResult):
        raise InputError(f"baujat_plot takes a BaujatResult, got {type(baujat).__name__}")
    style = make_style(fontsize, palette)
    width_pt = resolve_width(width)
    assert width_pt is not None
    pal = style.palette
    x = np.asarray(baujat.contribution, dtype=np.float64)
    y = np.asarray(baujat.influence, dtype=np.float64)
    with style_context(style):
        fig = new_figure(width_pt, width_pt * 0.8, constrained=True)
        ax = fig.add_subplot()
        ax.set_gid("baujat")
        ax.scatter(
            x,
            y,
            s=(style.fontsize * 0.6) ** 2,
            facecolor=pal.study,
            edgecolor=pal.ink,
            linewidth=style.linewidth * 0.5,
            gid="baujat-points",
            zorder=3,
        )
        if labels:
            for i, s in enumerate(baujat.study):
                ax.annotate(
                    s,
                    (float(x[i]), float(y[i])),
                    xytext=(3, 3),
                    textcoords="offset points",
                    ha="left",
                    va="bottom",
                    gid=f"baujat-label-{i}",
                    annotation_clip=False,
                )
        ax.set_xlim(left=0.0, right=float(np.nanmax(x)) * 1.15 + 1e-12)
        ax.set_ylim(bottom=0.0, top=float(np.nanmax(y)) * 1.15 + 1e-12)
        ax.set_xlabel("Contribution to overall heterogeneity (Q)")
        ax.set_ylabel("Influence on overall result")
    return fig
