"""Funnel plot: effect against standard error, contour-enhanced, with trim-and-fill studies and Egger's line."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon
from scipy import stats

from sysreview._typing import FloatArray
from sysreview.diagnostics import RegressionTestResult, TrimFillResult
from sysreview.errors import InputError
from sysreview.models import MetaResult
from sysreview.plots._scale import effect_label, level_text, resolve_scale
from sysreview.plots._style import (
    MIN_FONT_PT,
    POINTS_PER_INCH,
    Palette,
    format_p,
    make_style,
    new_figure,
    resolve_width,
    style_context,
)

__all__ = ["funnel_plot"]

#: significance levels of the contours (Peters et al. 2008): 90%, 95% and 99% regions about the null
DEFAULT_CONTOURS = (0.90, 0.95, 0.99)


def funnel_plot(
    fit: MetaResult,
    *,
    contours: Sequence[float] | None = DEFAULT_CONTOURS,
    trimfill: TrimFillResult | None = None,
    egger: RegressionTestResult | None = None,
    pseudo_ci: bool = True,
    null: float = 0.0,
    transf: str | Callable[[FloatArray], FloatArray] | None = None,
    xlim: tuple[float, float] | None = None,
    at: Sequence[float] | None = None,
    xlabel: str | None = None,
    palette: str | Palette = "default",
    fontsize: float = 7.0,
    width: str | float = "single",
) -> Figure:
    """Funnel plot of a fitted model: each study's effect (x) against its standard error (y, 0 at the top).

    Parameters
    ----------
    fit : MetaResult
        An intercept-only model; its level sets the pseudo-confidence region.
    contours : sequence of float, optional
        Confidence levels of the significance contours about ``null`` (contour-enhanced funnel plot, Peters et al.
        2008): shaded regions where a study's two-sided p-value is below 0.10, 0.05, 0.01 by default. None for the
        classic funnel plot.
    trimfill : TrimFillResult, optional
        Adds the filled-in studies (open circles) and the adjusted estimate (dotted line).
    egger : RegressionTestResult, optional
        Adds Egger's regression line (effect on standard error, or on variance for ``predictor="vi"``) with its
        test in the legend.
    pseudo_ci : bool
        Draw the pseudo-confidence region about the pooled estimate (dashed) at the fit's level.
    null : float
        Centre of the contours on the model scale (0: no effect).
    transf, xlim, at, xlabel
        As in :func:`forest_plot` (the axis stays on the model scale, labelled on the displayed scale).
    palette, fontsize, width
        Look and size (``width``: "single", "double" or cm).

    Returns
    -------
    matplotlib.figure.Figure
        gids: ``studies``, ``filled-studies``, ``contour-{level}``, ``pseudo-ci``, ``estimate-line``,
        ``adjusted-estimate-line``, ``egger-line``, ``legend``.

    References
    ----------
    Sterne, J. A. C., & Egger, M. (2001). Funnel plots for detecting bias in meta-analysis. *Journal of Clinical
    Epidemiology*, 54(10), 1046–1055.
    Peters, J. L., Sutton, A. J., Jones, D. R., Abrams, K. R., & Rushton, L. (2008). Contour-enhanced
    meta-analysis funnel plots help distinguish publication bias from other causes of asymmetry. *Journal of
    Clinical Epidemiology*, 61(10), 991–996.
    """
    if not isinstance(fit, MetaResult) or fit.estimate is None or fit.p != 1:
        raise InputError("funnel_plot takes an intercept-only MetaResult")
    levels = () if contours is None else tuple(sorted(float(c) for c in contours))
    if any(not 0.0 < c < 1.0 for c in levels):
        raise InputError(f"contours are confidence levels between 0 and 1, got {list(levels)!r}")
    style = make_style(fontsize, palette)
    scale = resolve_scale(transf, fit.measure)
    width_pt = resolve_width(width)
    assert width_pt is not None
    pal = style.palette
    fs = style.fontsize
    yi = np.asarray(fit.yi, dtype=np.float64)
    sei = np.sqrt(np.asarray(fit.vi, dtype=np.float64))
    filled_y = np.asarray(trimfill.filled_yi if trimfill is not None else [], dtype=np.float64)
    filled_se = np.sqrt(np.asarray(trimfill.filled_vi if trimfill is not None else [], dtype=np.float64))
    se_max = float(np.nanmax(np.concatenate([sei, filled_se]))) * 1.08
    if not math.isfinite(se_max) or se_max <= 0:
        raise InputError("the funnel plot needs positive standard errors")
    est = float(fit.estimate)
    z_fit = float(stats.norm.ppf(1 - (1 - fit.level) / 2))
    zs = [float(stats.norm.ppf(1 - (1 - c) / 2)) for c in levels]
    widest = max([z_fit, *zs]) * se_max
    span = [*yi.tolist(), *filled_y.tolist(), est - z_fit * se_max, est + z_fit * se_max]
    if levels:
        span += [null - widest, null + widest]
    lo, hi = min(span), max(span)
    pad = (hi - lo) * 0.04

    with style_context(style):
        fig = new_figure(width_pt, width_pt * 0.82 + fs * 4, constrained=True)
        ax = fig.add_subplot()
        ax.set_gid("funnel")
        if xlim is not None:
            x0, x1 = (float(v) for v in scale.to_model(list(xlim), "xlim"))
        else:
            x0, x1 = lo - pad, hi + pad
        positions, labels = scale.ticks(x0, x1, at, max_ticks=max(3, int(width_pt / (fs * 5))))
        if xlim is None and len(positions):
            x0, x1 = min(x0, float(positions.min())), max(x1, float(positions.max()))
        keep = (positions >= x0 - 1e-9) & (positions <= x1 + 1e-9)
        ax.set_xticks(positions[keep], [lab for lab, k in zip(labels, keep, strict=True) if k])
        ax.set_xlim(x0, x1)
        ax.set_ylim(se_max, 0.0)
        handles: list[Patch | Line2D] = []

        if levels:
            # shade outside-in: the darkest grey beyond the widest contour, white inside the narrowest
            shades = list(pal.contours)
            ax.add_patch(
                Polygon(
                    [(x0, 0), (x1, 0), (x1, se_max), (x0, se_max)],
                    closed=True,
                    facecolor=shades[min(len(levels), len(shades) - 1)],
                    edgecolor="none",
                    gid=f"contour-{levels[-1]:g}-outside",
                    zorder=0,
                )
            )
            for j in range(len(levels) - 1, -1, -1):
                z = zs[j]
                shade = shades[min(j, len(shades) - 1)]
                ax.add_patch(
                    Polygon(
                        [(null, 0.0), (null - z * se_max, se_max), (null + z * se_max, se_max)],
                        closed=True,
                        facecolor=shade,
                        edgecolor="none",
                        gid=f"contour-{levels[j]:g}",
                        zorder=0,
                    )
                )
            bounds = [1 - c for c in reversed(levels)]  # p thresholds, e.g. 0.01, 0.05, 0.10
            names = [f"p < {_p(bounds[0])}"]
            names += [f"{_p(bounds[k])} < p < {_p(bounds[k + 1])}" for k in range(len(bounds) - 1)]
            names += [f"p > {_p(bounds[-1])}"]
            fills = [shades[min(len(levels) - k, len(shades) - 1)] for k in range(len(levels) + 1)]
            for name, fill in zip(names, fills, strict=True):
                handles.append(Patch(facecolor=fill, edgecolor=pal.ink, linewidth=style.linewidth * 0.6, label=name))

        ax.axvline(est, color=pal.ink, linewidth=style.linewidth, gid="estimate-line", zorder=2)
        if pseudo_ci:
            ax.plot(
                [est - z_fit * se_max, est, est + z_fit * se_max],
                [se_max, 0.0, se_max],
                color=pal.ink,
                linestyle=(0, (4, 2)),
                linewidth=style.linewidth,
                gid="pseudo-ci",
                zorder=2,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    color=pal.ink,
                    linestyle=(0, (4, 2)),
                    linewidth=style.linewidth,
                    label=f"Pseudo {level_text(fit.level)} CI",
                )
            )
        size = (fs * 0.55) ** 2
        ax.scatter(
            yi,
            sei,
            s=size,
            facecolor=pal.study,
            edgecolor=pal.ink,
            linewidth=style.linewidth * 0.5,
            zorder=4,
            gid="studies",
            clip_on=False,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markerfacecolor=pal.study,
                markeredgecolor=pal.ink,
                markersize=fs * 0.55,
                label=f"Studies (k = {fit.k})",
            )
        )
        if trimfill is not None and trimfill.k0 > 0:
            ax.scatter(
                filled_y,
                filled_se,
                s=size,
                facecolor=pal.filled,
                edgecolor=pal.ink,
                linewidth=style.linewidth * 0.8,
                zorder=4,
                gid="filled-studies",
                clip_on=False,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="none",
                    markerfacecolor=pal.filled,
                    markeredgecolor=pal.ink,
                    markersize=fs * 0.55,
                    label=f"Filled studies (k0 = {trimfill.k0})",
                )
            )
            ax.axvline(
                trimfill.estimate,
                color=pal.ink,
                linestyle=(0, (1, 1.5)),
                linewidth=style.linewidth * 1.2,
                gid="adjusted-estimate-line",
                zorder=2,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    color=pal.ink,
                    linestyle=(0, (1, 1.5)),
                    linewidth=style.linewidth * 1.2,
                    label="Adjusted estimate",
                )
            )
        if egger is not None:
            se_grid = np.linspace(0.0, se_max, 50)
            x_line = egger.intercept + egger.bias * (se_grid if egger.predictor == "sei" else se_grid**2)
            ax.plot(x_line, se_grid, color=pal.fit_line, linewidth=style.linewidth * 1.5, gid="egger-line", zorder=3)
            stat = "z" if egger.df is None else f"t({egger.df})"
            handles.append(
                Line2D(
                    [],
                    [],
                    color=pal.fit_line,
                    linewidth=style.linewidth * 1.5,
                    label=f"Egger's test: {stat} = {egger.statistic:.2f}, {format_p(egger.pvalue)}".replace(
                        "-", "\u2212"
                    ),
                )
            )
        ax.set_xlabel(effect_label(fit.measure, scale) if xlabel is None else xlabel)
        ax.set_ylabel("Standard error")
        legend = fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=2,
            fontsize=max(MIN_FONT_PT, fs),
            handlelength=1.6,
            columnspacing=1.0,
            borderaxespad=0.2,
        )
        legend.set_gid("legend")
        _fit_height(fig, width_pt, len(handles), fs)
    return fig


def _p(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value >= 0.01 else f"{value:g}"


def _fit_height(fig: Figure, width_pt: float, n_handles: int, fs: float) -> None:
    """Grow the figure so that the legend rows under the axes do not squeeze the plot."""
    rows = math.ceil(n_handles / 2)
    height = width_pt * 0.78 + rows * fs * 1.5 + fs * 3
    fig.set_size_inches(width_pt / POINTS_PER_INCH, height / POINTS_PER_INCH)
