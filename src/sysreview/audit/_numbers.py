"""Reported numbers with the precision they were printed with: the interval of true values each is consistent with.

A value printed with *d* decimals is consistent with any true value within ±0.5·10⁻ᵈ of it (``1.40`` covers
1.395 to 1.405); ``< 0.001`` is a bound, not a value; ``∼500`` is approximate and checked for nothing exact. The
claims reader keeps the printed text of every number (YAML and JSON alike), so that ``1.40`` and ``1.4`` differ.
Numbers given with more digits than that (full-precision output of software) are taken as precise to 1e-6
relative, the agreement sysreview keeps with R's metafor, so that results of other software compare cleanly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

__all__ = ["PRECISION_FLOOR", "Num", "Reported", "format_p", "format_value", "interval_gap", "parse_reported"]

#: relative precision below which no printed number is taken (sysreview's agreement with metafor)
PRECISION_FLOOR: Final = 1e-6

_RELATIONS: Final = {"<": "<", "<=": "<=", "≤": "<=", "=<": "<=", ">": ">", ">=": ">=", "≥": ">=", "=": "="}
_NUMBER = re.compile(
    r"""^\s*
    (?P<approx>[∼~≈]|about\s+|approx(?:imately|\.)?\s+|ca\.?\s+)?
    (?P<relation><=|>=|=<|[<>≤≥=])?\s*
    (?P<sign>[-+−–])?\s*
    (?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)
    (?:[eE](?P<exponent>[-+]?\d+))?
    \s*(?P<percent>%)?\s*$""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Num:
    """A number as the claims file wrote it: its value and its text (``1.40`` keeps its trailing zero)."""

    value: float
    text: str


@dataclass(frozen=True, slots=True)
class Reported:
    """A reported number: its value, the decimals it was printed with, and whether it is a bound or approximate.

    ``relation`` is ``=`` for a value, or ``<``, ``<=``, ``>``, ``>=`` for a bound (``p < 0.001``);
    ``decimals`` is ``None`` for an exact count.
    """

    value: float
    decimals: int | None
    relation: str = "="
    approximate: bool = False
    text: str = ""

    @property
    def half_unit(self) -> float:
        """Half a unit in the last printed digit, never below the precision floor (0 for exact counts)."""
        if self.decimals is None:
            return 0.0
        return max(0.5 * 10.0 ** (-self.decimals), PRECISION_FLOOR * max(1.0, abs(self.value)) / 2)

    @property
    def is_bound(self) -> bool:
        return self.relation != "="

    def interval(self) -> tuple[float, float]:
        """The true values the printed number is consistent with (a bound: the half-line it states)."""
        if self.relation in {"<", "<="}:  # a bound is a threshold, not a rounded value
            return -math.inf, self.value
        if self.relation in {">", ">="}:
            return self.value, math.inf
        h = self.half_unit
        return self.value - h, self.value + h

    def show(self) -> str:
        """The number as printed (with a typographic minus), or as computed if there is no text."""
        if self.text:
            return self.text.strip().replace("-", "−")
        return format_value(self.value)

    def to_json(self) -> float | str:
        """The value for JSON output: a number, or the text of a bound or approximate value (``<0.001``)."""
        if self.is_bound or self.approximate:
            return self.text.strip() or f"{self.relation}{self.value:g}"
        return self.value


def format_value(value: float, decimals: int | None = None) -> str:
    """A computed value for a message, with a typographic minus: ``decimals`` decimals if given, else a sensible
    number of them for its size (``−2.68``, ``136.4``, ``0.0016``, ``2,548``)."""
    if not math.isfinite(value):
        return "NA" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    size = abs(value)
    if decimals is not None:
        text = f"{value:.{decimals}f}"
    elif size == 0 or (size >= 1000 and value == round(value)):
        text = f"{value:,.0f}"
    elif size >= 100:
        text = f"{value:.1f}"
    elif size >= 0.1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.2g}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("-")
    return text.replace("-", "−")


def format_p(value: float) -> str:
    """A p-value for a message: two significant digits below 0.1, two decimals above, ``<0.0001`` below that."""
    if not math.isfinite(value):
        return "NA"
    if value < 0.0001:
        return "<0.0001"
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


def parse_reported(value: object, *, percent_allowed: bool = True) -> Reported:
    """A number, a :class:`Num` or a text (``-1.40``, ``−1.40``, ``<0.001``, ``2,548``, ``65%``, ``∼500``).

    Raises ValueError (with the reason) when the text is not a number.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, Num):
        text = value.text
    elif isinstance(value, int | float):
        if not math.isfinite(float(value)):
            raise ValueError(f"expected a finite number, got {value!r}")
        text = repr(value)
    elif isinstance(value, str):
        text = value
    else:
        raise ValueError(f"expected a number, got {type(value).__name__} {value!r}")
    match = _NUMBER.match(text.replace("\u2009", " ").replace("\u00a0", " ").removeprefix("p").strip())
    if match is None:
        raise ValueError(f"{text!r} is not a number (write e.g. -1.40, <0.001, 2,548 or 65%)")
    if match["percent"] and not percent_allowed:
        raise ValueError(f"{text!r}: a percent sign is not expected here")
    digits = match["number"].replace(",", "")
    number = float(digits)
    exponent = int(match["exponent"]) if match["exponent"] else 0
    number *= 10.0**exponent
    if match["sign"] and match["sign"] != "+":
        number = -number
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    decimals = max(decimals - exponent, 0)
    return Reported(
        value=number,
        decimals=decimals,
        relation=_RELATIONS[match["relation"]] if match["relation"] else "=",
        approximate=bool(match["approx"]),
        text=text.strip(),
    )


def interval_gap(first: tuple[float, float], second: tuple[float, float]) -> float:
    """Distance between two closed intervals (0 when they overlap)."""
    return max(0.0, first[0] - second[1], second[0] - first[1])
