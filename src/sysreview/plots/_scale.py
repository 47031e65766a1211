"""The displayed scale of an effect axis: back-transforms of the measures (metafor's ``atransf``) and tick marks."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from matplotlib.ticker import MaxNLocator

from sysreview._typing import FloatArray
from sysreview.effects import MEASURES
from sysreview.errors import InputError
from sysreview.plots._style import MINUS

__all__ = ["MEASURE_LABELS", "TRANSFORMS", "Scale", "effect_label", "resolve_scale"]

Func = Callable[[FloatArray], FloatArray]


def _expit(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64))), dtype=np.float64)


def _logit(p: FloatArray) -> FloatArray:
    q = np.asarray(p, dtype=np.float64)
    return np.asarray(np.log(q / (1.0 - q)), dtype=np.float64)


def _sin_squared(x: FloatArray) -> FloatArray:
    return np.asarray(np.sin(np.asarray(x, dtype=np.float64)) ** 2, dtype=np.float64)


def _arcsin_sqrt(p: FloatArray) -> FloatArray:
    return np.asarray(np.arcsin(np.sqrt(np.asarray(p, dtype=np.float64))), dtype=np.float64)


def _identity(x: FloatArray) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _exp(x: FloatArray) -> FloatArray:
    return np.asarray(np.exp(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def _log(x: FloatArray) -> FloatArray:
    return np.asarray(np.log(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def _tanh(x: FloatArray) -> FloatArray:
    return np.asarray(np.tanh(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def _atanh(x: FloatArray) -> FloatArray:
    return np.asarray(np.arctanh(np.asarray(x, dtype=np.float64)), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Scale:
    """How model-scale values (``yi``, estimates) are shown: ``forward`` maps them to the displayed scale,
    ``inverse`` back (None for a user's function without one); ``ratio`` marks log-scale (ratio) measures."""

    name: str
    forward: Func
    inverse: Func | None
    ratio: bool = False

    def show(self, value: float | None) -> float | None:
        """One model-scale value on the displayed scale (None stays None)."""
        if value is None or not math.isfinite(value):
            return value
        return float(self.forward(np.array([value]))[0])

    def to_model(self, values: Sequence[float] | FloatArray, what: str) -> FloatArray:
        """Displayed-scale values (``xlim``, ``at``) on the model scale."""
        if self.inverse is None:
            raise InputError(f"{what} is given on the displayed scale, which needs a named transf (or transf=None)")
        out = self.inverse(np.asarray(values, dtype=np.float64))
        if not np.all(np.isfinite(out)):
            raise InputError(f"{what} {list(values)!r} lies outside the range of the {self.name} scale")
        return out

    def ticks(
        self, lower: float, upper: float, at: Sequence[float] | None = None, *, max_ticks: int = 7
    ) -> tuple[FloatArray, list[str]]:
        """Tick positions (model scale) and labels (displayed scale) for an axis spanning ``[lower, upper]``.

        ``at`` gives the labels' values on the displayed scale; by default ratio measures get 1, 2, 5 × 10ⁿ
        ticks (and their reciprocals) and other scales about five round values of the displayed scale.
        """
        if at is not None:
            values = np.asarray(sorted(at), dtype=np.float64)
            return self.to_model(values, "at"), [tick_label(v) for v in values]
        if self.ratio:
            values = _ratio_ticks(math.exp(lower), math.exp(upper), max_ticks)
            return np.log(values), [tick_label(v) for v in values]
        if self.inverse is None:
            positions = _round_ticks(lower, upper, max_ticks)
            return positions, [tick_label(v) for v in self.forward(positions)]
        shown = self.forward(np.array([lower, upper]))
        lo, hi = float(np.nanmin(shown)), float(np.nanmax(shown))
        values = _round_ticks(lo, hi, max_ticks)
        positions = self.inverse(values)
        keep = np.isfinite(positions)
        return positions[keep], [tick_label(v) for v in values[keep]]


#: back-transforms by name (the names of :attr:`sysreview.effects.Measure.back_transform`)
TRANSFORMS: Final[dict[str, Scale]] = {
    "identity": Scale("identity", _identity, _identity),
    "exp": Scale("exp", _exp, _log, ratio=True),
    "tanh": Scale("tanh", _tanh, _atanh),
    "expit": Scale("expit", _expit, _logit),
    "sin_squared": Scale("sin_squared", _sin_squared, _arcsin_sqrt),
}

#: axis and column titles of the measures (plain words; ratio measures are shown back-transformed)
MEASURE_LABELS: Final[dict[str, str]] = {
    "RR": "Risk ratio",
    "OR": "Odds ratio",
    "PETO": "Odds ratio (Peto)",
    "RD": "Risk difference",
    "AS": "Arcsine risk difference",
    "MD": "Mean difference",
    "SMD": "Standardised mean difference",
    "SMDH": "Standardised mean difference",
    "SMD1": "Standardised mean difference (Glass)",
    "ROM": "Ratio of means",
    "COR": "Correlation",
    "ZCOR": "Correlation",
    "PR": "Proportion",
    "PLN": "Proportion",
    "PLO": "Proportion",
    "PAS": "Proportion",
    "PFT": "Double-arcsine proportion",
    "IRR": "Incidence rate ratio",
    "IRD": "Incidence rate difference",
    "IR": "Incidence rate",
    "IRLN": "Incidence rate",
    "MC": "Mean change",
    "SMCC": "Standardised mean change",
    "SMCR": "Standardised mean change",
}
#: short column titles of the estimate column
MEASURE_ABBREVIATIONS: Final[dict[str, str]] = {
    "RR": "RR",
    "OR": "OR",
    "PETO": "OR",
    "RD": "RD",
    "MD": "MD",
    "SMD": "SMD",
    "SMDH": "SMD",
    "SMD1": "SMD",
    "ROM": "RoM",
    "COR": "r",
    "ZCOR": "r",
    "IRR": "IRR",
    "IRD": "IRD",
    "MC": "MC",
    "SMCC": "SMC",
    "SMCR": "SMC",
}


def resolve_scale(transf: str | Callable[[FloatArray], FloatArray] | None, measure: str | None) -> Scale:
    """The displayed scale: ``transf`` by name or function; by default the measure's back-transform
    (exp for log-scale measures, tanh for ZCOR, expit for PLO …), identity without a known measure."""
    if callable(transf):
        return Scale("custom", transf, None)
    if transf is None:
        code = MEASURES.get(measure or "")
        name = code.back_transform if code is not None else "identity"
        return TRANSFORMS.get(name, TRANSFORMS["identity"])  # Freeman–Tukey needs n: shown untransformed
    if transf == "none":
        return TRANSFORMS["identity"]
    if transf not in TRANSFORMS:
        raise InputError(f"unknown transf {transf!r}; choose one of none, {', '.join(TRANSFORMS)} or give a function")
    return TRANSFORMS[transf]


def effect_label(measure: str | None, scale: Scale) -> str:
    """Axis title for the measure on its displayed scale (``"Odds ratio (log scale)"``)."""
    if measure is None:
        return "Effect size"
    name = MEASURE_LABELS.get(measure, measure)
    if scale.name == "identity" and MEASURES.get(measure) is not None and MEASURES[measure].scale != "identity":
        name = MEASURES[measure].name[:1].upper() + MEASURES[measure].name[1:]  # shown on the model scale
    return name + (" (log scale)" if scale.ratio else "")


def estimate_title(measure: str | None, scale: Scale, level: float) -> str:
    """Title of the estimate-and-CI column (``"OR [95% CI]"``)."""
    if measure is None:
        name = "Estimate"
    elif scale.name == "identity" and MEASURES.get(measure) is not None and MEASURES[measure].scale != "identity":
        name = measure
    else:
        name = MEASURE_ABBREVIATIONS.get(measure, MEASURE_LABELS.get(measure, measure))
    return f"{name} [{level_text(level)} CI]"


def level_text(level: float) -> str:
    """A confidence level as a percentage without needless decimals (``95%``, ``99.5%``)."""
    return f"{level * 100:.10g}%"


def tick_label(value: float) -> str:
    """A tick value with as few digits as it needs and a typographic minus."""
    if value == 0:
        return "0"
    text = f"{value:.4g}"
    if "e" in text:
        text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text.replace("-", MINUS)


def _round_ticks(lower: float, upper: float, max_ticks: int) -> FloatArray:
    if not (math.isfinite(lower) and math.isfinite(upper)):
        raise InputError("the effect axis has no finite range")
    if upper <= lower:
        lower, upper = lower - 0.5, upper + 0.5
    locator = MaxNLocator(nbins=max(2, min(5, max_ticks - 1)), steps=[1, 2, 2.5, 5, 10])
    values = np.asarray(locator.tick_values(lower, upper), dtype=np.float64)
    return np.asarray(np.round(values, 12), dtype=np.float64)


def _ratio_ticks(lower: float, upper: float, max_ticks: int) -> FloatArray:
    """Ratio-scale ticks: 1 always, then 2 and 5 × 10ⁿ and their reciprocals (0.5, 0.2 …) covering the range,
    thinned to powers of ten (and of 2 in narrow ranges) when there would be too many."""
    lower = max(lower, 1e-6)
    upper = min(max(upper, lower * 1.0001), 1e6)
    decades = range(-7, 7)
    fine = sorted({m * 10.0**d for d in decades for m in (1.0, 2.0, 5.0)})
    narrow = [2.0**e for e in range(-3, 4)]  # 0.125 … 8, as RevMan scales narrow ranges
    lo = min(lower, 1.0)
    hi = max(upper, 1.0)
    for candidates in (narrow, fine, [10.0**d for d in decades]):
        below = [c for c in candidates if c <= lo * (1 + 1e-9)]
        above = [c for c in candidates if c >= hi * (1 - 1e-9)]
        if not below or not above:
            continue
        first, last = max(below), min(above)
        chosen = [c for c in candidates if first * (1 - 1e-9) <= c <= last * (1 + 1e-9)]
        if len(chosen) <= max_ticks:
            return np.asarray(chosen, dtype=np.float64)
    spaced = [10.0**d for d in decades if lo / 10 <= 10.0**d <= hi * 10]
    step = max(1, math.ceil(len(spaced) / max_ticks))
    return np.asarray(spaced[::step], dtype=np.float64)
