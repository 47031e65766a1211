"""L'Abbé, radial (Galbraith) and bubble plots."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from sysreview._typing import ArrayLike, FloatArray
from sysreview.errors import InputError
from sysreview.models import MetaResult
from sysreview.plots._scale import effect_label, resolve_scale
from sysreview.plots._style import (
    Palette,
    format_number,
    make_style,
    new_figure,
    resolve_width,
    style_context,
)

__all__ = ["bubble_plot", "labbe_plot", "radial_plot"]


def _bubble_sizes(weights: FloatArray, fs: float) -> FloatArray:
    """Marker areas (pt²) proportional to the weights, the largest about three text lines across."""
    w = np.asarray(weights, dtype=np.float64)
    top = float(np.nanmax(w)) if w.size else 1.0
    return np.asarray(np.maximum((fs * 3.0) ** 2 * w / (top if top > 0 else 1.0), 4.0), dtype=np.float64)


def labbe_plot(
    fit: MetaResult,
    ai: ArrayLike,
    n1i: ArrayLike,
    ci: ArrayLike,
    n2i: ArrayLike,
    *,
    palette: str | Palette = "default",
    fontsize: float = 7.0,
    width: str | float = "single",
) -> Figure:
    """L'Abbé plot: the event risk in the treatment group (y) against the control group (x), one bubble per study
    (area proportional to its weight in ``fit``), the line of no effect and the pooled effect's curve.

    ``ai``/``n1i`` are events and sizes of group 1 (treatment), ``ci``/``n2i`` of group 2 (control), in the order
    of ``fit``'s studies. The pooled curve needs a 2×2 measure: RR (risk₁ = RR·risk₂), OR (odds₁ = OR·odds₂) or
    RD (risk₁ = risk₂ + RD). gids: ``labbe-points``, ``labbe-no-effect``, ``labbe-pooled``.

    References
    ----------
    L'Abbé, K. A., Detsky, A. S., & O'Rourke, K. (1987). Meta-analysis in clinical research. *Annals of Internal
    Medicine*, 107(2), 224–233.
    """
    if fit.measure not in {"RR", "OR", "RD", "PETO"} or fit.estimate is None or fit.p != 1:
        raise InputError(f"labbe_plot needs an intercept-only fit of RR, OR or RD, got measure {fit.measure!r}")
    arrays = [np.asarray(a, dtype=np.float64) for a in (ai, n1i, ci, n2i)]
    for name, arr in zip(("ai", "n1i", "ci", "n2i"), arrays, strict=True):
        if arr.shape != (fit.k,):
            raise InputError(f"{name} needs one value per study of the fit ({fit.k}), got shape {arr.shape}")
    a, n1, c, n2 = arrays
    if np.any(n1 <= 0) or np.any(n2 <= 0) or np.any(a < 0) or np.any(c < 0) or np.any(a > n1) or np.any(c > n2):
        raise InputError("labbe_plot needs 0 ≤ events ≤ group size and positive group sizes")
    style = make_style(fontsize, palette)
    width_pt = resolve_width(width)
    assert width_pt is not None
    pal = style.palette
    p1, p2 = a / n1, c / n2
    est = float(fit.estimate)
    grid = np.linspace(0.0, 1.0, 201)
    if fit.measure == "RR":
        curve = np.exp(est) * grid
        effect = f"RR = {format_number(math.exp(est))}"
    elif fit.measure in {"OR", "PETO"}:
        odds = np.exp(est) * grid / np.where(grid < 1.0, 1.0 - grid, np.nan)
        curve = odds / (1.0 + odds)
        curve[-1] = 1.0
        effect = f"OR = {format_number(math.exp(est))}"
    else:
        curve = grid + est
        effect = f"RD = {format_number(est)}"
    keep = (curve >= 0.0) & (curve <= 1.0)
    with style_context(style):
        fig = new_figure(width_pt, width_pt * 0.95, constrained=True)
        ax = fig.add_subplot()
        ax.set_gid("labbe")
        ax.plot(
            [0, 1],
            [0, 1],
            color=pal.reference,
            linestyle=(0, (4, 2)),
            linewidth=style.linewidth,
            gid="labbe-no-effect",
            label="No effect",
        )
        ax.plot(
            grid[keep],
            curve[keep],
            color=pal.fit_line,
            linewidth=style.linewidth * 1.5,
            gid="labbe-pooled",
            label=f"Pooled ({effect})",
        )
        ax.scatter(
            p2,
            p1,
            s=_bubble_sizes(fit.weights, style.fontsize),
            facecolor=pal.band,
            edgecolor=pal.ink,
            linewidth=style.linewidth * 0.6,
            gid="labbe-points",
            zorder=3,
        )
        top = min(1.0, float(max(np.max(p1), np.max(p2))) * 1.15 + 1e-3)  # room for rare events
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_aspect("equal")
        ax.set_xlabel("Event risk, control group")
        ax.set_ylabel("Event risk, treatment group")
        ax.legend(loc="upper left", handlelength=1.8)
    return fig


def radial_plot(
    fit: MetaResult,
    *,
    palette: str | Palette = "default",
    fontsize: float = 7.0,
    width: str | float = "single",
) -> Figure:
    """Radial (Galbraith) plot: standardised effect yᵢ/sᵢ against precision 1/sᵢ, with sᵢ = √(vᵢ + τ²).

    The line through the origin has the pooled estimate as its slope; studies outside the band ± z (the fit's
    level) fit the model poorly. gids: ``radial-points``, ``radial-line``, ``radial-band-upper``/``-lower``.

    References
    ----------
    Galbraith, R. F. (1988). A note on graphical presentation of estimated odds ratios from several clinical trials.
    *Statistics in Medicine*, 7(8), 889–894.
    """
    if fit.estimate is None or fit.p != 1:
        raise InputError("radial_plot takes an intercept-only MetaResult")
    style = make_style(fontsize, palette)
    width_pt = resolve_width(width)
    assert width_pt is not None
    pal = style.palette
    s = np.sqrt(np.asarray(fit.vi, dtype=np.float64) + fit.tau2)
    x = 1.0 / s
    y = np.asarray(fit.yi, dtype=np.float64) / s
    est = float(fit.estimate)
    z = float(stats.norm.ppf(1 - (1 - fit.level) / 2))
    x_max = float(np.max(x)) * 1.1
    scale = resolve_scale(None, fit.measure)
    with style_context(style):
        fig = new_figure(width_pt, width_pt * 0.8, constrained=True)
        ax = fig.add_subplot()
        ax.set_gid("radial")
        xs = np.array([0.0, x_max])
        ax.plot(
            xs,
            est * xs,
            color=pal.ink,
            linewidth=style.linewidth * 1.2,
            gid="radial-line",
            label=f"Pooled estimate ({effect_label(fit.measure, scale).replace(' (log scale)', '')} "
            f"{format_number(scale.show(est))})",
        )
        ax.plot(
            xs,
            est * xs + z,
            color=pal.ink,
            linestyle=(0, (4, 2)),
            linewidth=style.linewidth,
            gid="radial-band-upper",
            label=f"± {z:.2f}",
        )
        ax.plot(
            xs, est * xs - z, color=pal.ink, linestyle=(0, (4, 2)), linewidth=style.linewidth, gid="radial-band-lower"
        )
        ax.axhline(0.0, color=pal.reference, linewidth=style.linewidth * 0.6, zorder=0)
        ax.scatter(
            x,
            y,
            s=(style.fontsize * 0.6) ** 2,
            facecolor=pal.study,
            edgecolor=pal.ink,
            linewidth=style.linewidth * 0.5,
            gid="radial-points",
            zorder=3,
        )
        ax.set_xlim(0, x_max)
        ax.set_xlabel("Precision, 1/√(vᵢ + τ²)")
        ax.set_ylabel("Standardised effect, yᵢ/√(vᵢ + τ²)")
        ax.legend(loc="best", handlelength=1.8)
    return fig


def bubble_plot(
    fit: MetaResult,
    *,
    moderator: str | None = None,
    transf: str | Callable[[FloatArray], FloatArray] | None = None,
    prediction: bool = False,
    xlabel: str | None = None,
    ylabel: str | None = None,
    palette: str | Palette = "default",
    fontsize: float = 7.0,
    width: str | float = "single",
) -> Figure:
    """Bubble plot of a meta-regression: effects against one moderator, bubble area proportional to the weight,
    with the fitted line and its confidence band (and the prediction band with ``prediction``).

    ``moderator`` names the moderator on the x axis (default: the only one); other moderators are held at their
    mean. The y axis is on the model scale, labelled on the displayed scale (``transf`` as in :func:`forest_plot`).
    gids: ``bubble-points``, ``bubble-line``, ``bubble-ci``, ``bubble-pi``.

    References
    ----------
    Thompson, S. G., & Higgins, J. P. T. (2002). How should meta-regression analyses be undertaken and
    interpreted? *Statistics in Medicine*, 21(11), 1559–1573.
    """
    if fit.X is None or not fit.moderators:
        raise InputError("bubble_plot takes a meta-regression (a MetaResult fitted with mods)")
    names = list(fit.moderators)
    if moderator is None:
        if len(names) != 1:
            raise InputError(f"the model has several moderators; choose one with moderator= ({', '.join(names)})")
        moderator = names[0]
    if moderator not in names:
        raise InputError(f"unknown moderator {moderator!r}; choose one of {', '.join(names)}")
    style = make_style(fontsize, palette)
    width_pt = resolve_width(width)
    assert width_pt is not None
    pal = style.palette
    j = names.index(moderator)
    offset = fit.X.shape[1] - len(names)  # the intercept column, when there is one
    mods = np.asarray(fit.X[:, offset:], dtype=np.float64)
    xv = mods[:, j]
    grid = np.linspace(float(xv.min()), float(xv.max()), 101)
    points = np.tile(mods.mean(axis=0), (grid.size, 1))
    points[:, j] = grid
    pred = fit.predict(points)
    scale = resolve_scale(transf, fit.measure)
    yi = np.asarray(fit.yi, dtype=np.float64)
    with style_context(style):
        fig = new_figure(width_pt, width_pt * 0.8, constrained=True)
        ax = fig.add_subplot()
        ax.set_gid("bubble")
        if prediction:
            ax.fill_between(
                grid,
                pred.pi_lower,
                pred.pi_upper,
                color=pal.band,
                alpha=0.45,
                linewidth=0,
                gid="bubble-pi",
                label="Prediction interval",
            )
        ax.fill_between(
            grid,
            pred.ci_lower,
            pred.ci_upper,
            color=pal.band,
            linewidth=0,
            gid="bubble-ci",
            label=f"{fit.level * 100:.10g}% CI",
        )
        ax.plot(
            grid,
            pred.pred,
            color=pal.fit_line,
            linewidth=style.linewidth * 1.5,
            gid="bubble-line",
            label="Meta-regression",
        )
        ax.scatter(
            xv,
            yi,
            s=_bubble_sizes(fit.weights, style.fontsize),
            facecolor="none",
            edgecolor=pal.ink,
            linewidth=style.linewidth * 0.8,
            gid="bubble-points",
            zorder=3,
        )
        lo = float(min(yi.min(), np.min(pred.pi_lower if prediction else pred.ci_lower)))
        hi = float(max(yi.max(), np.max(pred.pi_upper if prediction else pred.ci_upper)))
        pad = (hi - lo) * 0.05
        positions, labels = scale.ticks(lo - pad, hi + pad, None, max_ticks=6)
        keep = (positions >= lo - pad) & (positions <= hi + pad)
        ax.set_yticks(positions[keep], [lab for lab, k in zip(labels, keep, strict=True) if k])
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlabel(moderator if xlabel is None else xlabel)
        ax.set_ylabel(effect_label(fit.measure, scale) if ylabel is None else ylabel)
        legend = fig.legend(loc="outside lower center", ncols=3, handlelength=1.8, columnspacing=1.0)
        legend.set_gid("legend")
    return fig
