"""Risk-of-bias figures in robvis's look: the traffic-light plot and the (weighted) summary bar plot.

Both take a plain table: a mapping study → {domain: judgement, ..., "Overall": judgement}, a list of rows as
``csv.DictReader`` gives them from a robvis CSV (``Study``, ``D1`` … ``Dn``, ``Overall``, optional ``Weight``), or
any object with ``domains`` and ``rows`` (``study``, ``judgements``, ``overall``, ``weight``) such as the appraisal
package's robvis table. Judgements are the words of RoB 2, ROBINS-I, ROBINS-E, QUADAS-2 and RoB 1 (``Low``,
``Some concerns``, ``Moderate``, ``High``, ``Serious``, ``Critical``, ``Very high``, ``Unclear``,
``No information``, ``Not applicable``), compared case-insensitively.

References
----------
McGuinness, L. A., & Higgins, J. P. T. (2021). Risk-of-bias VISualization (robvis): An R package and Shiny web
app for visualizing risk-of-bias assessments. *Research Synthesis Methods*, 12(1), 55–61.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, runtime_checkable

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Rectangle

from sysreview.errors import InputError
from sysreview.plots._style import (
    CM_PER_INCH,
    COLUMN_WIDTHS_CM,
    POINTS_PER_INCH,
    Palette,
    Style,
    make_style,
    new_figure,
    resolve_width,
    style_context,
    text_width,
)

__all__ = [
    "DOMAIN_NAMES",
    "RobData",
    "judgement_colour",
    "judgement_symbol",
    "rob_data",
    "rob_summary",
    "rob_traffic_light",
]

#: the domains of the tools robvis draws, as its legends name them
DOMAIN_NAMES: Final[Mapping[str, tuple[str, ...]]] = {
    "rob2": (
        "Bias arising from the randomization process",
        "Bias due to deviations from intended interventions",
        "Bias due to missing outcome data",
        "Bias in measurement of the outcome",
        "Bias in selection of the reported result",
    ),
    "robins-i": (
        "Bias due to confounding",
        "Bias due to selection of participants",
        "Bias in classification of interventions",
        "Bias due to deviations from intended interventions",
        "Bias due to missing data",
        "Bias in measurement of outcomes",
        "Bias in selection of the reported result",
    ),
}

# severity order of the words (for the legend and the stacking of the summary bars) and their cell symbols
_ORDER: Final = (
    "low",
    "some concerns",
    "moderate",
    "unclear",
    "high",
    "serious",
    "critical",
    "very high",
    "no information",
    "not applicable",
)
_SYMBOLS: Final = {
    "low": "+",
    "some concerns": "\u2212",
    "moderate": "\u2212",
    "unclear": "\u2212",
    "high": "\u00d7",
    "serious": "\u00d7",
    "critical": "!",
    "very high": "!",
    "no information": "?",
    "not applicable": "",
}
_ALIASES: Final = {
    "some concern": "some concerns",
    "no info": "no information",
    "ni": "no information",
    "na": "not applicable",
    "n/a": "not applicable",
}
_SUFFIX = re.compile(r"\s*(?:risk of bias|risk|bias)$")
_OVERALL = re.compile(r"overall(?:\s+(?:risk(?:\s+of\s+bias)?|rob|bias|judge?ment))?")


def judgement_key(text: str) -> str:
    """The comparison key of a judgement (``"Low risk of bias"`` → ``"low"``); InputError for an unknown word."""
    key = " ".join(str(text).replace("_", " ").replace(".", " ").split()).casefold()
    key = _SUFFIX.sub("", key).strip() or key
    key = _ALIASES.get(key, key)
    if key not in _SYMBOLS:
        raise InputError(
            f"unknown risk-of-bias judgement {text!r}; write one of Low, Some concerns, Moderate, Unclear, High, "
            "Serious, Critical, Very high, No information or Not applicable"
        )
    return key


def judgement_colour(text: str, palette: Palette) -> str:
    """Fill colour of a judgement in ``palette``."""
    key = judgement_key(text)
    if key == "not applicable":
        return palette.not_applicable
    return palette.judgements[key]


def judgement_symbol(text: str) -> str:
    """The symbol robvis prints in a cell (+ low, − concerns, × high, ! critical, ? no information)."""
    return _SYMBOLS[judgement_key(text)]


def _display(key: str) -> str:
    return key[:1].upper() + key[1:]


@runtime_checkable
class _RobRowLike(Protocol):
    study: str
    judgements: tuple[str, ...]
    overall: str | None
    weight: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RobData:
    """A risk-of-bias table normalised for plotting: domains in order, one judgement per study and domain.

    ``overall`` is None when the table has no overall column; ``weights`` is None without weights.
    """

    studies: tuple[str, ...]
    domains: tuple[str, ...]
    judgements: tuple[tuple[str, ...], ...]  # [study][domain], "" where missing
    overall: tuple[str, ...] | None
    weights: tuple[float, ...] | None

    def row(self, study: str) -> dict[str, str]:
        """One study's judgements by domain (and ``"Overall"``), as the forest plot's RoB column takes them."""
        i = self.studies.index(study)
        out = dict(zip(self.domains, self.judgements[i], strict=True))
        if self.overall is not None:
            out["Overall"] = self.overall[i]
        return out


def rob_data(table: Any, *, weights: Sequence[float] | Mapping[str, float] | None = None) -> RobData:
    """Normalise a risk-of-bias table (see the module documentation for the accepted shapes).

    ``weights`` (per study, in table order, or by study label) override a ``Weight`` column.
    """
    if isinstance(table, RobData):
        data = table
    elif isinstance(table, Mapping):
        data = _from_mapping(table)
    elif isinstance(table, Sequence) and not isinstance(table, str):
        data = _from_rows(table)
    elif hasattr(table, "domains") and hasattr(table, "rows"):
        data = _from_object(table)
    else:
        raise InputError(
            "a risk-of-bias table must be a mapping study → {domain: judgement}, a list of rows with a Study "
            f"column, or a robvis table object; got {type(table).__name__}"
        )
    if weights is not None:
        if isinstance(weights, Mapping):
            missing = [s for s in data.studies if s not in weights]
            if missing:
                raise InputError(f"weights: no weight for {', '.join(missing)}")
            values = tuple(float(weights[s]) for s in data.studies)
        else:
            values = tuple(float(w) for w in weights)
            if len(values) != len(data.studies):
                raise InputError(f"weights: {len(values)} values for {len(data.studies)} studies")
        data = RobData(
            studies=data.studies,
            domains=data.domains,
            judgements=data.judgements,
            overall=data.overall,
            weights=values,
        )
    if data.weights is not None and any(not math.isfinite(w) or w < 0 for w in data.weights):
        raise InputError("weights must be finite and non-negative")
    for row in data.judgements:
        for j in row:
            if j:
                judgement_key(j)
    for j in data.overall or ():
        if j:
            judgement_key(j)
    return data


def _split_columns(names: Sequence[str]) -> tuple[list[str], str | None, str | None]:
    overall = next((n for n in names if _OVERALL.fullmatch(" ".join(n.casefold().split()))), None)
    weight = next((n for n in names if n.strip().casefold() in {"weight", "weights"}), None)
    domains = [n for n in names if n not in {overall, weight}]
    return domains, overall, weight


def _from_mapping(table: Mapping[str, Any]) -> RobData:
    studies = [str(s) for s in table]
    if not studies:
        raise InputError("the risk-of-bias table has no studies")
    names: list[str] = []
    for entry in table.values():
        if not isinstance(entry, Mapping):
            raise InputError("each study of a risk-of-bias mapping must map domains to judgements")
        names.extend(str(k) for k in entry if str(k) not in names)
    domains, overall, weight = _split_columns(names)
    rows = [{str(k): v for k, v in entry.items()} for entry in table.values()]
    return _assemble(studies, rows, domains, overall, weight)


def _from_rows(rows: Sequence[Any]) -> RobData:
    if not rows:
        raise InputError("the risk-of-bias table has no studies")
    if not all(isinstance(r, Mapping) for r in rows):
        raise InputError("rows of a risk-of-bias table must be mappings of column → value")
    names = [str(k) for k in rows[0]]
    study_col = next((n for n in names if n.strip().casefold() in {"study", "study id", "author", "trial"}), names[0])
    domains, overall, weight = _split_columns([n for n in names if n != study_col])
    studies = [str(r[study_col]) for r in rows]
    return _assemble(studies, [{str(k): v for k, v in r.items()} for r in rows], domains, overall, weight)


def _assemble(
    studies: list[str], rows: list[dict[str, Any]], domains: list[str], overall: str | None, weight: str | None
) -> RobData:
    if not domains:
        raise InputError("the risk-of-bias table has no domain columns")
    judgements = tuple(tuple(str(r.get(d) or "").strip() for d in domains) for r in rows)
    overall_values = None if overall is None else tuple(str(r.get(overall) or "").strip() for r in rows)
    weights = None
    if weight is not None:
        try:
            weights = tuple(float(r[weight]) for r in rows)
        except (TypeError, ValueError, KeyError):
            raise InputError(f"column {weight!r} must hold a number for every study") from None
    return RobData(
        studies=tuple(studies),
        domains=tuple(domains),
        judgements=judgements,
        overall=overall_values,
        weights=weights,
    )


def _from_object(table: Any) -> RobData:
    domains = tuple(str(d) for d in table.domains)
    rows = list(table.rows)
    if not all(isinstance(r, _RobRowLike) for r in rows):
        raise InputError("rows of a robvis table need study, judgements, overall and weight")
    weights = tuple(float(r.weight) for r in rows) if all(r.weight is not None for r in rows) else None
    overall = tuple(r.overall or "" for r in rows)
    return RobData(
        studies=tuple(r.study for r in rows),
        domains=domains,
        judgements=tuple(tuple(r.judgements) for r in rows),
        overall=overall if any(overall) else None,
        weights=weights,
    )


def _short_domains(domains: Sequence[str]) -> tuple[list[str], list[str]]:
    """Column headers and legend captions: long domain names become D1 … Dn with a caption each (robvis)."""
    if all(len(d) <= 4 for d in domains):
        return list(domains), []
    headers = [f"D{j + 1}" for j in range(len(domains))]
    captions = [f"D{j + 1}: {d.replace('.', ' ').replace('_', ' ')}" for j, d in enumerate(domains)]
    return headers, captions


def _legend_keys(data: RobData) -> list[str]:
    present = {judgement_key(j) for row in data.judgements for j in row if j}
    present |= {judgement_key(j) for j in data.overall or () if j}
    return [k for k in _ORDER if k in present]


# ---------------------------------------------------------------------- traffic light
def rob_traffic_light(
    table: Any,
    *,
    tool: str | None = None,
    domain_names: Sequence[str] | None = None,
    palette: str | Palette = "default",
    fontsize: float = 7.0,
    width: str | float | None = None,
) -> Figure:
    """Traffic-light plot: one row per study, one coloured, symbol-marked cell per domain and the overall judgement.

    Parameters
    ----------
    table
        The risk-of-bias table (see :func:`rob_data`).
    tool : {"rob2", "robins-i"}, optional
        Names the domains in the caption (``domain_names`` overrides it).
    domain_names : sequence of str, optional
        Caption text of each domain, in column order.
    palette : {"default", "colourblind"}
        robvis's Cochrane colours, or its colour-blind palette (one hue ordered by lightness).
    fontsize : float
        Base font size (pt, at least 7).
    width : {"single", "double"} or float, optional
        Figure width (cm or journal column); by default as wide as the table needs.

    Returns
    -------
    matplotlib.figure.Figure
        Cells carry gids ``cell-{i}-{domain}`` (and ``cell-{i}-Overall``), their symbols ``symbol-{i}-{domain}``.
    """
    data = rob_data(table)
    style = make_style(fontsize, palette)
    names = _domain_captions(data, tool, domain_names)
    with style_context(style):
        return _traffic_light(data, names, style, resolve_width(width))


def _domain_captions(data: RobData, tool: str | None, domain_names: Sequence[str] | None) -> list[str]:
    if domain_names is not None:
        if len(domain_names) != len(data.domains):
            raise InputError(f"domain_names: {len(domain_names)} names for {len(data.domains)} domains")
        return [str(n) for n in domain_names]
    if tool is not None:
        if tool not in DOMAIN_NAMES:
            raise InputError(f"unknown tool {tool!r}; choose one of {', '.join(DOMAIN_NAMES)}")
        known = DOMAIN_NAMES[tool]
        if len(known) != len(data.domains):
            raise InputError(f"{tool} has {len(known)} domains, the table {len(data.domains)}")
        return list(known)
    return []


def _traffic_light(data: RobData, captions: list[str], style: Style, width_pt: float | None) -> Figure:
    fs = style.fontsize
    pal = style.palette
    headers, legend_captions = _short_domains(data.domains)
    if captions:
        legend_captions = [f"{h}: {c}" for h, c in zip(headers, captions, strict=True)]
    columns = [*headers, *(["Overall"] if data.overall is not None else [])]
    values = [[*row, *([data.overall[i]] if data.overall is not None else [])] for i, row in enumerate(data.judgements)]
    radius = fs * 1.05
    cells = [max(radius * 2 + fs * 0.9, text_width(c, fontsize=fs, bold=True) + fs * 0.8) for c in columns]
    grid_w = sum(cells)
    lefts = [sum(cells[:j]) for j in range(len(cells))]
    margin = 4.0
    label_w = max([text_width("Study", fontsize=fs, bold=True)] + [text_width(s, fontsize=fs) for s in data.studies])
    keys = _legend_keys(data)
    content_w = margin + label_w + fs + grid_w + margin
    single = COLUMN_WIDTHS_CM["single"] / CM_PER_INCH * POINTS_PER_INCH
    if width_pt is None:
        width_pt = max(single, content_w)  # a wider table keeps its natural width (it fits the double column)
    elif width_pt < content_w:
        raise InputError(
            f"the traffic-light plot needs {content_w / POINTS_PER_INCH * CM_PER_INCH:.1f} cm; "
            "give a larger width or shorter study labels"
        )
    legend_rows = _legend_rows(keys, width_pt - 2 * margin - text_width("Judgement: ", fontsize=fs, bold=True), fs)
    caption_lines = _wrap(legend_captions, width_pt - 2 * margin, fs)
    row_h = radius * 2 + fs * 0.7
    header_h = fs * 3.2
    grid_h = row_h * len(data.studies)
    legend_step = radius * 1.6 + fs * 0.7
    legend_h = legend_step * len(legend_rows) + fs * 0.8
    caption_h = fs * 1.3 * len(caption_lines) + (fs * 0.4 if caption_lines else 0.0)
    height_pt = margin + header_h + grid_h + legend_h + caption_h + margin

    fig = new_figure(width_pt, height_pt)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width_pt)
    ax.set_ylim(0, height_pt)
    ax.set_axis_off()
    ax.set_gid("traffic-light")

    x_label = margin + (width_pt - content_w) / 2
    x_grid = x_label + label_w + fs
    top = height_pt - margin - header_h
    ax.text(
        x_grid + grid_w / 2,
        height_pt - margin - fs * 0.2,
        "Risk of bias domains",
        ha="center",
        va="top",
        weight="bold",
        gid="title-domains",
    )
    ax.text(x_label, top + fs * 0.5, "Study", ha="left", va="bottom", weight="bold", gid="title-study")
    for j, name in enumerate(columns):
        ax.text(
            x_grid + lefts[j] + cells[j] / 2,
            top + fs * 0.5,
            name,
            ha="center",
            va="bottom",
            weight="bold",
            gid=f"header-{name}",
        )
    # panel backgrounds: white domains, grey overall (robvis)
    n_dom = len(headers)
    ax.add_patch(
        Rectangle(
            (x_grid, top - grid_h),
            sum(cells[:n_dom]),
            grid_h,
            facecolor="#FFFFFF",
            edgecolor="#A0A0A0",
            linewidth=style.linewidth,
            gid="panel-domains",
        )
    )
    if data.overall is not None:
        ax.add_patch(
            Rectangle(
                (x_grid + lefts[n_dom], top - grid_h),
                cells[n_dom],
                grid_h,
                facecolor="#D3D3D3",
                edgecolor="#A0A0A0",
                linewidth=style.linewidth,
                gid="panel-overall",
            )
        )
    for i, study in enumerate(data.studies):
        cy = top - row_h * (i + 0.5)
        ax.text(x_label, cy, study, ha="left", va="center", gid=f"study-{i}")
        if i:
            ax.add_line(
                Line2D(
                    [x_grid, x_grid + grid_w],
                    [top - row_h * i] * 2,
                    color="#D0D0D0",
                    linewidth=style.linewidth * 0.6,
                    zorder=1,
                )
            )
        for j, judgement in enumerate(values[i]):
            if not judgement:
                continue
            name = columns[j]
            cx = x_grid + lefts[j] + cells[j] / 2
            ax.add_patch(
                Circle(
                    (cx, cy),
                    radius,
                    facecolor=judgement_colour(judgement, pal),
                    edgecolor=pal.ink,
                    linewidth=style.linewidth * 0.8,
                    gid=f"cell-{i}-{name}",
                    zorder=2,
                )
            )
            symbol = judgement_symbol(judgement)
            if symbol:
                ax.text(
                    cx, cy, symbol, ha="center", va="center_baseline", weight="bold", gid=f"symbol-{i}-{name}", zorder=3
                )
    # judgement legend under the grid
    y = top - grid_h - fs * 1.5
    title_w = text_width("Judgement: ", fontsize=fs, bold=True) + 3.0
    ax.text(margin, y, "Judgement:", ha="left", va="center", weight="bold", gid="legend-title")
    for r, row in enumerate(legend_rows):
        x = margin + title_w
        for key in row:
            cy = y - r * legend_step
            fill = pal.not_applicable if key == "not applicable" else pal.judgements[key]
            ax.add_patch(
                Circle(
                    (x + radius * 0.8, cy),
                    radius * 0.8,
                    facecolor=fill,
                    edgecolor=pal.ink,
                    linewidth=style.linewidth * 0.8,
                    gid=f"legend-{key.replace(' ', '-')}",
                )
            )
            if _SYMBOLS[key]:
                ax.text(x + radius * 0.8, cy, _SYMBOLS[key], ha="center", va="center_baseline", weight="bold")
            ax.text(
                x + radius * 1.6 + 3.0,
                cy,
                _display(key),
                ha="left",
                va="center",
                gid=f"legend-text-{key.replace(' ', '-')}",
            )
            x += radius * 1.6 + 3.0 + text_width(_display(key), fontsize=fs) + 8.0
    # domain captions under everything
    cy = margin + caption_h - fs * 0.4
    for n, line in enumerate(caption_lines):
        ax.text(margin, cy - fs * 1.3 * n, line, ha="left", va="top", gid=f"caption-{n}")
    return fig


def _wrap(captions: Sequence[str], room: float, fs: float) -> list[str]:
    """Caption lines: as many captions per line as fit, separated by wide spaces."""
    lines: list[str] = []
    current = ""
    for cap in captions:
        trial = cap if not current else current + "    " + cap
        if text_width(trial, fontsize=fs) <= room or not current:
            current = trial
        else:
            lines.append(current)
            current = cap
    if current:
        lines.append(current)
    return lines


# ---------------------------------------------------------------------- summary
def rob_summary(
    table: Any,
    *,
    weighted: bool | None = None,
    weights: Sequence[float] | Mapping[str, float] | None = None,
    tool: str | None = None,
    domain_names: Sequence[str] | None = None,
    overall: bool = True,
    palette: str | Palette = "default",
    fontsize: float = 7.0,
    width: str | float = "single",
) -> Figure:
    """Summary plot: for each domain (and the overall judgement), the share of studies per judgement (robvis).

    Parameters
    ----------
    table
        The risk-of-bias table (see :func:`rob_data`).
    weighted : bool, optional
        Shares weighted by the studies' weights (robvis's ``weighted = TRUE``; e.g. the weights of a meta-analysis)
        rather than counted. Default: weighted when the table or ``weights`` has weights.
    weights : sequence or mapping of float, optional
        Weights by study (in table order, or by label); they override a ``Weight`` column.
    tool, domain_names
        Name the domains on the bars (as in :func:`rob_traffic_light`); by default the table's column names.
    overall : bool
        Show the overall judgement as the first bar (when the table has one).

    Returns
    -------
    matplotlib.figure.Figure
        Bar segments carry gids ``bar-{domain}-{judgement}`` (blanks as ``-``) and their share in percent is the
        segment's width.
    """
    data = rob_data(table, weights=weights)
    if weighted is None:
        weighted = data.weights is not None
    if weighted and data.weights is None:
        raise InputError("weighted=True needs weights: a Weight column or the weights argument")
    style = make_style(fontsize, palette)
    captions = _domain_captions(data, tool, domain_names)
    labels = captions or [d.replace(".", " ").replace("_", " ") for d in data.domains]
    with style_context(style):
        return _summary(
            data, labels, weighted=bool(weighted), show_overall=overall, style=style, width_pt=resolve_width(width)
        )


def _summary(
    data: RobData, labels: list[str], *, weighted: bool, show_overall: bool, style: Style, width_pt: float | None
) -> Figure:
    fs = style.fontsize
    pal = style.palette
    bars: list[tuple[str, str, list[str]]] = []  # (gid name, label, judgements)
    if show_overall and data.overall is not None:
        bars.append(("Overall", "Overall risk of bias", list(data.overall)))
    for j, (dom, lab) in enumerate(zip(data.domains, labels, strict=True)):
        bars.append((dom, lab, [row[j] for row in data.judgements]))
    w = list(data.weights) if weighted and data.weights is not None else [1.0] * len(data.studies)
    keys = _legend_keys(data)
    label_w = max(text_width(b[1], fontsize=fs, bold=b[0] == "Overall") for b in bars)
    if width_pt is None:
        width_pt = COLUMN_WIDTHS_CM["single"] / CM_PER_INCH * POINTS_PER_INCH
    margin = 4.0
    right = margin + text_width("100%", fontsize=fs) / 2
    bar_h = fs * 2.0
    plot_w = width_pt - margin - right - label_w - 6.0
    if plot_w < 80.0:
        # long domain names: wrap them onto two lines
        labels_wrapped = [_two_lines(b[1], fs, (width_pt - 2 * margin) * 0.45) for b in bars]
        label_w = max(
            text_width(t, fontsize=fs, bold=b[0] == "Overall") for t, b in zip(labels_wrapped, bars, strict=True)
        )
        plot_w = width_pt - margin - right - label_w - 6.0
        bars = [(b[0], t, b[2]) for b, t in zip(bars, labels_wrapped, strict=True)]
        bar_h = fs * 2.6
    legend_rows = _legend_rows(keys, plot_w + label_w, fs)
    axis_h = 2.5 + 2.0 + fs * 1.3
    legend_h = fs * 1.6 * len(legend_rows) + fs * 0.6
    height_pt = margin + bar_h * len(bars) + axis_h + legend_h + margin
    fig = new_figure(width_pt, height_pt)
    left = margin + label_w + 6.0
    ax = fig.add_axes(
        (left / width_pt, (margin + legend_h + axis_h) / height_pt, plot_w / width_pt, bar_h * len(bars) / height_pt)
    )
    ax.set_xlim(0, 100)
    ax.set_ylim(len(bars) - 0.5, -0.5)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.tick_params(axis="y", left=False)
    ax.spines["left"].set_visible(False)
    ax.set_yticks(range(len(bars)), [b[1] for b in bars])
    for tick, b in zip(ax.get_yticklabels(), bars, strict=True):
        tick.set_gid(f"label-{b[0]}")
        if b[0] == "Overall":
            tick.set_fontweight("bold")
    total = sum(w)
    for i, (name, _label, judgements) in enumerate(bars):
        share: dict[str, float] = {}
        for word, wt in zip(judgements, w, strict=True):
            key = judgement_key(word) if word else "no information"
            share[key] = share.get(key, 0.0) + wt
        start = 0.0
        for key in keys:
            if key not in share or total <= 0:
                continue
            pct = 100.0 * share[key] / total
            fill = pal.not_applicable if key == "not applicable" else pal.judgements[key]
            ax.add_patch(
                Rectangle(
                    (start, i - 0.35),
                    pct,
                    0.7,
                    facecolor=fill,
                    edgecolor=pal.ink,
                    linewidth=style.linewidth * 0.8,
                    gid=f"bar-{name}-{key.replace(' ', '-')}",
                )
            )
            start += pct
    # legend: coloured keys under the axis, centred on the figure
    y = margin + legend_h - fs * 1.2
    box = fs * 1.0
    for r, row in enumerate(legend_rows):
        widths = [box + 3.0 + text_width(_display(k), fontsize=fs) for k in row]
        total_w = sum(widths) + 8.0 * (len(row) - 1)
        x = (width_pt - total_w) / 2
        for k, kw in zip(row, widths, strict=True):
            fill = pal.not_applicable if k == "not applicable" else pal.judgements[k]
            fig.add_artist(
                Rectangle(
                    (x / width_pt, (y - r * fs * 1.6 - box / 2) / height_pt),
                    box / width_pt,
                    box / height_pt,
                    transform=fig.transFigure,
                    facecolor=fill,
                    edgecolor=pal.ink,
                    linewidth=style.linewidth * 0.8,
                    gid=f"legend-{k.replace(' ', '-')}",
                )
            )
            fig.text(
                (x + box + 3.0) / width_pt,
                (y - r * fs * 1.6) / height_pt,
                _display(k),
                ha="left",
                va="center",
                gid=f"legend-text-{k.replace(' ', '-')}",
            )
            x += kw + 8.0
    ax.set_gid("rob-summary-weighted" if weighted else "rob-summary-counted")
    return fig


def _two_lines(text: str, fs: float, room: float) -> str:
    if text_width(text, fontsize=fs) <= room or " " not in text:
        return text
    words = text.split()
    best = text
    for cut in range(1, len(words)):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        if text_width(first, fontsize=fs) <= room:
            best = first + "\n" + second
    return best


def _legend_rows(keys: Sequence[str], room: float, fs: float) -> list[list[str]]:
    rows: list[list[str]] = [[]]
    used = 0.0
    for k in keys:
        w = fs * 1.7 + 3.0 + text_width(_display(k), fontsize=fs) + 8.0
        if rows[-1] and used + w > room:
            rows.append([])
            used = 0.0
        rows[-1].append(k)
        used += w
    return rows
