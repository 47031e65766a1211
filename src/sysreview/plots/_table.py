"""The row engine behind the forest-type figures: a table of text columns around an effect panel.

Rows are laid out top to bottom, one text line high; columns are measured in the figure's font so that nothing
overlaps, and the figure is sized to its content (the panel takes the width the text columns leave). Every
artist gets a ``gid`` (kept as ``id`` in SVG output) so that tests and users can find rows, diamonds and text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from sysreview.errors import InputError
from sysreview.plots._rob import judgement_colour, judgement_symbol
from sysreview.plots._scale import Scale
from sysreview.plots._style import (
    CM_PER_INCH,
    COLUMN_WIDTHS_CM,
    POINTS_PER_INCH,
    Style,
    new_figure,
    text_width,
)

__all__ = ["Column", "Row", "draw_table"]

#: room between columns (pt)
GAP: Final = 6.0
#: outer margin (pt)
MARGIN: Final = 4.0
#: narrowest effect panel (pt) that still shows an interval
MIN_PANEL: Final = 60.0


@dataclass(slots=True)
class Row:
    """One row of the table.

    ``kind``: ``study`` (square and CI line), ``point`` (a point estimate with CI, fixed size: leave-one-out and
    cumulative rows), ``summary`` (diamond), ``prediction`` (a prediction interval), ``heading`` (bold label),
    ``text`` (a line of text from the left edge, e.g. heterogeneity) or ``blank``.
    """

    kind: str
    label: str = ""
    cells: dict[str, str] = field(default_factory=dict)
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None
    weight: float | None = None
    rob: Mapping[str, str] | None = None
    gid: str = ""
    bold: bool = False
    indent: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    """A text column: ``key`` into :attr:`Row.cells`, its title (may hold line breaks) and alignment."""

    key: str
    title: str
    align: str = "right"


@dataclass(frozen=True, slots=True)
class _Box:
    """Horizontal position of a column (pt from the left edge)."""

    left: float
    width: float

    @property
    def right(self) -> float:
        return self.left + self.width


def draw_table(
    rows: Sequence[Row],
    *,
    label_title: str,
    left: Sequence[Column],
    right: Sequence[Column],
    rob_domains: Sequence[str],
    scale: Scale,
    xlim: tuple[float, float] | None,
    at: Sequence[float] | None,
    refline: float | None,
    favours: tuple[str, str] | None,
    xlabel: str,
    style: Style,
    width_pt: float | None,
    summary_line: float | None = None,
    footnotes: Sequence[str] = (),
) -> Figure:
    """Draw the table of ``rows`` and return the figure (sized to its content; ``width_pt`` fixes the width)."""
    fs = style.fontsize
    pal = style.palette
    r_h = style.row_height
    indent = fs * 0.9

    # ---------------------------------------------------------------- widths of the text columns
    def cell_width(row: Row, key: str) -> float:
        text = row.cells.get(key, "")
        return text_width(text, fontsize=fs, bold=row.kind in {"summary"} or row.bold)

    label_w = max(
        [text_width(label_title, fontsize=fs, bold=True)]
        + [
            text_width(r.label, fontsize=fs, bold=r.bold or r.kind == "summary") + (indent if r.indent else 0.0)
            for r in rows
            if r.kind not in {"text", "blank"}
        ]
    )
    left_w = [max([text_width(c.title, fontsize=fs, bold=True)] + [cell_width(r, c.key) for r in rows]) for c in left]
    right_w = [max([text_width(c.title, fontsize=fs, bold=True)] + [cell_width(r, c.key) for r in rows]) for c in right]
    rob_cell = r_h * 1.05
    rob_w = [max(rob_cell, text_width(d, fontsize=fs, bold=True) + 2.0) for d in rob_domains]

    text_total = MARGIN + label_w + sum(GAP + w for w in left_w) + GAP + GAP + sum(w + GAP for w in right_w)
    text_total += sum(rob_w) + (GAP if rob_domains else 0.0) + MARGIN
    if width_pt is None:
        width_pt = text_total + max(MIN_PANEL, 0.3 * text_total)
        for name in ("single", "double"):
            column = COLUMN_WIDTHS_CM[name] / CM_PER_INCH * POINTS_PER_INCH
            if width_pt <= column:
                width_pt = column
                break
    panel_w = width_pt - text_total
    if panel_w < MIN_PANEL:
        need = (text_total + MIN_PANEL) / POINTS_PER_INCH * CM_PER_INCH
        raise InputError(
            f"the text columns leave {max(panel_w, 0.0):.0f} pt for the effect panel at this width; the figure "
            f"needs at least {need:.1f} cm (give width='double' or a number of cm, fewer columns, or shorter labels)"
        )

    # positions (pt from the left)
    x = MARGIN
    label_box = _Box(x, label_w)
    x += label_w
    left_boxes = []
    for w in left_w:
        x += GAP
        left_boxes.append(_Box(x, w))
        x += w
    x += GAP
    panel_box = _Box(x, panel_w)
    x += panel_w + GAP
    right_boxes = []
    for w in right_w:
        right_boxes.append(_Box(x, w))
        x += w + GAP
    rob_boxes = []
    for w in rob_w:
        rob_boxes.append(_Box(x, w))
        x += w

    # long text lines (heterogeneity, tests) are split at "; " so that they stay inside the figure
    laid: list[Row] = []
    room = width_pt - 2 * MARGIN
    for row in rows:
        if row.kind == "text" and text_width(row.label, fontsize=fs) > room and "; " in row.label:
            parts = row.label.split("; ")
            current = parts[0]
            pieces = []
            for part in parts[1:]:
                trial = current + "; " + part
                if text_width(trial, fontsize=fs) <= room:
                    current = trial
                else:
                    pieces.append(current + ";")
                    current = "    " + part
            pieces.append(current)
            for j, piece in enumerate(pieces):
                laid.append(Row(kind="text", label=piece, gid=row.gid if j == 0 else f"{row.gid}-{j}"))
        else:
            laid.append(row)
    if laid and laid[-1].kind == "text":
        laid.append(Row(kind="blank"))  # keep the last line of text off the axis
    rows = laid

    # ---------------------------------------------------------------- heights
    n = len(rows)
    title_lines = max([1] + [c.title.count("\n") + 1 for c in (*left, *right)])
    header_h = title_lines * fs * 1.2 + fs * 0.6
    bottom_h = 2.5 + 2.0 + fs * 1.25  # ticks and tick labels
    if favours is not None:
        bottom_h += fs * 1.25 * max(s.count("\n") + 1 for s in favours)
    if xlabel:
        bottom_h += fs * 1.3
    notes = _wrap_notes(footnotes, width_pt - 2 * MARGIN, fs)
    if notes:
        bottom_h += fs * 0.5 + fs * 1.3 * len(notes)
    bottom_h += MARGIN
    top_h = MARGIN
    height_pt = top_h + header_h + n * r_h + bottom_h

    fig = new_figure(width_pt, height_pt)
    ax = fig.add_axes(
        (
            panel_box.left / width_pt,
            bottom_h / height_pt,
            panel_box.width / width_pt,
            n * r_h / height_pt,
        )
    )
    ax.set_gid("effect-panel")
    ax.set_ylim(n - 0.5, -0.5)
    ax.spines[["left", "top", "right"]].set_visible(False)
    ax.tick_params(axis="y", left=False, labelleft=False)
    ax.patch.set_visible(False)

    # ---------------------------------------------------------------- x range and ticks
    lo, hi = _data_range(rows, refline)
    max_ticks = max(3, min(8, int(panel_w / (fs * 4.0))))
    if xlim is not None:
        x0, x1 = scale.to_model(list(xlim), "xlim")
        if not x0 < x1:
            raise InputError(f"xlim must be increasing on the displayed scale, got {list(xlim)!r}")
        positions, labels = scale.ticks(float(x0), float(x1), at, max_ticks=max_ticks)
        keep = (positions >= x0 - 1e-9) & (positions <= x1 + 1e-9)
        positions = positions[keep]
        labels = [lab for lab, k in zip(labels, keep, strict=True) if k]
    else:
        positions, labels = scale.ticks(lo, hi, at, max_ticks=max_ticks)
        if at is not None and len(positions):
            x0, x1 = min(float(positions.min()), lo), max(float(positions.max()), hi)
        else:
            # the axis spans the data (not the round ticks beyond it), unless that leaves fewer than two ticks
            pad = (hi - lo) * 0.03
            inside = (positions >= lo - pad) & (positions <= hi + pad)
            if int(inside.sum()) >= 2:
                positions = positions[inside]
                labels = [lab for lab, k in zip(labels, inside, strict=True) if k]
                x0 = min([lo - pad, *positions.tolist()])
                x1 = max([hi + pad, *positions.tolist()])
            else:
                x0 = min([lo, *positions.tolist()])
                x1 = max([hi, *positions.tolist()])
    ax.set_xlim(float(x0), float(x1))
    ax.set_xticks(positions, labels)
    for j, tick in enumerate(ax.get_xticklabels()):
        tick.set_gid(f"xtick-{j}")
    ax.spines["bottom"].set_bounds(float(x0), float(x1))

    # ---------------------------------------------------------------- transforms
    def fx(pt: float) -> float:
        return pt / width_pt

    row_tf = transforms.blended_transform_factory(fig.transFigure, ax.transData)

    # header
    header_y = (height_pt - top_h - header_h + fs * 0.45) / height_pt
    fig.text(fx(label_box.left), header_y, label_title, ha="left", va="baseline", weight="bold", gid="header-label")
    for col, box in zip((*left, *right), (*left_boxes, *right_boxes), strict=True):
        xpos, ha = _anchor(box, col.align)
        fig.text(
            fx(xpos),
            header_y,
            col.title,
            ha=ha,
            va="baseline",
            weight="bold",
            gid=f"header-{col.key}",
            multialignment=ha,
        )
    for dom, box in zip(rob_domains, rob_boxes, strict=True):
        fig.text(
            fx(box.left + box.width / 2),
            header_y,
            dom,
            ha="center",
            va="baseline",
            weight="bold",
            gid=f"header-rob-{dom}",
        )
    rule_y = (height_pt - top_h - header_h) / height_pt
    fig.add_artist(
        Line2D(
            [fx(MARGIN), fx(width_pt - MARGIN)],
            [rule_y, rule_y],
            transform=fig.transFigure,
            color=pal.ink,
            linewidth=style.linewidth,
            gid="header-rule",
        )
    )

    # ---------------------------------------------------------------- rows
    box_rows = [r for r in rows if r.kind == "study" and r.weight is not None and math.isfinite(r.weight)]
    w_max = max([r.weight for r in box_rows if r.weight is not None] + [0.0])
    side_max = r_h * 0.85
    for i, row in enumerate(rows):
        bold = row.bold or row.kind == "summary"
        if row.kind == "text":
            ax.text(
                fx(label_box.left), i, row.label, transform=row_tf, ha="left", va="center", gid=row.gid, clip_on=False
            )
            continue
        if row.kind == "blank":
            continue
        if row.label:
            ax.text(
                fx(label_box.left + (indent if row.indent else 0.0)),
                i,
                row.label,
                transform=row_tf,
                ha="left",
                va="center",
                weight="bold" if bold else "normal",
                gid=f"{row.gid}-label",
                clip_on=False,
            )
        for col, box in zip((*left, *right), (*left_boxes, *right_boxes), strict=True):
            text = row.cells.get(col.key)
            if text:
                xpos, ha = _anchor(box, col.align)
                ax.text(
                    fx(xpos),
                    i,
                    text,
                    transform=row_tf,
                    ha=ha,
                    va="center",
                    weight="bold" if bold else "normal",
                    gid=f"{row.gid}-{col.key}",
                    clip_on=False,
                )
        if row.rob is not None:
            for dom, box in zip(rob_domains, rob_boxes, strict=True):
                judgement = row.rob.get(dom)
                if judgement is None or not judgement.strip():
                    continue
                cx = fx(box.left + box.width / 2)
                colour = judgement_colour(judgement, pal)
                ax.add_line(
                    Line2D(
                        [cx],
                        [i],
                        transform=row_tf,
                        marker="o",
                        markersize=r_h * 0.82,
                        markerfacecolor=colour,
                        markeredgecolor=pal.ink,
                        markeredgewidth=style.linewidth * 0.8,
                        linestyle="none",
                        clip_on=False,
                        gid=f"{row.gid}-rob-{dom}",
                    )
                )
                symbol = judgement_symbol(judgement)
                if symbol:
                    ax.text(
                        cx,
                        i,
                        symbol,
                        transform=row_tf,
                        ha="center",
                        va="center_baseline",
                        fontsize=fs,
                        weight="bold",
                        color=pal.ink,
                        clip_on=False,
                        gid=f"{row.gid}-rob-{dom}-symbol",
                    )
        if row.kind in {"study", "point"}:
            _interval(ax, i, row, x0=float(x0), x1=float(x1), style=style, side=_box_side(row, w_max, side_max, r_h))
        elif row.kind == "summary":
            _diamond(ax, i, row, style=style)
        elif row.kind == "prediction":
            _prediction(ax, i, row, x0=float(x0), x1=float(x1), style=style)

    # reference (null) line over each run of plotted rows (text lines of heterogeneity and tests break it)
    for j, (top, bottom) in enumerate(_runs(rows)):
        if refline is not None and x0 <= refline <= x1:
            ax.add_line(
                Line2D(
                    [refline, refline],
                    [top - 0.5, bottom + 0.5],
                    color=pal.reference,
                    linewidth=style.linewidth,
                    gid="reference-line" if j == 0 else f"reference-line-{j}",
                    zorder=1,
                )
            )
        if summary_line is not None and x0 <= summary_line <= x1:
            ax.add_line(
                Line2D(
                    [summary_line, summary_line],
                    [top - 0.5, bottom + 0.5],
                    color=pal.ink,
                    linestyle=(0, (1, 2)),
                    linewidth=style.linewidth,
                    gid="summary-line" if j == 0 else f"summary-line-{j}",
                    zorder=1,
                )
            )

    # ---------------------------------------------------------------- below the axis
    y = bottom_h - 2.5 - 2.0 - fs * 1.25
    if favours is not None:
        lines = max(s.count("\n") + 1 for s in favours)
        y -= fs * 0.2
        centre = refline if refline is not None and x0 < refline < x1 else (x0 + x1) / 2
        centre_pt = panel_box.left + panel_box.width * (centre - x0) / (x1 - x0)
        left_text, right_text = favours
        lw = text_width(left_text, fontsize=fs)
        rw = text_width(right_text, fontsize=fs)
        lx = max(centre_pt - fs * 0.5, MARGIN + lw)
        rx = min(centre_pt + fs * 0.5, width_pt - MARGIN - rw)
        fig.text(fx(lx), y / height_pt, left_text, ha="right", va="top", gid="favours-left", multialignment="right")
        fig.text(fx(rx), y / height_pt, right_text, ha="left", va="top", gid="favours-right", multialignment="left")
        y -= fs * 1.25 * lines
    if xlabel:
        fig.text(
            fx(panel_box.left + panel_box.width / 2),
            (y - fs * 0.15) / height_pt,
            xlabel,
            ha="center",
            va="top",
            gid="xlabel",
        )
        y -= fs * 1.3
    y -= fs * 0.5
    for j, note in enumerate(notes):
        fig.text(fx(MARGIN), (y - fs * 1.3 * j) / height_pt, note, ha="left", va="top", gid=f"footnote-{j}")
    return fig


def _wrap_notes(notes: Sequence[str], room: float, fs: float) -> list[str]:
    """Footnote lines: each note split at "; " where it would run past the figure's edge."""
    lines: list[str] = []
    for note in notes:
        parts = note.split("; ")
        current = parts[0]
        for part in parts[1:]:
            trial = current + "; " + part
            if text_width(trial, fontsize=fs) <= room:
                current = trial
            else:
                lines.append(current + ";")
                current = part
        lines.append(current)
    return lines


