"""Reported numbers: the printed precision they carry and the true values they are consistent with."""

from __future__ import annotations

import math

import pytest

from sysreview.audit._numbers import Num, format_p, format_value, interval_gap, parse_reported


@pytest.mark.parametrize(
    ("text", "value", "decimals", "relation"),
    [
        ("-1.40", -1.40, 2, "="),
        ("−1.40", -1.40, 2, "="),  # the typographic minus of journals
        ("<0.001", 0.001, 3, "<"),
        ("p < 0.001", 0.001, 3, "<"),
        ("≤0.05", 0.05, 2, "<="),
        ("2,548", 2548.0, 0, "="),
        ("1,539", 1539.0, 0, "="),
        ("65%", 65.0, 0, "="),
        ("1.5e-3", 0.0015, 4, "="),
        (".25", 0.25, 2, "="),
    ],
)
def test_parse_keeps_value_precision_and_relation(text: str, value: float, decimals: int, relation: str) -> None:
    rep = parse_reported(text)
    assert math.isclose(rep.value, value)
    assert rep.decimals == decimals
    assert rep.relation == relation


def test_trailing_zeros_of_a_number_are_kept() -> None:
    # YAML and JSON hand the reader the printed text with the value, so 1.40 and 1.4 differ in precision
    assert parse_reported(Num(1.4, "1.40")).half_unit == pytest.approx(0.005)
    assert parse_reported(Num(1.4, "1.4")).half_unit == pytest.approx(0.05)


def test_interval_of_a_value_is_half_a_unit_either_side() -> None:
    assert parse_reported("1.40").interval() == pytest.approx((1.395, 1.405))
    assert parse_reported("82").interval() == pytest.approx((81.5, 82.5))


def test_a_bound_is_a_half_line_without_rounding() -> None:
    assert parse_reported("<0.001").interval() == (-math.inf, 0.001)
    assert parse_reported(">0.10").interval() == (0.10, math.inf)


def test_approximate_values_are_marked() -> None:
    assert parse_reported("∼500").approximate
    assert parse_reported("~60").approximate
    assert not parse_reported("500").approximate


def test_full_precision_numbers_are_compared_at_the_precision_floor() -> None:
    # a 17-digit float is taken as precise to 1e-6 relative (sysreview's agreement with metafor), not to 1e-17
    rep = parse_reported(Num(-0.7145291134561, "-0.7145291134561"))
    assert rep.half_unit == pytest.approx(5e-7)


@pytest.mark.parametrize("text", ["abc", "1.2.3", "", "12 mm", True])
def test_not_a_number_is_an_error(text: object) -> None:
    with pytest.raises(ValueError, match="number"):
        parse_reported(text)


def test_interval_gap() -> None:
    assert interval_gap((0.0, 1.0), (0.5, 2.0)) == 0.0
    assert interval_gap((0.0, 1.0), (1.5, 2.0)) == pytest.approx(0.5)
    assert interval_gap((3.0, 4.0), (1.0, 2.0)) == pytest.approx(1.0)


def test_formatting_for_messages() -> None:
    assert format_value(-2.6797) == "−2.68"
    assert format_value(136.44) == "136.4"
    assert format_value(2548.0) == "2,548"
    assert format_value(-0.0001, 2) == "0.00"
    assert format_p(0.54807) == "0.55"
    assert format_p(0.0016) == "0.0016"
    assert format_p(1e-9) == "<0.0001"
