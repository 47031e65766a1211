"""The screening state derived from the decision log: dual and single screening, conflicts, undo, log rules."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysreview.errors import InputError
from sysreview.review import (
    Decision,
    LogError,
    ScreeningPolicy,
    from_in_force,
    parse_label,
    parse_stage,
    replay,
)
from tests.project._helpers import DUAL, SINGLE
from tests.project._strategies import T0, decision_logs, in_force_oracle


class Log:
    """Builds a log event by event (ids 1, 2, …)."""

    def __init__(self) -> None:
        self.events: list[Decision] = []

    def add(self, record: str, stage: str, reviewer: str, label: str | None, **fields: Any) -> Decision:
        kind = fields.pop("kind", "vote")
        i = len(self.events) + 1
        event = Decision(
            id=i,
            record=record,
            stage=stage,  # type: ignore[arg-type]
            kind=kind,
            reviewer=reviewer,
            label=label,  # type: ignore[arg-type]
            time=T0 + dt.timedelta(seconds=i),
            **fields,
        )
        self.events.append(event)
        return event

    def retract(self, target: Decision, reviewer: str | None = None) -> Decision:
        return self.add(
            target.record, target.stage, reviewer or target.reviewer, None, kind="retract", retracts=target.id
        )


# ---------------------------------------------------------------------- title/abstract
def test_dual_screening_needs_both_votes() -> None:
    log = Log()
    log.add("r1", "title_abstract", "A", "include")
    state = replay(log.events, DUAL)
    assert state.status("r1", "title_abstract") == "pending"
    assert state.status("r2", "title_abstract") == "unscreened"
    log.add("r1", "title_abstract", "B", "maybe")
    entry = replay(log.events, DUAL).get("r1", "title_abstract")
    # maybe carries a record forward at title/abstract, as include does
    assert (entry.status, entry.label, entry.reviewers) == ("included", "include", ("A", "B"))


def test_single_screening_settles_with_one_vote() -> None:
    log = Log()
    log.add("r1", "title_abstract", "A", "exclude", reason="animal study")
    entry = replay(log.events, SINGLE).get("r1", "title_abstract")
    assert (entry.status, entry.label, entry.reason) == ("excluded", "exclude", "animal study")


def test_include_against_exclude_is_a_conflict_a_third_reviewer_resolves() -> None:
    log = Log()
    log.add("r1", "title_abstract", "A", "include")
    log.add("r1", "title_abstract", "B", "exclude")
    entry = replay(log.events, DUAL).get("r1", "title_abstract")
    assert (entry.status, entry.conflict, entry.label) == ("conflict", "label", None)
    assert [c.record for c in replay(log.events, DUAL).conflicts("title_abstract")] == ["r1"]
    log.add("r1", "title_abstract", "C", "exclude", kind="resolve")
    entry = replay(log.events, DUAL).get("r1", "title_abstract")
    assert (entry.status, entry.label) == ("excluded", "exclude")
    assert entry.resolution is not None
    assert entry.resolution.reviewer == "C"
    assert replay(log.events, DUAL).conflicts("title_abstract") == ()


def test_a_changed_vote_replaces_the_earlier_one() -> None:
    log = Log()
    log.add("r1", "title_abstract", "A", "include")
    log.add("r1", "title_abstract", "B", "exclude")
    log.add("r1", "title_abstract", "B", "include")
    entry = replay(log.events, DUAL).get("r1", "title_abstract")
    assert entry.status == "included"
    assert [(v.reviewer, v.label, v.decision) for v in entry.votes] == [("A", "include", 1), ("B", "include", 3)]


# ---------------------------------------------------------------------- full text
def test_full_text_exclusions_for_different_reasons_are_a_conflict() -> None:
    log = Log()
    log.add("r1", "full_text", "A", "exclude", reason="non-comparative design")
    log.add("r1", "full_text", "B", "exclude", reason="incomplete outcome data")
    entry = replay(log.events, DUAL).get("r1", "full_text")
    assert (entry.status, entry.conflict) == ("conflict", "reason")
    log.add("r1", "full_text", "C", "exclude", reason="incomplete outcome data", kind="resolve")
    entry = replay(log.events, DUAL).get("r1", "full_text")
    assert (entry.status, entry.reason) == ("excluded", "incomplete outcome data")


def test_full_text_exclusions_for_one_reason_settle() -> None:
    log = Log()
    log.add("r1", "full_text", "A", "exclude", reason="non-comparative design")
    log.add("r1", "full_text", "B", "exclude", reason="non-comparative design")
    entry = replay(log.events, DUAL).get("r1", "full_text")
    assert (entry.status, entry.label, entry.reason) == ("excluded", "exclude", "non-comparative design")


def test_maybe_at_full_text_needs_a_decision() -> None:
    log = Log()
    log.add("r1", "full_text", "A", "maybe")
    entry = replay(log.events, SINGLE).get("r1", "full_text")
    assert (entry.status, entry.conflict) == ("conflict", "maybe")


def test_not_retrieved_overrides_votes_until_retracted() -> None:
    log = Log()
    log.add("r1", "full_text", "A", "include")
    note = log.add("r1", "full_text", "A", "not_retrieved", kind="retrieval")
    assert replay(log.events, DUAL).status("r1", "full_text") == "not_retrieved"
    log.retract(note)
    assert replay(log.events, DUAL).status("r1", "full_text") == "pending"


# ---------------------------------------------------------------------- undo
def test_undo_restores_the_vote_before() -> None:
    log = Log()
    log.add("r1", "title_abstract", "A", "exclude")
    second = log.add("r1", "title_abstract", "A", "include")
    log.retract(second)
    entry = replay(log.events, SINGLE).get("r1", "title_abstract")
    assert (entry.status, [v.decision for v in entry.votes]) == ("excluded", [1])
    log.retract(log.events[0])
    assert replay(log.events, SINGLE).get("r1", "title_abstract").status == "unscreened"
    assert list(replay(log.events, SINGLE).entries()) == []


def test_undoing_a_resolution_reopens_the_conflict() -> None:
    log = Log()
    log.add("r1", "title_abstract", "A", "include")
    log.add("r1", "title_abstract", "B", "exclude")
    resolution = log.add("r1", "title_abstract", "C", "include", kind="resolve")
    log.retract(resolution)
    assert replay(log.events, DUAL).status("r1", "title_abstract") == "conflict"


# ---------------------------------------------------------------------- the log's own rules
@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda log: log.add("r1", "title_abstract", "A", None, kind="retract", retracts=9), "not earlier"),
        (lambda log: log.retract(log.add("r1", "title_abstract", "A", "include"), "B"), "cannot retract"),
        (
            lambda log: [log.retract(e) for e in [log.add("r1", "title_abstract", "A", "include")] * 2],
            "already retracted",
        ),
        (lambda log: log.retract(log.retract(log.add("r1", "title_abstract", "A", "include"))), "itself a retraction"),
        (lambda log: log.add("r1", "title_abstract", "A", "not_retrieved", kind="retrieval"), "full text only"),
        (lambda log: log.add("r1", "title_abstract", "A", "maybe", kind="resolve"), "include or exclude"),
        (lambda log: log.add("r1", "title_abstract", "A", "yes"), "is not one of"),
    ],
)
def test_a_broken_log_is_refused(build: Any, message: str) -> None:
    log = Log()
    build(log)
    with pytest.raises(LogError, match=message):
        replay(log.events, DUAL)


def test_ids_must_increase() -> None:
    log = Log()
    first = log.add("r1", "title_abstract", "A", "include")
    second = log.add("r1", "title_abstract", "B", "include")
    with pytest.raises(LogError, match="ids must increase"):
        replay([second, first], DUAL)


def test_vocabulary_is_parsed_once_at_the_boundary() -> None:
    assert parse_stage("Full-Text") == "full_text"
    assert parse_stage("ta") == "title_abstract"
    assert parse_label(" Include ") == "include"
    with pytest.raises(InputError, match="unknown stage 'abstract'; choose one of title_abstract, full_text"):
        parse_stage("abstract")
    with pytest.raises(InputError, match="reviewers per record at full_text must be a positive whole number"):
        ScreeningPolicy(full_text=0)


# ---------------------------------------------------------------------- properties
@given(decision_logs(), st.sampled_from([SINGLE, DUAL]))
def test_replaying_the_log_equals_the_state_of_the_events_in_force(events: list[Decision], policy: Any) -> None:
    """The fold over the whole log and the events in force by definition give one state."""
    assert replay(events, policy) == from_in_force(in_force_oracle(events), policy)


@given(decision_logs(), st.randoms(use_true_random=False))
def test_the_state_does_not_depend_on_how_records_interleave(events: list[Decision], rnd: random.Random) -> None:
    """Reordering the log across record-stages (each one's own order kept) changes no record's state."""
    slots: dict[tuple[str, str], list[Decision]] = {}
    for event in events:
        slots.setdefault((event.record, event.stage), []).append(event)
    queues = [list(q) for q in slots.values()]
    order: list[Decision] = []
    while queues:
        queue = rnd.choice(queues)
        order.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    new_id = {event.id: i for i, event in enumerate(order, start=1)}
    renumbered = [
        Decision(
            id=new_id[e.id],
            record=e.record,
            stage=e.stage,
            kind=e.kind,
            reviewer=e.reviewer,
            label=e.label,
            reason=e.reason,
            time=e.time,
            retracts=new_id[e.retracts] if e.retracts is not None else None,
        )
        for e in order
    ]

    def summary(log: list[Decision]) -> dict[tuple[str, str], tuple[Any, ...]]:
        state = replay(log, DUAL)
        return {
            (entry.record, entry.stage): (
                entry.status,
                entry.label,
                entry.reason,
                sorted((v.reviewer, v.label, v.reason) for v in entry.votes),
            )
            for entry in state.entries()
        }

    assert summary(renumbered) == summary(events)


@given(decision_logs(max_size=25))
def test_undo_then_the_same_vote_again_changes_nothing(events: list[Decision]) -> None:
    """Retracting a reviewer's vote in force and casting it again gives the state before (but for ids)."""
    before = replay(events, DUAL)
    in_force = [e for e in in_force_oracle(events) if e.kind == "vote"]
    if not in_force:
        return
    target = in_force[-1]
    n = len(events)
    again = [
        *events,
        Decision(
            id=n + 1,
            record=target.record,
            stage=target.stage,
            kind="retract",
            reviewer=target.reviewer,
            label=None,
            time=T0,
            retracts=target.id,
        ),
        Decision(
            id=n + 2,
            record=target.record,
            stage=target.stage,
            kind="vote",
            reviewer=target.reviewer,
            label=target.label,
            reason=target.reason,
            time=T0,
        ),
    ]
    after = replay(again, DUAL)
    old = before.get(target.record, target.stage)
    new = after.get(target.record, target.stage)
    assert (new.status, new.label, new.reason) == (old.status, old.label, old.reason)
    assert {v.reviewer: v.label for v in new.votes} == {v.reviewer: v.label for v in old.votes}
