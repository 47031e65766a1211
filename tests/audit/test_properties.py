"""Invariants of the audit on synthetic reviews (sysreview.audit._synthetic): claims that sysreview computes and
rounds itself give no finding; one injected error of a kind gives findings of that check and of no other."""

from __future__ import annotations

import copy
import random
from operator import attrgetter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sysreview.audit import CHECKS, audit, parse_claims
from sysreview.audit._synthetic import INJECTIONS, claims_document, draw_review, inject

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def _checks(doc: dict) -> set[str]:
    return {f.check for f in audit(parse_claims(doc, file="synthetic")).findings}


@settings(max_examples=25, deadline=None)
@given(seed=seeds)
def test_clean_claims_give_no_finding(seed: int) -> None:
    doc = claims_document(draw_review(np.random.default_rng(seed)))
    report = audit(parse_claims(doc, file="synthetic"))
    assert report.ok, [f.message for f in report.findings]


def test_every_check_has_an_injection() -> None:
    assert set(INJECTIONS) == set(CHECKS)


@pytest.mark.parametrize("check", list(CHECKS))
@settings(max_examples=6, deadline=None)
@given(seed=seeds)
def test_one_injected_error_gives_exactly_its_check(check: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    review = draw_review(rng)
    assert _checks(inject(check, review, rng, strong=True)) == {check}


@settings(max_examples=10, deadline=None)
@given(seed=seeds)
def test_order_of_studies_does_not_matter(seed: int) -> None:
    """Shuffling the table of studies, the data rows and the effects changes no finding (here: an injected one)."""
    rng = np.random.default_rng(seed)
    review = draw_review(rng)
    doc = inject(str(rng.choice(list(CHECKS))), review, rng, strong=True)
    shuffled = copy.deepcopy(doc)
    shuffler = random.Random(seed)
    for key in ("studies", "data", "effects"):
        shuffler.shuffle(shuffled[key])
    first = audit(parse_claims(doc, file="a")).findings
    second = audit(parse_claims(shuffled, file="a")).findings
    key = attrgetter("check", "subject", "quantity")
    assert sorted(map(key, first)) == sorted(map(key, second))
