"""Per-study effects recomputed from what a review prints, with the range its rounding allows.

Arm data printed with *d* decimals are consistent with any true values within half a unit of the last digit; the
recomputed effect is evaluated at every corner of that box (2⁴ corners for two means and two SDs), which bounds it
exactly for the measures used here (each is monotone in every input). Counts behind a percentage are every whole
number the percentage allows (or the two nearest when none does).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sysreview.audit._claims import Arm, DataRow, Estimate
from sysreview.audit._numbers import Reported
from sysreview.effects import critical_value, escalc

__all__ = [
    "ARM_MEASURES",
    "StudyEffect",
    "counts_for_percent",
    "effect_from_arms",
    "effect_from_estimate",
    "to_model",
    "to_natural",
]

#: measures recomputed from arm data: continuous (two means) and binary (two groups of counts)
ARM_MEASURES = {
    "MD": "continuous",
    "SMD": "continuous",
    "SMDH": "continuous",
    "ROM": "continuous",
    "RR": "binary",
    "OR": "binary",
    "RD": "binary",
}
_TINY = 1e-12


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyEffect:
    """A study's effect on the model scale, with the range the rounding of its inputs allows."""

    study: str
    yi: float
    vi: float
    yi_low: float
    yi_high: float
    vi_low: float
    vi_high: float
    origin: str  # "arm data" or "reported effect"
    source: str
    exact: bool  # inputs not rounded (full-precision numbers)


def to_model(value: float, scale: str | None) -> float:
    """A value on the natural scale moved to the analysis scale (log for ratios)."""
    if scale == "log":
        return math.log(value) if value > 0 else (-math.inf if value == 0 else math.nan)
    return value


def to_natural(value: float, scale: str | None) -> float:
    return math.exp(value) if scale == "log" else value


def _box(value: Reported, *, positive: bool = False) -> tuple[float, float]:
    low, high = value.value - value.half_unit, value.value + value.half_unit
    if positive:
        low = max(low, value.value * 1e-3 if value.value > 0 else _TINY, _TINY)
    return low, high


def counts_for_percent(percent: Reported, n: int) -> tuple[list[int], bool]:
    """The event counts out of ``n`` that round to ``percent``; if none does, the two nearest (and False)."""
    low, high = percent.value - percent.half_unit, percent.value + percent.half_unit
    eps = 1e-9
    first = max(0, math.floor(low * n / 100) - 1)
    last = min(n, math.ceil(high * n / 100) + 1)
    fits = [c for c in range(first, last + 1) if low - eps <= 100 * c / n <= high + eps]
    if fits:
        return fits, True
    exact = percent.value * n / 100
    return sorted({max(0, math.floor(exact)), min(n, math.ceil(exact))}), False


def _arm_counts(arm: Arm) -> list[int]:
    if arm.events is not None:
        return [arm.events]
    assert arm.percent is not None
    return counts_for_percent(arm.percent, arm.n)[0]


