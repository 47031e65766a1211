"""Properties of the store on both databases: whatever reviewers do, the state the store derives by query equals
the replay of its decision log, and the screening rules hold in it."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sysreview.errors import InputError
from sysreview.project import Store
from sysreview.review import replay
from tests.project._helpers import DUAL, SEED_REASONS, add_records, store_with

_steps = st.lists(
    st.tuples(
        st.sampled_from(["vote", "vote", "vote", "resolve", "undo", "not_retrieved"]),
        st.integers(0, 3),
        st.sampled_from(["A", "B", "C"]),
        st.sampled_from(["include", "exclude", "maybe"]),
        st.sampled_from(["title_abstract", "title_abstract", "full_text"]),
        st.sampled_from(SEED_REASONS),
    ),
    min_size=1,
    max_size=25,
)


def _apply(store: Store, keys: list[str], steps: list[tuple[str, int, str, str, str, str]]) -> None:
    for action, index, reviewer, label, stage, reason in steps:
        key = keys[index]
        why = reason if label == "exclude" and stage == "full_text" else None
        try:
            if action == "vote":
                store.decide(key, stage=stage, reviewer=reviewer, label=label, reason=why)  # type: ignore[arg-type]
            elif action == "resolve":
                store.resolve(key, stage=stage, reviewer=reviewer, label=label, reason=why)  # type: ignore[arg-type]
            elif action == "not_retrieved":
                store.mark_not_retrieved(key, reviewer=reviewer)
            else:
                store.undo(reviewer=reviewer, stage=stage)  # type: ignore[arg-type]
        except InputError:
            pass  # refused by the rules: nothing is written


@pytest.fixture
def store(db_url: str) -> Store:
    return store_with(db_url, [], policy=DUAL)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_steps)
def test_the_derived_state_equals_the_replayed_log(store: Store, steps: list) -> None:
    keys = [f"{uuid.uuid4().hex[:8]}-{i}" for i in range(4)]  # examples share the store: fresh records each
    add_records(store, keys)
    _apply(store, keys, steps)
    log = store.decisions()
    state = store.state()
    assert state.screening == replay(log, DUAL)
    for key in keys:
        for stage in ("title_abstract", "full_text"):
            entry = state.screening.get(key, stage)
            assert len(entry.votes) <= 2  # dual screening: never a third vote
            if entry.resolution is not None:
                assert entry.resolution.reviewer not in entry.reviewers  # a third reviewer resolves
            if entry.status == "excluded" and stage == "full_text":
                assert entry.reason in SEED_REASONS  # PRISMA can count it
        if state.screening.find(key, "full_text") and state.screening.status(key, "title_abstract") != "included":
            # full-text events of a record whose inclusion was undone later stay in the log but count nowhere
            assert key not in {info.key for info in state.eligible("full_text")}
