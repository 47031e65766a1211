"""Extracted values: their Python types, canonical forms, reported precision and spreadsheet cell text.

A value is what an extractor wrote down for one field or statistic:

- text (``str``), stripped, with ``\\n`` line breaks;
- a number (:class:`~decimal.Decimal`), exactly as reported: ``Decimal("81.0")`` keeps its one decimal, so that
  checks of rounding (a percentage of *n*, a change score) use the precision the source printed;
- ``True``/``False``; a date (:class:`datetime.date`); the choices of a multi-choice field (a tuple of text);
- :data:`NR` (the source does not report it) or :data:`NA` (it does not apply).

Integers are numbers without decimals (``Decimal("14")``); ints and floats given in Python are turned into
decimals (a float by its shortest representation: ``0.1`` becomes ``Decimal("0.1")``).
"""

from __future__ import annotations

import datetime as _dt
import enum
import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Final, TypeAlias

from sysreview.errors import InputError

__all__ = [
    "FIELD_TYPES",
    "NA",
    "NR",
    "Missing",
    "Value",
    "canonical_value",
    "decimals",
    "describe_value",
    "half_unit",
    "is_integral",
    "parse_text",
    "text_of",
    "value_type",
]


class Missing(enum.Enum):
    """A value that is knowingly absent: not reported by the source, or not applicable to the study or arm."""

    NOT_REPORTED = "NR"
    NOT_APPLICABLE = "NA"

    def __repr__(self) -> str:
        return self.value


#: the source does not report the item
NR: Final = Missing.NOT_REPORTED
#: the item does not apply (e.g. cell viability for a saline control)
NA: Final = Missing.NOT_APPLICABLE

Value: TypeAlias = str | Decimal | bool | _dt.date | tuple[str, ...] | Missing

#: the types a form's field can have
FIELD_TYPES: Final = ("text", "integer", "number", "choice", "multi-choice", "boolean", "date")

#: cell texts read as :data:`NR` / :data:`NA` (compared case-insensitively)
_MISSING_WORDS: Final = {
    "nr": NR,
    "not reported": NR,
    "na": NA,
    "n/a": NA,
    "not applicable": NA,
}
_TRUE: Final = frozenset({"true", "yes", "y"})
_FALSE: Final = frozenset({"false", "no", "n"})
#: the separator of a multi-choice value's choices in a cell
CHOICE_SEPARATOR: Final = ";"
#: a cell text starting with this is literal text (written where the text would otherwise read as something else)
ESCAPE: Final = "\\"
# typographic minus signs that PDFs put where a hyphen-minus belongs
_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-", "\uff0b": "+"})
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# control characters other than tab and line feed cannot be stored in an .xlsx cell
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


# ---------------------------------------------------------------------- canonical values
def _text(value: str, what: str) -> str:
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InputError(f"{what}: empty text; leave the item out, or write NR (not reported) or NA (not applicable)")
    bad = _CONTROL.search(text)
    if bad:
        raise InputError(f"{what}: text holds the control character {bad.group()!r}, which spreadsheets cannot store")
    return text


def _decimal(value: Decimal, what: str) -> Decimal:
    if not value.is_finite():
        raise InputError(f"{what}: a number must be finite, got {value}")
    return value.copy_abs() if value.is_zero() else value


def canonical_value(value: object, what: str = "value") -> Value:
    """``value`` in its canonical form (see the module documentation); ``what`` names it in errors.

    Raises
    ------
    InputError
        For empty text, NaN or infinite numbers, a date with a time of day, an empty or malformed list of
        choices, or a type that is none of the value types.
    """
    if isinstance(value, Missing | bool):
        return value
    if isinstance(value, Decimal):
        return _decimal(value, what)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{what}: a number must be finite, got {value!r}")
        return _decimal(Decimal(repr(value)), what)
    if isinstance(value, str):
        return _text(value, what)
    if isinstance(value, _dt.datetime):
        if value.time() != _dt.time(0) or value.tzinfo is not None:
            raise InputError(f"{what}: expected a date, got a date and time {value.isoformat()}")
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, tuple | list):
        if not value:
            raise InputError(f"{what}: an empty list of choices; write NR or NA instead")
        items: list[str] = []
        for item in value:
            if not isinstance(item, str):
                raise InputError(f"{what}: choices must be text, got {item!r}")
            text = _text(item, what)
            if CHOICE_SEPARATOR in text or "\n" in text:
                raise InputError(f"{what}: a choice cannot contain '{CHOICE_SEPARATOR}' or a line break: {text!r}")
            if text in items:
                raise InputError(f"{what}: the choice {text!r} is given twice")
            items.append(text)
        return tuple(items)
    raise InputError(f"{what}: not a value: {value!r} (expected text, a number, true/false, a date or choices)")


