"""Values: canonical forms, the precision a number was reported with, and cell text that reads back the same."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysreview.errors import InputError
from sysreview.extraction import FIELD_TYPES, NA, NR
from sysreview.extraction._values import (
    canonical_value,
    decimals,
    describe_value,
    half_unit,
    is_integral,
    parse_text,
    text_of,
)
from tests.extraction._strategies import decimals as decimal_values
from tests.extraction._strategies import texts


def test_python_numbers_become_decimals_as_written() -> None:
    assert canonical_value(14) == Decimal("14")
    assert str(canonical_value(0.1)) == "0.1"  # the float's shortest form, not 0.1000000000000000055…
    assert str(canonical_value(Decimal("81.0"))) == "81.0"  # trailing zero kept
    assert str(canonical_value(Decimal("-0.0"))) == "0.0"  # no negative zero
    assert canonical_value(True) is True  # not the number 1


def test_text_is_stripped_at_the_ends_with_unix_line_breaks() -> None:
    assert canonical_value("  Korea \r\nSeoul ") == "Korea \nSeoul"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("  ", "empty text"),
        (float("nan"), "finite"),
        (Decimal("Infinity"), "finite"),
        ("a\x07b", "control character"),
        ((), "empty list of choices"),
        (("a", "a"), "given twice"),
        (("a;b",), "cannot contain ';'"),
        (dt.datetime(2020, 1, 2, 13, 5), "date and time"),
        (object(), "not a value"),
    ],
)
def test_impossible_values_are_refused(value: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        canonical_value(value, "field x")


def test_precision_of_a_reported_number() -> None:
    assert decimals(Decimal("81.0")) == 1
    assert decimals(Decimal("14")) == 0
    assert decimals(Decimal("2E+7")) == 0
    assert half_unit(Decimal("82.1")) == Fraction(1, 20)
    assert half_unit(Decimal("100")) == Fraction(1, 2)
    assert is_integral(Decimal("14.0"))
    assert not is_integral(Decimal("14.5"))


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("82.1", "number", Decimal("82.1")),
        ("−38.2", "number", Decimal("-38.2")),  # the typographic minus of PDFs
        ("1 539", "integer", Decimal("1539")),
        ("1,539", "integer", "1,539"),  # ambiguous (thousands or decimal comma): kept as text for validation
        ("∼500 total", "integer", "∼500 total"),
        ("NR", "number", NR),
        ("not reported", "text", NR),
        ("N/A", "choice", NA),
        ("Yes", "boolean", True),
        ("no", "boolean", False),
        ("2025-12-22", "date", dt.date(2025, 12, 22)),
        ("2025-02-30", "date", "2025-02-30"),
        ("III; IV", "multi-choice", ("III", "IV")),
        ("12", "text", "12"),
        ("12", None, Decimal("12")),  # a field the form does not know: numbers are read as numbers
        ("\\NR", "text", "NR"),  # the backslash marks literal text
        ("", "text", None),
    ],
)
def test_cell_text_is_read_as_the_fields_type(text: str, kind: str | None, value: object) -> None:
    assert parse_text(text, kind) == value
    assert type(parse_text(text, kind)) is type(value)


@pytest.mark.parametrize("kind", [*FIELD_TYPES, None])
@given(value=st.one_of(texts, decimal_values(), st.booleans(), st.dates(), st.sampled_from([NR, NA])))
def test_cell_text_reads_back_as_the_same_value(kind: str | None, value: object) -> None:
    canonical = canonical_value(value)
    back = parse_text(text_of(canonical, kind), kind)
    if not _fits(canonical, kind):
        # a value of another type than the field's (an error validation reports) comes back as the field reads
        # its text: a number in a text field as text, ``false`` in a multi-choice field as the choice 'false'
        assert back is not None
        assert describe_value(back).strip("'") == text_of(canonical, kind)
        return
    assert back == canonical
    assert type(back) is type(canonical)
    if isinstance(back, Decimal):
        assert str(back) == str(canonical)


def _fits(value: object, kind: str | None) -> bool:
    if isinstance(value, str | type(NR)):
        return True
    if isinstance(value, bool):
        return kind == "boolean"
    if isinstance(value, Decimal):
        return kind in {"number", "integer", None}
    return kind == "date"  # a date


def test_describe_value_is_what_a_reader_writes() -> None:
    assert describe_value(Decimal("81.0")) == "81.0"
    assert describe_value(NR) == "NR"
    assert describe_value("Korea") == "'Korea'"
    assert describe_value(None) == "(absent)"
    assert describe_value(("III", "IV")) == "'III; IV'"
