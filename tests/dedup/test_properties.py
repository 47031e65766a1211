"""Invariants of deduplication (property tests on shared strategies)."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from sysreview.dedup import compare, dedup, features_of
from sysreview.records import Record
from tests.dedup._strategies import study_records


@given(study_records())
def test_dedup_is_idempotent(records: list[Record]) -> None:
    """Deduplicating the canonical records again merges nothing."""
    first = dedup(records)
    again = dedup(first.canonical_records())
    assert all(group.size == 1 for group in again.groups)


@given(study_records(), st.randoms(use_true_random=False))
def test_input_order_does_not_change_the_groups(records: list[Record], rng: object) -> None:
    shuffled = list(records)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    first, second = dedup(records), dedup(shuffled)
    assert first.partition() == second.partition()
    assert {g.canonical for g in first.groups} == {g.canonical for g in second.groups}


@given(study_records())
def test_no_group_holds_different_dois_or_a_vetoed_pair(records: list[Record]) -> None:
    result = dedup(records)
    by_id = {r.id: r for r in records}
    for group in result.groups:
        members = [features_of(by_id[i]) for i in group.record_ids]
        dois = {m.doi for m in members if m.doi}
        assert len(dois) <= 1
        for a, b in itertools.combinations(members, 2):
            assert not compare(a, b).veto


@given(study_records())
def test_groups_are_transitive_only_through_confident_pairs(records: list[Record]) -> None:
    """Every group is connected by the confident pairs reported in ``duplicates``."""
    result = dedup(records)
    edges = {(p.record_id, p.other_id) for p in result.duplicates}
    for group in result.groups:
        members = set(group.record_ids)
        reached = {group.record_ids[0]}
        changed = True
        while changed:
            changed = False
            for x, y in edges:
                if x in members and y in members and (x in reached) != (y in reached):
                    reached |= {x, y}
                    changed = True
        assert reached == members


@given(study_records())
def test_every_record_has_one_row(records: list[Record]) -> None:
    frame = dedup(records).to_frame()
    assert list(frame["record_id"]) == [r.id for r in records]
    assert frame["reason"].str.len().min() > 0
