"""Validation of the options shared by the models, done once at the public boundary."""

from __future__ import annotations

from collections.abc import Sequence

from sysreview.errors import InputError
from sysreview.models._fit import TESTS
from sysreview.models._tau2 import RANDOM_EFFECTS_METHODS

__all__ = ["METHODS", "check_level", "check_method", "check_test"]

METHODS = ("FE", "EE", "CE", *RANDOM_EFFECTS_METHODS)


def check_method(method: str, *, allowed: Sequence[str] = METHODS) -> str:
    """The method code, or an InputError that lists the choices."""
    if method not in allowed:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(allowed)}")
    return method


def check_test(test: str) -> str:
    """The test code (z, t, knha, adhoc), or an InputError that lists the choices."""
    if test not in TESTS:
        raise InputError(f"unknown test {test!r}; choose one of {', '.join(TESTS)}")
    return test


def check_level(level: float) -> float:
    """Confidence level as a fraction; values above 1 are read as percent (95 → 0.95)."""
    value = float(level)
    if value > 1.0:
        value /= 100.0
    if not 0.0 < value < 1.0:
        raise InputError(f"level must lie between 0 and 1 (or 0 and 100), got {level!r}")
    return value