def effect_from_arms(
    row: DataRow, measure: str, *, use: str = "analysed", sd_as_se: bool = False, cohen: bool = False
) -> tuple[StudyEffect | None, str]:
    """The effect of the first arm against the second; (None, reason) when the data do not allow it.

    ``use``: ``analysed`` (the arm's mean/sd), ``followup`` (follow-up mean/sd instead of change scores);
    ``sd_as_se`` reads the printed SDs as standard errors; ``cohen`` drops Hedges' small-sample correction.
    These alternatives serve to explain a discrepancy ("the reported value is what follow-up scores give").
    """
    kind = ARM_MEASURES.get(measure)
    if kind is None:
        return (
            None,
            f"measure {measure} is not recomputed from arm data (sysreview recomputes {', '.join(ARM_MEASURES)})",
        )
    if len(row.arms) != 2:
        return None, f"{len(row.arms)} arm(s); an effect compares two"
    if kind != row.kind:
        return None, f"{measure} needs {kind} data, the arms hold {row.kind} data"
    first, second = row.arms
    if kind == "continuous":
        pairs = []
        for arm in (first, second):
            mean, sd = (arm.followup_mean, arm.followup_sd) if use == "followup" else (arm.mean, arm.sd)
            if mean is None or sd is None:
                return None, "no follow-up mean and SD" if use == "followup" else "no mean and SD"
            pairs.append((mean, sd))
        (m1, s1), (m2, s2) = pairs
        boxes = [_box(m1), _box(s1, positive=True), _box(m2), _box(s2, positive=True)]
        center = [m1.value, max(s1.value, _TINY), m2.value, max(s2.value, _TINY)]
        grid = np.array([center, *itertools.product(*boxes)], dtype=np.float64)
        n1 = np.full(len(grid), float(first.n))
        n2 = np.full(len(grid), float(second.n))
        sd1, sd2 = grid[:, 1], grid[:, 3]
        if sd_as_se:
            sd1, sd2 = sd1 * math.sqrt(first.n), sd2 * math.sqrt(second.n)
        if measure == "ROM" and (np.any(grid[:, 0] <= 0) or np.any(grid[:, 2] <= 0)):
            return None, "a ratio of means needs positive means"
        if np.any(n1 + n2 <= 2):
            return None, "too few participants for a standardised difference"
        es = escalc(measure, n1i=n1, m1i=grid[:, 0], sd1i=sd1, n2i=n2, m2i=grid[:, 2], sd2i=sd2)
        yi, vi = np.asarray(es.yi, dtype=np.float64), np.asarray(es.vi, dtype=np.float64)
        if cohen and measure == "SMD":
            # Hedges' correction J(m) = Γ(m/2)/(√(m/2)·Γ((m−1)/2)), m = n1 + n2 − 2 (Hedges 1981), undone
            m = first.n + second.n - 2
            j = math.exp(math.lgamma(m / 2) - math.lgamma((m - 1) / 2)) / math.sqrt(m / 2)
            yi = yi / j
        exact = all(r.half_unit <= 1e-6 * max(1.0, abs(r.value)) for r in (m1, s1, m2, s2))
    else:
        c1, c2 = _arm_counts(first), _arm_counts(second)
        center_counts = [
            first.events if first.events is not None else round(first.percent.value * first.n / 100),  # type: ignore[union-attr]
            second.events if second.events is not None else round(second.percent.value * second.n / 100),  # type: ignore[union-attr]
        ]
        grid_counts = np.array([center_counts, *itertools.product(c1, c2)], dtype=np.float64)
        es = escalc(
            measure,
            ai=grid_counts[:, 0],
            n1i=np.full(len(grid_counts), float(first.n)),
            ci=grid_counts[:, 1],
            n2i=np.full(len(grid_counts), float(second.n)),
        )
        yi, vi = np.asarray(es.yi, dtype=np.float64), np.asarray(es.vi, dtype=np.float64)
        exact = first.events is not None and second.events is not None
    if not (np.all(np.isfinite(yi)) and np.all(np.isfinite(vi))):
        return None, "the effect is not estimable from these data"
    return (
        StudyEffect(
            study=row.study,
            yi=float(yi[0]),
            vi=float(vi[0]),
            yi_low=float(yi.min()),
            yi_high=float(yi.max()),
            vi_low=float(vi.min()),
            vi_high=float(vi.max()),
            origin="arm data",
            source=row.source,
            exact=exact,
        ),
        "",
    )


def effect_from_estimate(study: str, est: Estimate) -> tuple[StudyEffect | None, str]:
    """A reported effect with its CI (or SE) as ``yi``/``vi`` on the model scale, with its rounding range."""
    if est.estimate is None or est.estimate.is_bound:
        return None, "no estimate"
    if est.scale not in {"log", "identity"}:
        return None, f"the scale of measure {est.measure} is unknown"
    log = est.scale == "log" and not est.model_scale

    def model(value: float) -> float:
        return to_model(value, "log") if log else value

    e_low, e_high = _box(est.estimate)
    yi = model(est.estimate.value)
    yi_range = (model(e_low), model(e_high)) if not log or e_low > 0 else (-math.inf, model(e_high))
    if est.se is not None:
        se, h = est.se.value, est.se.half_unit
        if log:
            return None, "a standard error of a ratio on the natural scale is ambiguous; give the CI"
        se_range = (max(se - h, 0.0), se + h)
    elif est.lower is not None and est.upper is not None and not (est.lower.is_bound or est.upper.is_bound):
        crit = float(critical_value(est.level, df=est.df))
        lo_box, hi_box = _box(est.lower), _box(est.upper)
        if log and (lo_box[0] <= 0 or est.lower.value <= 0):
            return None, "a ratio's lower bound at 0 gives no standard error"
        width = model(est.upper.value) - model(est.lower.value)
        if width <= 0:
            return None, "the interval has no width"
        se = width / (2 * crit)
        widths = (model(hi_box[0]) - model(lo_box[1]), model(hi_box[1]) - model(lo_box[0]))
        se_range = (max(widths[0], 0.0) / (2 * crit), widths[1] / (2 * crit))
    else:
        return None, "neither a confidence interval nor a standard error"
    exact = all(
        r is None or r.half_unit <= 1e-6 * max(1.0, abs(r.value)) for r in (est.estimate, est.lower, est.upper, est.se)
    )
    return (
        StudyEffect(
            study=study,
            yi=yi,
            vi=se**2,
            yi_low=yi_range[0],
            yi_high=yi_range[1],
            vi_low=se_range[0] ** 2,
            vi_high=se_range[1] ** 2,
            origin="reported effect",
            source=est.source,
            exact=exact,
        ),
        "",
    )


def spread(values: Sequence[float]) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    return (min(finite), max(finite)) if finite else (math.nan, math.nan)
