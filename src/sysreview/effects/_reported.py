"""Effects as papers report them (estimate with a CI or a p-value) turned into ``yi``/``vi`` on the model scale."""

from __future__ import annotations

from typing import Final

import numpy as np

from sysreview._distributions import t_ppf
from sysreview._special import special
from sysreview._typing import ArrayLike, FloatArray
from sysreview.effects._columns import as_values, reject
from sysreview.effects._conversions import critical_value
from sysreview.effects._escalc import EffectSizes
from sysreview.effects._measures import MEASURES
from sysreview.errors import InputError

__all__ = ["SCALES", "effects_from_reported"]

#: scales of a reported effect: "log" for ratios (OR, RR, HR, IRR, ROM …), "identity" for differences
SCALES: Final = ("log", "identity")
#: relative asymmetry of the interval about the estimate (on the model scale) above which a note is made
_ASYMMETRY: Final = 0.1


def _column(name: str, value: ArrayLike | None, k: int) -> FloatArray | None:
    if value is None:
        return None
    array = np.atleast_1d(as_values(name, value))
    if array.ndim > 1 or array.shape[0] not in {1, k}:
        raise InputError(f"must hold one value per study ({k}), got shape {array.shape}", column=name)
    return np.broadcast_to(array, (k,)).copy()


def _scale_for(measure: str, scale: str | None) -> str:
    if not isinstance(measure, str) or not measure:
        raise InputError(f"measure must be a non-empty code (e.g. 'OR', 'HR', 'GEN'); got {measure!r}")
    known = MEASURES.get(measure)
    if scale is None:
        if known is None:
            raise InputError(
                f"scale is required for measure {measure!r}: choose 'log' (ratios) or 'identity' (differences)"
            )
        scale = known.scale
        if scale not in SCALES:
            raise InputError(f"measure {measure} is on the {scale} scale; reported values cannot be converted")
        return scale
    if scale not in SCALES:
        raise InputError(f"scale must be one of {', '.join(SCALES)}; got {scale!r}")
    if known is not None and known.scale != scale:
        raise InputError(f"measure {measure} is on the {known.scale} scale, not {scale!r}")
    return scale