def _runs(rows: Sequence[Row]) -> list[tuple[int, int]]:
    """First and last index of each run of rows that carry intervals (headings inside a run do not break it)."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    last = -1
    for i, row in enumerate(rows):
        if row.kind in {"study", "point", "summary", "prediction"}:
            if start is None:
                start = i
            last = i
        elif row.kind in {"text", "blank"} and start is not None:
            runs.append((start, last))
            start = None
    if start is not None:
        runs.append((start, last))
    return runs


def _anchor(box: _Box, align: str) -> tuple[float, str]:
    if align == "left":
        return box.left, "left"
    if align == "center":
        return box.left + box.width / 2, "center"
    return box.right, "right"


def _data_range(rows: Sequence[Row], refline: float | None) -> tuple[float, float]:
    values = [v for r in rows for v in (r.lower, r.upper, r.estimate) if v is not None and math.isfinite(v)]
    if refline is not None:
        values.append(refline)
    if not values:
        return -1.0, 1.0
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def _box_side(row: Row, w_max: float, side_max: float, r_h: float) -> float:
    """Side (pt) of a study's square: its area is proportional to the study's weight (as RevMan and metafor)."""
    if row.kind == "point" or row.weight is None or not math.isfinite(row.weight) or w_max <= 0:
        return r_h * 0.4
    return max(2.0, side_max * math.sqrt(max(row.weight, 0.0) / w_max))


def _interval(ax: Axes, i: int, row: Row, *, x0: float, x1: float, style: Style, side: float) -> None:
    pal = style.palette
    lo, hi, est = row.lower, row.upper, row.estimate
    if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
        a, b = max(lo, x0), min(hi, x1)
        if a < b:
            ax.add_line(
                Line2D(
                    [a, b], [i, i], color=pal.ink, linewidth=style.linewidth, gid=f"{row.gid}-ci", solid_capstyle="butt"
                )
            )
        for end, edge, marker in ((lo, x0, "<"), (hi, x1, ">")):
            if (marker == "<" and end < x0) or (marker == ">" and end > x1):
                ax.add_line(
                    Line2D(
                        [edge],
                        [i],
                        marker=marker,
                        markersize=style.fontsize * 0.6,
                        color=pal.ink,
                        linestyle="none",
                        clip_on=False,
                        gid=f"{row.gid}-arrow",
                    )
                )
    if est is not None and math.isfinite(est) and x0 <= est <= x1:
        marker = "s" if row.kind == "study" else "o"
        ax.add_line(
            Line2D(
                [est],
                [i],
                marker=marker,
                markersize=side,
                markerfacecolor=pal.study,
                markeredgecolor=pal.study,
                markeredgewidth=0.0,
                linestyle="none",
                gid=f"{row.gid}-box",
                zorder=3,
            )
        )


def _diamond(ax: Axes, i: int, row: Row, *, style: Style) -> None:
    if row.estimate is None or row.lower is None or row.upper is None:
        return
    h = 0.38
    xy = np.array([[row.lower, i], [row.estimate, i - h], [row.upper, i], [row.estimate, i + h]], dtype=np.float64)
    ax.add_patch(
        Polygon(
            xy,
            closed=True,
            facecolor=style.palette.summary,
            edgecolor=style.palette.summary,
            linewidth=style.linewidth * 0.5,
            gid=row.gid,
            zorder=3,
        )
    )


def _prediction(ax: Axes, i: int, row: Row, *, x0: float, x1: float, style: Style) -> None:
    if row.lower is None or row.upper is None:
        return
    a, b = max(row.lower, x0), min(row.upper, x1)
    pal = style.palette
    ax.add_line(
        Line2D(
            [a, b], [i, i], color=pal.prediction, linewidth=style.linewidth * 1.6, gid=row.gid, solid_capstyle="butt"
        )
    )
    caps_x = [v for v, inside in ((row.lower, row.lower >= x0), (row.upper, row.upper <= x1)) if inside]
    for j, cx in enumerate(caps_x):
        ax.add_line(
            Line2D(
                [cx, cx],
                [i - 0.22, i + 0.22],
                color=pal.prediction,
                linewidth=style.linewidth * 1.6,
                gid=f"{row.gid}-cap-{j}",
            )
        )
