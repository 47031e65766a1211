"""Forest plots in the RevMan/metafor tradition, for a pooled result or a subgroup analysis."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from sysreview._typing import FloatArray
from sysreview.effects import MEASURES
from sysreview.errors import InputError
from sysreview.models import MetaResult, SubgroupResult, rma
from sysreview.plots._rob import RobData, _short_domains, judgement_key, rob_data
from sysreview.plots._scale import Scale, effect_label, estimate_title, resolve_scale
from sysreview.plots._style import (
    Palette,
    format_ci,
    format_number,
    format_p,
    make_style,
    resolve_width,
    style_context,
)
from sysreview.plots._table import Column, Row, draw_table

__all__ = ["forest_plot", "heterogeneity_text", "model_label", "overall_test_text"]

_COMMON = frozenset({"FE", "EE", "CE"})
#: single-group measures have no "no effect" value: no reference line by default
_NO_NULL_FAMILIES = frozenset({"proportion", "incidence"})


def forest_plot(
    result: MetaResult | SubgroupResult,
    *,
    columns: Mapping[str, Sequence[Any]] | None = None,
    rob: Any = None,
    overall: MetaResult | bool = True,
    transf: str | Callable[[FloatArray], FloatArray] | None = None,
    xlim: tuple[float, float] | None = None,
    at: Sequence[float] | None = None,
    refline: float | Literal["auto"] | None = "auto",
    favours: tuple[str, str] | None = None,
    xlabel: str | None = None,
    prediction: bool = True,
    weights: bool = True,
    heterogeneity: bool = True,
    label_title: str = "Study",
    digits: int = 2,
    palette: str | Palette = "default",
    fontsize: float = 7.0,
    width: str | float | None = None,
) -> Figure:
    """Forest plot of a meta-analysis: one row per study, the pooled diamond(s), heterogeneity and tests.

    The figure follows RevMan and metafor: study labels and optional arm-data columns on the left; the effect
    panel with squares (area proportional to the study's weight) and confidence intervals; weights and
    "estimate [CI]" on the right; optional risk-of-bias cells at the far right. Below the studies come the
    pooled diamond, the prediction interval (random-effects models), heterogeneity (τ², Q, I²) and the test of
    the overall effect; for a :class:`~sysreview.models.SubgroupResult`, a subtotal diamond with its own
    heterogeneity per subgroup, the overall diamond and the test for subgroup differences.

    Everything uses the settings the result was fitted with (level, test, measure).

    Parameters
    ----------
    result : MetaResult or SubgroupResult
        An intercept-only model (``rma``, ``rma_mh``, ``rma_peto``) or a subgroup analysis.
    columns : mapping of str to sequence, optional
        Arm-data columns: column title (may contain a line break) → one value per study, in the order of the
        data (``result.study``; for subgroups, the order the studies were given to ``subgroup_analysis``).
        Numbers are printed with ``str``; give strings to control their format.
    rob : risk-of-bias table, optional
        Judgements by study label (see :func:`sysreview.plots.rob_data`): a mapping study → {domain:
        judgement, "Overall": judgement}, robvis rows, or a robvis table object. Adds one cell per domain.
    overall : MetaResult or bool
        Subgroup plots: the overall result to draw (True: the model of the subgroup analysis's settings fitted
        to all studies; False: none). Ignored for a MetaResult.
    transf : str or callable, optional
        How model-scale values are shown (metafor's ``atransf``): by default the measure's back-transform (exp
        for the log-scale measures RR, OR, …, tanh for ZCOR, expit for PLO); ``"none"`` keeps the model scale.
        The axis stays on the model scale (a log axis for ratio measures) with ticks labelled on the shown scale.
    xlim, at : optional
        Axis limits and tick values **on the displayed scale** (e.g. ``at=(0.25, 1, 4)`` for an odds ratio).
    refline : float, "auto" or None
        Reference line on the displayed scale; "auto": the no-effect value (1 for ratios, 0 otherwise) except for
        single-group measures (proportions, rates), None: no line.
    favours : (str, str), optional
        Labels under the axis, left and right of the reference line (e.g. ``("Favours SVF", "Favours control")``).
    xlabel : str, optional
        Axis title (default: the measure, e.g. "Odds ratio (log scale)").
    prediction : bool
        Draw the prediction interval of random-effects models.
    weights, heterogeneity : bool
        Show the weight column; show the heterogeneity and test lines.
    label_title : str
        Title of the study-label column.
    digits : int
        Decimals of the printed estimates.
    palette : {"default", "colourblind"}
    fontsize : float
        Base font size in pt at the printed size (at least 7).
    width : {"single", "double"} or float, optional
        Figure width: a journal column (8.5 or 17.5 cm) or cm; by default the narrowest column that fits.

    Returns
    -------
    matplotlib.figure.Figure
        Artists carry gids (SVG ids): ``study-{n}-label``, ``study-{n}-estimate``, ``study-{n}-weight``,
        ``study-{n}-box``, ``study-{n}-ci``, ``diamond-overall``, ``diamond-subgroup-{j}``,
        ``prediction-interval``, ``heterogeneity-overall``, ``test-overall``, ``test-subgroup-differences``,
        ``favours-left``/``favours-right``, ``reference-line``, ``xtick-{j}``.
    """
    style = make_style(fontsize, palette)
    if not isinstance(digits, int) or isinstance(digits, bool) or not 0 <= digits <= 6:
        raise InputError(f"digits must be a whole number from 0 to 6, got {digits!r}")
    if favours is not None and (len(favours) != 2 or not all(isinstance(f, str) for f in favours)):
        raise InputError("favours must be two labels: (left, right)")
    fits = _as_fits(result, overall)
    measure = fits.measure
    scale = resolve_scale(transf, measure)
    level = fits.level
    arm = _arm_columns(columns, fits.study)
    robd = rob_data(rob) if rob is not None else None
    rob_headers, rob_rows, rob_notes = _rob_columns(robd, fits.study)
    rows = _rows(
        fits, scale=scale, digits=digits, arm=arm, rob_rows=rob_rows, prediction=prediction, heterogeneity=heterogeneity
    )
    left = [Column(key, title) for key, title, _ in arm]
    right = ([Column("weight", "Weight")] if weights else []) + [
        Column("estimate", estimate_title(measure, scale, level))
    ]
    ref = _refline(refline, measure, scale)
    with style_context(style):
        return draw_table(
            rows,
            label_title=label_title,
            left=left,
            right=right,
            rob_domains=rob_headers,
            scale=scale,
            xlim=xlim,
            at=at,
            refline=ref,
            favours=favours,
            xlabel=effect_label(measure, scale) if xlabel is None else xlabel,
            style=style,
            width_pt=resolve_width(width),
            footnotes=rob_notes,
        )


# ---------------------------------------------------------------------- the fits to draw
class _Fits:
    """The studies of the plot (in data order) and how they are grouped: one group (a MetaResult) or subgroups."""

    def __init__(
        self,
        *,
        study: tuple[str, ...],
        yi: FloatArray,
        vi: FloatArray,
        weights: FloatArray | None,
        groups: list[tuple[str, list[int], MetaResult | None]],
        overall: MetaResult | None,
        subgroup: SubgroupResult | None,
        measure: str | None,
        level: float,
    ) -> None:
        self.study = study
        self.yi = yi
        self.vi = vi
        self.weights = weights
        self.groups = groups
        self.overall = overall
        self.subgroup = subgroup
        self.measure = measure
        self.level = level


def _as_fits(result: MetaResult | SubgroupResult, overall: MetaResult | bool) -> _Fits:
    if isinstance(result, MetaResult):
        if result.estimate is None or result.p != 1:
            raise InputError(
                "forest_plot draws intercept-only models; this fit has moderators "
                f"({', '.join(result.moderators) or result.p}); draw a meta-regression with bubble_plot"
            )
        idx = list(range(result.k))
        return _Fits(
            study=result.study,
            yi=result.yi,
            vi=result.vi,
            weights=result.weights,
            groups=[("", idx, None)],
            overall=result,
            subgroup=None,
            measure=result.measure,
            level=result.level,
        )
    if not isinstance(result, SubgroupResult):
        raise InputError(f"forest_plot takes a MetaResult or SubgroupResult, got {type(result).__name__}")
    mt = result.moderator_test
    if mt is None:
        if len(result.subgroups) != 1:
            raise InputError("the subgroup analysis has no studies to draw")
        ((name, fit),) = result.subgroups.items()
        base = fit
        members = {name: list(range(fit.k))}
    else:
        base = mt
        members = _members(result, mt)
    names = sorted(set(result.subgroups) | set(result.single_study_levels) | set(members))
    first = base
    total: MetaResult | None
    if isinstance(overall, MetaResult):
        total = overall
        if total.k != base.k or tuple(total.study) != tuple(base.study):
            raise InputError("overall: the result must be fitted to the same studies as the subgroup analysis")
    elif overall and mt is not None:
        total = rma(
            base.yi,
            base.vi,
            method=first.method,
            test=first.test,
            level=first.level,
            measure=first.measure,
            study=list(base.study),
        )
    else:
        total = None
    groups = [(name, members.get(name, []), result.subgroups.get(name)) for name in names]
    return _Fits(
        study=base.study,
        yi=base.yi,
        vi=base.vi,
        weights=None if total is None else total.weights,
        groups=groups,
        overall=total,
        subgroup=result,
        measure=first.measure,
        level=first.level,
    )


def _members(result: SubgroupResult, mt: MetaResult) -> dict[str, list[int]]:
    """Which studies (positions in the data) belong to which subgroup, read off the subgroup factor's dummy coding."""
    if mt.X is None:
        raise InputError("the subgroup analysis carries no model matrix to tell its subgroups apart")
    levels = sorted(set(result.subgroups) | set(result.single_study_levels))
    prefix = result.variable
    coded = [m[len(prefix) :] if m.startswith(prefix) else m for m in mt.moderators]
    reference = next((lev for lev in levels if lev not in coded), levels[0])
    out: dict[str, list[int]] = {}
    for i in range(mt.k):
        row = mt.X[i, 1:]
        hit = np.flatnonzero(row == 1.0)
        name = coded[int(hit[0])] if hit.size else reference
        out.setdefault(name, []).append(i)
    return out


# ---------------------------------------------------------------------- columns
def _arm_columns(columns: Mapping[str, Sequence[Any]] | None, study: Sequence[str]) -> list[tuple[str, str, list[Any]]]:
    """Arm-data columns as (cell key, title, values), each checked to hold one value per study."""
    if not columns:
        return []
    out = []
    for c, (title, values) in enumerate(columns.items()):
        if isinstance(values, str) or len(values) != len(study):
            raise InputError(f"columns[{title!r}] needs one value per study ({len(study)})")
        out.append((f"col{c}", str(title), list(values)))
    return out


def _rob_columns(
    robd: RobData | None, study: Sequence[str]
) -> tuple[list[str], list[dict[str, str] | None], list[str]]:
    if robd is None:
        return [], [None] * len(study), []
    headers, captions = _short_domains(robd.domains)
    names = [*headers, *(["Overall"] if robd.overall is not None else [])]
    by_study: dict[str, dict[str, str]] = {}
    for i, s in enumerate(robd.studies):
        values = list(robd.judgements[i]) + ([robd.overall[i]] if robd.overall is not None else [])
        by_study[s] = dict(zip(names, values, strict=True))
    if not any(s in by_study for s in study):
        raise InputError(
            "rob: no study of the risk-of-bias table matches a study label of the result "
            f"(e.g. {study[0]!r} vs {robd.studies[0]!r})"
        )
    rows = [by_study.get(s) for s in study]
    present = {judgement_key(j) for r in rows if r for j in r.values() if j}
    order = (
        "low",
        "some concerns",
        "moderate",
        "unclear",
        "high",
        "serious",
        "critical",
        "very high",
        "no information",
    )
    symbols = {
        "low": "+",
        "some concerns": "\u2212",
        "moderate": "\u2212",
        "unclear": "\u2212",
        "high": "\u00d7",
        "serious": "\u00d7",
        "critical": "!",
        "very high": "!",
        "no information": "?",
    }
    legend = "Risk of bias: " + "; ".join(f"{symbols[k]} {k[:1].upper() + k[1:]}" for k in order if k in present)
    notes = [legend]
    if captions:
        notes.append("; ".join(captions))
    return names, rows, notes


# ---------------------------------------------------------------------- rows
def _rows(
    fits: _Fits,
    *,
    scale: Scale,
    digits: int,
    arm: list[tuple[str, str, list[Any]]],
    rob_rows: list[dict[str, str] | None],
    prediction: bool,
    heterogeneity: bool,
) -> list[Row]:
    crit = float(stats.norm.ppf(1 - (1 - fits.level) / 2))
    rows: list[Row] = []
    n = 0

    def study_row(i: int) -> Row:
        nonlocal n
        y, v = float(fits.yi[i]), float(fits.vi[i])
        se = math.sqrt(v) if v >= 0 else math.nan
        lo, hi = y - crit * se, y + crit * se
        cells = {key: _cell(values[i]) for key, _, values in arm}
        w = None if fits.weights is None else float(fits.weights[i])
        if w is not None:
            cells["weight"] = f"{w:.1f}%"
        cells["estimate"] = _estimate_text(scale, y, lo, hi, digits)
        row = Row(
            kind="study",
            label=fits.study[i],
            cells=cells,
            estimate=y,
            lower=lo,
            upper=hi,
            weight=w if w is not None else 1.0 / v if v > 0 else None,
            rob=rob_rows[i],
            gid=f"study-{n}",
        )
        n += 1
        return row

    subgrouped = fits.subgroup is not None
    for j, (name, idx, fit) in enumerate(fits.groups):
        if subgrouped:
            rows.append(Row(kind="heading", label=name, bold=True, gid=f"subgroup-{j}-heading"))
        rows.extend(study_row(i) for i in idx)
        if subgrouped and fit is not None:
            weight = None if fits.weights is None else float(np.sum(fits.weights[idx]))
            rows.extend(
                _summary_rows(
                    fit,
                    scale=scale,
                    digits=digits,
                    label=f"Subtotal ({model_label(fit)})",
                    gid=f"subgroup-{j}",
                    diamond_gid=f"diamond-subgroup-{j}",
                    weight=weight,
                    prediction=False,
                    heterogeneity=heterogeneity,
                )
            )
        if subgrouped:
            rows.append(Row(kind="blank"))
    if fits.overall is not None:
        label = f"Overall ({model_label(fits.overall)})"
        rows.extend(
            _summary_rows(
                fits.overall,
                scale=scale,
                digits=digits,
                label=label,
                gid="overall",
                diamond_gid="diamond-overall",
                weight=100.0 if fits.weights is not None else None,
                prediction=prediction,
                heterogeneity=heterogeneity,
            )
        )
    sg = fits.subgroup
    if sg is not None and sg.Q_between is not None and heterogeneity:
        q, df, p = sg.Q_between, sg.Q_between_df or 0, sg.Q_between_pvalue
        i2 = max(0.0, (q - df) / q * 100.0) if q > 0 else 0.0
        rows.append(
            Row(
                kind="text",
                label=f"Test for subgroup differences: Q = {format_number(q, 2)}, df = {df} "
                f"({format_p(p)}); I² = {i2:.0f}%",
                gid="test-subgroup-differences",
            )
        )
    return rows


def _summary_rows(
    fit: MetaResult,
    *,
    scale: Scale,
    digits: int,
    label: str,
    gid: str,
    diamond_gid: str,
    weight: float | None,
    prediction: bool,
    heterogeneity: bool,
) -> list[Row]:
    est, lo, hi = fit.estimate, fit.ci_lower, fit.ci_upper
    if est is None or lo is None or hi is None:
        return []
    cells = {"estimate": _estimate_text(scale, est, lo, hi, digits)}
    if weight is not None:
        cells["weight"] = f"{weight:.1f}%"
    out = [Row(kind="summary", label=label, cells=cells, estimate=est, lower=lo, upper=hi, gid=diamond_gid)]
    if (
        prediction
        and fit.method not in _COMMON | {"MH", "PETO"}
        and fit.pi_lower is not None
        and fit.pi_upper is not None
    ):
        out.append(
            Row(
                kind="prediction",
                label="Prediction interval",
                cells={"estimate": format_ci(scale.show(fit.pi_lower), scale.show(fit.pi_upper), digits)},
                lower=fit.pi_lower,
                upper=fit.pi_upper,
                gid="prediction-interval",
            )
        )
    if heterogeneity:
        het = heterogeneity_text(fit)
        if het:
            out.append(Row(kind="text", label=het, gid=f"heterogeneity-{gid}"))
        test = overall_test_text(fit)
        if test:
            out.append(Row(kind="text", label=test, gid=f"test-{gid}"))
    return out


def _estimate_text(scale: Scale, est: float, lo: float, hi: float, digits: int) -> str:
    return f"{format_number(scale.show(est), digits)} {format_ci(scale.show(lo), scale.show(hi), digits)}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:g}".replace("-", "\u2212")
    return str(value)


def _refline(refline: float | Literal["auto"] | None, measure: str | None, scale: Scale) -> float | None:
    if refline is None:
        return None
    if refline == "auto":
        info = MEASURES.get(measure or "")
        if info is not None and info.family in _NO_NULL_FAMILIES:
            return None
        return 0.0 if scale.inverse is None or scale.name in {"identity", "exp", "tanh"} else None
    return float(scale.to_model([float(refline)], "refline")[0])


# ---------------------------------------------------------------------- text lines
def model_label(fit: MetaResult) -> str:
    """Short name of the model: ``CE`` (common effect), ``CE, MH``, ``RE, REML`` (random effects with its τ²
    estimator; ``, HK`` under the Hartung–Knapp test)."""
    if fit.method in _COMMON:
        return "CE"
    if fit.method == "MH":
        return "CE, MH"
    if fit.method == "PETO":
        return "CE, Peto"
    extra = ", HK" if fit.test == "knha" else ""
    return f"RE, {fit.method}{extra}"


def _small(value: float) -> str:
    """τ² with two decimals, or three significant digits when it is below 0.01 (0 stays 0)."""
    if value == 0:
        return "0"
    if abs(value) < 0.01:
        return f"{value:.2g}" if abs(value) >= 1e-4 else f"{value:.1e}"
    return format_number(value, 2)


def heterogeneity_text(fit: MetaResult) -> str:
    """``Heterogeneity: τ² = 0.12; Q = 10.23, df = 3 (p = 0.017); I² = 71%`` (τ² only for random effects)."""
    parts = []
    if fit.method not in _COMMON | {"MH", "PETO"}:
        parts.append(f"τ² = {_small(fit.tau2)}")
    if fit.Q is not None and fit.Q_df is not None:
        parts.append(f"Q = {format_number(fit.Q, 2)}, df = {fit.Q_df} ({format_p(fit.Q_pvalue)})")
    if fit.I2 is not None:
        parts.append(f"I² = {fit.I2:.0f}%")
    return "Heterogeneity: " + "; ".join(parts) if parts else ""


def overall_test_text(fit: MetaResult) -> str:
    """``Test for overall effect: z = 3.21 (p = 0.001)`` (``t(5) = …`` under a t reference distribution)."""
    if fit.statistic is None:
        return ""
    name = "z" if fit.df is None else f"t({fit.df:g})"
    return f"Test for overall effect: {name} = {format_number(fit.statistic, 2)} ({format_p(fit.pvalue)})"
