"""Checks and small helpers shared by the diagnostics: option validation, fit requirements, JSON views."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sysreview._distributions import norm_ppf, t_ppf
from sysreview.errors import InputError
from sysreview.models import MetaResult

__all__ = [
    "check_choice",
    "check_level",
    "critical_value",
    "nan_if_none",
    "plain",
    "readonly",
    "require_intercept_only",
    "require_refittable",
    "require_studies",
]

#: pooling methods whose fits cannot be reproduced from ``yi, vi`` alone (they pool the 2×2 tables)
_COUNT_METHODS = frozenset({"MH", "PETO"})
#: estimators whose fits need the user weights of their generalised Q statistic (kept as ``user_weights``)
_WEIGHTED_METHODS = frozenset({"GENQ", "GENQM"})


def check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``; otherwise an InputError naming the argument and the choices."""
    if value not in choices:
        raise InputError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")
    return value


def check_level(level: float) -> float:
    """A confidence level as a fraction (95 is read as 0.95), as ``rma`` reads it."""
    value = float(level)
    if value > 1.0:
        value /= 100.0
    if not 0.0 < value < 1.0:
        raise InputError(f"level must lie between 0 and 1 (or 0 and 100), got {level!r}")
    return value


def require_refittable(fit: MetaResult, what: str) -> None:
    """Diagnostics that refit the model need a fit of ``rma`` from ``yi, vi`` (and, for GENQ/GENQM, the user
    weights the result carries)."""
    if fit.method in _COUNT_METHODS:
        raise InputError(
            f"{what} refits the model from yi and vi; a {fit.method} fit pools the 2×2 tables instead "
            "(fit the data with rma() to use it)"
        )
    if fit.method in _WEIGHTED_METHODS and fit.user_weights is None:
        raise InputError(
            f"{what} refits the model with the user weights of the {fit.method} fit, which this result does not "
            "carry (fit it with rma(..., weights=...))"
        )


def require_intercept_only(fit: MetaResult, what: str) -> None:
    """Leave-one-out, cumulative, GOSH and trim-and-fill apply to models without moderators."""
    if fit.estimate is None or fit.p != 1:
        raise InputError(
            f"{what} applies to models without moderators; this fit has {fit.p} coefficient(s) "
            f"({', '.join(c.name for c in fit.coefficients)})"
        )


def require_studies(k: int, minimum: int, what: str) -> None:
    """At least ``minimum`` studies."""
    if k < minimum:
        raise InputError(f"{what} needs at least {minimum} studies, got k = {k}")


def critical_value(level: float, df: float | None) -> float:
    """Two-sided critical value of N(0, 1) (``df is None``) or of t(df) for the given confidence level."""
    upper = 1.0 - (1.0 - level) / 2.0
    if df is None:
        return float(norm_ppf(upper))
    return float(t_ppf(upper, df))


def readonly(values: Any, dtype: Any = np.float64) -> Any:
    """A read-only copy (result fields must not change under the user's feet)."""
    out = np.array(values, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


def nan_if_none(value: float | None) -> float:
    """``None`` (a statistic that does not apply) as NaN, so that it can live in a float array."""
    return math.nan if value is None else float(value)


def plain(value: Any) -> Any:
    """JSON-safe copy: numpy values to Python ones, non-finite floats to None, tuples and arrays to lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