def value_type(value: Value) -> str:
    """What kind of value this is, in words for messages: ``"text"``, ``"number"``, ``"true/false"`` …"""
    if isinstance(value, Missing):
        return "NR" if value is NR else "NA"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, Decimal):
        return "number"
    if isinstance(value, _dt.date):
        return "date"
    if isinstance(value, tuple):
        return "choices"
    return "text"


def describe_value(value: Value | None) -> str:
    """``value`` as a reader would write it: ``82.1``, ``'Korea'``, ``NR``, ``(absent)``."""
    if value is None:
        return "(absent)"
    if isinstance(value, Missing):
        return value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return repr(f"{CHOICE_SEPARATOR} ".join(value))
    return repr(value)


# ---------------------------------------------------------------------- precision
def decimals(value: Decimal) -> int:
    """Number of decimals as reported: 1 for ``81.0``, 0 for ``14`` (and for ``2E+7``)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite by construction
    return max(0, -exponent)


def half_unit(value: Decimal) -> Fraction:
    """Half a unit of the last reported digit: the largest rounding error of ``value`` (0.05 for ``81.0``)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return Fraction(1, 2) * Fraction(10) ** exponent


def is_integral(value: Decimal) -> bool:
    """Whether ``value`` is a whole number written without decimals (``14``, not ``14.5``; ``14.0`` counts)."""
    return value == value.to_integral_value()


# ---------------------------------------------------------------------- cell text
def _parse_decimal(text: str) -> Decimal | None:
    plain = text.translate(_SIGNS).replace(" ", "")
    if not _NUMBER.fullmatch(plain):
        return None
    try:
        return _decimal(Decimal(plain), "number")
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None


def _parse_date(text: str) -> _dt.date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


def _parse_choices(text: str) -> tuple[str, ...] | None:
    items = [item.strip() for item in text.split(CHOICE_SEPARATOR)]
    if any(not item for item in items) or len(set(items)) != len(items) or "\n" in text:
        return None
    return tuple(items)


def parse_text(text: str, kind: str | None) -> Value | None:
    """The value of a cell's text, read as a field of type ``kind`` (None: a field the form does not know).

    Empty text is None (no value). ``NR``/``not reported`` and ``NA``/``N/A``/``not applicable`` are
    :data:`NR` and :data:`NA` in every field; text that starts with a backslash is literal text (the backslash
    removed). Otherwise numbers are read in number and integer fields (and in unknown fields), ``true``/``yes``
    and ``false``/``no`` in boolean fields, ISO dates (``2025-12-22``) in date fields, ``a; b`` in multi-choice
    fields. Text that does not read as the field's type stays text, for validation to report.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return None
    if text.startswith(ESCAPE):
        return _text(text[1:], "text") if text[1:].strip() else None
    missing = _MISSING_WORDS.get(text.casefold())
    if missing is not None:
        return missing
    parsed: Value | None = None
    if kind in {"number", "integer", None}:
        parsed = _parse_decimal(text)
    elif kind == "boolean":
        folded = text.casefold()
        parsed = True if folded in _TRUE else False if folded in _FALSE else None
    elif kind == "date":
        parsed = _parse_date(text)
    elif kind == "multi-choice":
        parsed = _parse_choices(text)
    if parsed is not None:
        return parsed
    return _text(text, "text")


def text_of(value: Value, kind: str | None) -> str:
    """The cell text of ``value`` in a field of type ``kind``, such that ``parse_text`` gives ``value`` back."""
    if isinstance(value, Missing):
        return value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return f"{CHOICE_SEPARATOR} ".join(value)
    if parse_text(value, kind) != value or value.startswith(ESCAPE):
        return ESCAPE + value
    return value
