"""Agreement between reviewers: percent agreement and Cohen's kappa per stage and reviewer pair."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysreview.errors import InputError
from sysreview.review import Decision, agreement, cohen_kappa, replay
from tests.project._helpers import DUAL

#: one tolerance for kappa (a ratio of sums of a few hundred terms)
KAPPA_TOL = 1e-12


def test_kappa_of_the_worked_two_reader_example() -> None:
    # Wikipedia, "Cohen's kappa", worked example: 50 grant proposals, reader A yes / B yes 20, A yes / B no 5,
    # A no / B yes 10, both no 15; p_o = 35/50 = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, kappa = 0.4
    a = ["include"] * 25 + ["exclude"] * 25
    b = ["include"] * 20 + ["exclude"] * 5 + ["include"] * 10 + ["exclude"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4, abs=KAPPA_TOL)


def test_kappa_with_maybe_as_a_third_category() -> None:
    # by hand: 10 records; A = 4 include, 4 exclude, 2 maybe; B = 5 include, 4 exclude, 1 maybe; agreed on
    # 3 include + 3 exclude + 1 maybe = 7; p_o = 7/10; p_e = (4·5 + 4·4 + 2·1)/100 = 38/100;
    # kappa = (70 − 38)/(100 − 38) = 32/62
    a = ["include"] * 4 + ["exclude"] * 4 + ["maybe"] * 2
    b = [
        *("include", "include", "include", "exclude"),
        *("exclude", "exclude", "exclude", "include"),
        "maybe",
        "include",
    ]
    assert cohen_kappa(a, b) == pytest.approx(float(Fraction(32, 62)), abs=KAPPA_TOL)


def test_kappa_is_undefined_when_chance_agreement_is_certain() -> None:
    assert cohen_kappa(["include"] * 3, ["include"] * 3) is None
    assert cohen_kappa([], []) is None
    with pytest.raises(InputError, match="different numbers of items"):
        cohen_kappa(["include"], [])


def _vote(i: int, record: str, reviewer: str, label: str, stage: str = "title_abstract") -> Decision:
    return Decision(
        id=i,
        record=record,
        stage=stage,  # type: ignore[arg-type]
        kind="vote",
        reviewer=reviewer,
        label=label,  # type: ignore[arg-type]
        reason="non-comparative design" if label == "exclude" and stage == "full_text" else None,
        time=dt.datetime(2025, 12, 22, tzinfo=dt.UTC),
    )


def test_agreement_per_pair_counts_only_records_both_voted_on() -> None:
    labels = [("r1", "include", "include"), ("r2", "exclude", "include"), ("r3", "exclude", "exclude")]
    events = []
    for record, a, b in labels:
        events += [_vote(len(events) + 1, record, "A", a), _vote(len(events) + 2, record, "B", b)]
    events.append(_vote(len(events) + 1, "r4", "A", "include"))  # B has not screened r4
    events.append(_vote(len(events) + 1, "r4", "C", "exclude"))
    (ab, ac) = agreement(replay(events, DUAL), "title_abstract")
    assert (ab.reviewer_a, ab.reviewer_b, ab.n, ab.agreed) == ("A", "B", 3, 2)
    assert ab.percent_agreement == pytest.approx(200 / 3, abs=KAPPA_TOL)
    # p_o = 2/3; A: 1 include, 2 exclude; B: 2 include, 1 exclude; p_e = (1·2 + 2·1)/9 = 4/9; kappa = (6 − 4)/(9 − 4)
    assert ab.kappa == pytest.approx(0.4, abs=KAPPA_TOL)
    assert ab.table == ((1, 0, 0), (1, 1, 0), (0, 0, 0))
    # one record, include against exclude: p_o = 0, p_e = 1·0 + 0·1 = 0, kappa = 0
    assert (ac.reviewer_a, ac.reviewer_b, ac.n, ac.agreed, ac.kappa) == ("A", "C", 1, 0, 0.0)
    assert agreement(replay(events, DUAL), "full_text") == ()


_label = st.sampled_from(["include", "exclude", "maybe"])
_labels = st.lists(st.tuples(_label, _label), min_size=1, max_size=40)


@given(_labels)
def test_kappa_properties(pairs: list[tuple[str, str]]) -> None:
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    kappa = cohen_kappa(a, b)
    swapped = cohen_kappa(b, a)
    assert (kappa is None) == (swapped is None)
    if kappa is not None:
        assert swapped is not None
        assert abs(kappa - swapped) < KAPPA_TOL  # symmetric (up to rounding of the sums)
    if kappa is not None:
        assert kappa <= 1.0 + KAPPA_TOL
        assert (abs(kappa - 1.0) < KAPPA_TOL) == (a == b)