def effects_from_reported(
    estimate: ArrayLike,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    *,
    pvalue: ArrayLike | None = None,
    measure: str = "GEN",
    scale: str | None = None,
    level: float = 0.95,
    df: ArrayLike | None = None,
) -> EffectSizes:
    """Turn effects as reported (estimate with a confidence interval, or with a p-value) into ``yi`` and ``vi``.

    On the log scale (ratios: odds, risk, hazard, rate ratios), ``yi = ln(estimate)`` and
    ``SE = (ln upper − ln lower)/(2·z)``; on the identity scale, ``yi = estimate`` and
    ``SE = (upper − lower)/(2·z)``, with ``z`` the normal (or, with ``df``, t) quantile for ``level``.
    Studies without both limits use the p-value: ``SE = |yi|/z(1 − p/2)``. ``vi = SE²``.

    A study with neither, or whose SE cannot be recovered (a null estimate with a p-value), keeps its place
    with NaN and a note. A note also flags intervals that are clearly asymmetric about the estimate on the
    model scale (more than 10% of the width), which usually means the wrong ``scale`` or a typo.

    Parameters
    ----------
    estimate : array_like
        Reported effects, on the natural scale (e.g. an odds ratio of 0.75, not its log).
    lower, upper : array_like, optional
        Reported confidence limits (NaN where a study reports none).
    pvalue : array_like, optional
        Reported two-sided p-values, used where the limits are missing.
    measure : str
        Code recorded on the result: a code of :data:`~sysreview.effects.MEASURES` (its scale is then
        implied) or any other label such as ``"HR"`` or ``"GEN"`` (then ``scale`` is required).
    scale : {"log", "identity"}, optional
        Scale on which the effect is analysed.
    level : float
        Confidence level of the reported intervals.
    df : array_like, optional
        Degrees of freedom when intervals and p-values come from t distributions.

    Raises
    ------
    InputError
        An unknown scale, a scale that contradicts ``measure``, non-positive values on the log scale, a
        p-value outside (0, 1], or an estimate outside its own interval (naming row and column).

    References
    ----------
    Higgins JPT, Li T, Deeks JJ (2023). Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4, sections 6.3.1 and 6.3.2.
    Altman DG, Bland JM (2011). How to obtain the confidence interval from a P value. BMJ 343:d2090.
    """
    scale = _scale_for(measure, scale)
    point = np.atleast_1d(as_values("estimate", estimate))
    if point.ndim > 1:
        raise InputError(f"must hold one value per study (one dimension), got shape {point.shape}", column="estimate")
    k = point.shape[0]
    low, high = _column("lower", lower, k), _column("upper", upper, k)
    p = _column("pvalue", pvalue, k)
    if (low is None) != (high is None):
        raise InputError("lower and upper go together; give both or neither")
    if low is None and p is None:
        raise InputError("give the confidence limits (lower, upper) or the p-values (pvalue)")
    z = critical_value(level, df=df)
    log = scale == "log"
    if log:
        reject("estimate", point, point <= 0, "must be positive on the log scale")
    yi = np.log(point) if log else point.copy()
    se = np.full(k, np.nan)
    notes: list[list[str]] = [[] for _ in range(k)]

    with_ci = np.zeros(k, dtype=bool)
    if low is not None and high is not None:
        if log:
            reject("lower", low, low <= 0, "must be positive on the log scale")
            reject("upper", high, high <= 0, "must be positive on the log scale")
        reject("upper", high, high < low, "must not be below the lower limit")
        reject("estimate", point, (point < low) | (point > high), "must lie within its confidence interval")
        lo, hi = (np.log(low), np.log(high)) if log else (low, high)
        with_ci = np.isfinite(lo) & np.isfinite(hi)
        width = hi - lo
        se = np.where(with_ci, width / (2 * np.broadcast_to(z, (k,))), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            asymmetry = np.abs((hi - yi) - (yi - lo)) / width
        for index in np.flatnonzero(with_ci & np.isfinite(yi) & (asymmetry > _ASYMMETRY)):
            notes[index].append(f"the interval is not symmetric about the estimate on the {scale} scale")

    if p is not None:
        reject("pvalue", p, (p <= 0) | (p > 1), "must be a p-value in (0, 1]")
        use_p = ~with_ci & np.isfinite(p)
        probability = 1 - p / 2
        quantile = special.ndtri(probability) if df is None else t_ppf(probability, as_values("df", df))
        with np.errstate(invalid="ignore", divide="ignore"):
            from_p = np.abs(yi) / quantile
        recoverable = use_p & (yi != 0) & (p < 1)
        se = np.where(recoverable, from_p, se)
        for index in np.flatnonzero(use_p & ~recoverable & np.isfinite(yi)):
            notes[index].append("not estimable: a null estimate or p = 1 gives no standard error")
        for index in np.flatnonzero(recoverable):
            notes[index].append("standard error from the p-value")

    for index in np.flatnonzero(np.isnan(se) & np.isfinite(yi)):
        if not notes[index] or not notes[index][-1].startswith("not estimable"):
            notes[index].append("not estimable: neither a confidence interval nor a p-value")
    for index in np.flatnonzero(np.isnan(yi)):
        notes[index].append("missing value in estimate")
    vi = se**2
    blank = ~(np.isfinite(yi) & np.isfinite(vi))
    yi = np.where(blank, np.nan, yi)
    vi = np.where(blank, np.nan, vi)
    return EffectSizes(
        measure=measure,
        yi=yi,
        vi=vi,
        notes=tuple("; ".join(parts) if parts else None for parts in notes),
    )
