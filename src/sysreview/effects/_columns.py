"""Study-level columns: conversion to float arrays, equal lengths, and range checks that name row and column."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sysreview._typing import ArrayLike, BoolArray, FloatArray
from sysreview.errors import InputError

__all__ = [
    "as_column",
    "as_result",
    "as_values",
    "check_not_above",
    "check_range",
    "first_row",
    "read_columns",
    "reject",
]

#: counts of participants with or without the event (non-negative)
_COUNTS = frozenset({"ai", "bi", "ci", "di", "xi", "mi", "x1i", "x2i"})
#: sample sizes (positive)
_SIZES = frozenset({"n1i", "n2i", "ni"})
#: standard deviations (non-negative)
_SDS = frozenset({"sd1i", "sd2i"})
#: person-times (positive)
_TIMES = frozenset({"ti", "t1i", "t2i"})
#: correlations (between -1 and 1)
_CORRELATIONS = frozenset({"ri"})


def first_row(mask: BoolArray) -> int:
    """The 1-based row of the first ``True`` in ``mask``."""
    return int(np.flatnonzero(mask)[0]) + 1


def _fmt(value: float) -> str:
    return f"{value:g}"


def as_column(name: str, value: ArrayLike) -> FloatArray:
    """One column (or a single number) as float64; ``None`` becomes NaN (a missing value).

    Raises
    ------
    InputError
        If a value is not a number (naming the row) or the column is not one-dimensional.
    """
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raw = np.asarray(value, dtype=object)
        if raw.ndim == 0:
            raise InputError(f"must be a number, got {value!r}", column=name) from None
        for index, item in enumerate(raw.ravel()):
            if item is None:
                continue
            try:
                float(item)
            except (TypeError, ValueError):
                raise InputError(f"must be a number, got {item!r}", row=index + 1, column=name) from None
        raise InputError("must hold numbers", column=name) from None
    if array.ndim > 1:
        raise InputError(f"must hold one value per study (one dimension), got shape {array.shape}", column=name)
    return array


def read_columns(given: Mapping[str, ArrayLike]) -> tuple[dict[str, FloatArray], int]:
    """Convert every given column, check that they have one length, and broadcast single numbers.

    Returns
    -------
    columns : dict of str to ndarray
        Fresh float64 arrays of equal length (the caller may modify them).
    k : int
        Number of studies (1 if every column is a single number).
    """
    arrays = {name: as_column(name, value) for name, value in given.items()}
    lengths = {name: array.shape[0] for name, array in arrays.items() if array.ndim == 1}
    k = next(iter(lengths.values()), 1)
    for name, length in lengths.items():
        if length != k:
            reference = next(iter(lengths))
            raise InputError(
                f"has {length} values but '{reference}' has {k}: every column needs one value per study",
                column=name,
            )
    columns = {name: np.broadcast_to(array, (k,)).astype(np.float64, copy=True) for name, array in arrays.items()}
    return columns, k


def check_range(columns: Mapping[str, FloatArray]) -> None:
    """Reject impossible values (negative counts, sizes ≤ 0, SDs < 0, |r| > 1, times ≤ 0, infinities).

    Missing values (NaN) pass: they make their study not estimable, they are not errors.

    Raises
    ------
    InputError
        Naming the first offending row (1-based) and its column.
    """
    for name, values in columns.items():
        infinite = np.isinf(values)
        if infinite.any():
            row = first_row(infinite)
            raise InputError(f"must be finite, got {_fmt(values[row - 1])}", row=row, column=name)
        if name in _COUNTS:
            bad, rule = values < 0, "must be a count of zero or more"
        elif name in _SIZES:
            bad, rule = values <= 0, "must be a sample size above zero"
        elif name in _SDS:
            bad, rule = values < 0, "must be a standard deviation of zero or more"
        elif name in _TIMES:
            bad, rule = values <= 0, "must be a person-time above zero"
        elif name in _CORRELATIONS:
            bad, rule = np.abs(values) > 1, "must be a correlation between -1 and 1"
        else:
            continue
        if bad.any():
            row = first_row(bad)
            raise InputError(f"{rule}, got {_fmt(values[row - 1])}", row=row, column=name)


def check_not_above(columns: Mapping[str, FloatArray], part: str, whole: str) -> None:
    """Reject rows where the count ``part`` exceeds the group size ``whole`` (e.g. events above n)."""
    bad = columns[part] > columns[whole]
    if bad.any():
        row = first_row(bad)
        raise InputError(
            f"{_fmt(columns[part][row - 1])} events exceed the group size {whole}={_fmt(columns[whole][row - 1])}",
            row=row,
            column=part,
        )


def as_values(name: str, value: ArrayLike) -> FloatArray:
    """A number or array of numbers of any shape as float64 (``None`` becomes NaN), for the conversions.

    Raises
    ------
    InputError
        If a value is not a number or is infinite (naming the argument and, for 1-D input, the row).
    """
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"must hold numbers, got {value!r}", column=name) from None
    reject(name, array, np.isinf(array), "must be finite")
    return array


def reject(name: str, values: FloatArray, bad: BoolArray, rule: str) -> None:
    """Raise :class:`InputError` for the first ``True`` in ``bad`` (with its row when ``values`` is 1-D)."""
    if not np.any(bad):
        return
    flat = np.flatnonzero(np.broadcast_to(bad, values.shape))
    index = int(flat[0])
    row = index + 1 if values.ndim == 1 else None
    shown = values.ravel()[index] if values.size else float("nan")
    raise InputError(f"{rule}, got {_fmt(float(shown))}", row=row, column=name)


def as_result(values: ArrayLike) -> FloatArray:
    """A computed result as a float64 array (0-dimensional for scalar input, never a bare numpy scalar)."""
    return np.asarray(values, dtype=np.float64)
