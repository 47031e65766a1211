"""Hypothesis strategies of the project tests: valid decision logs (retractions included)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from sysreview.review import Decision

RECORDS = ("r1", "r2", "r3", "r4")
REVIEWERS = ("A", "B", "C")
REASONS = ("non-comparative design", "non-autologous intervention")
T0 = dt.datetime(2025, 12, 22, tzinfo=dt.UTC)


def _event(i: int, **fields: Any) -> Decision:
    return Decision(id=i, time=T0 + dt.timedelta(seconds=i), **fields)


@st.composite
def decision_logs(draw: st.DrawFn, *, max_size: int = 40, records: tuple[str, ...] = RECORDS) -> list[Decision]:
    """A log that keeps the log's own rules: votes, resolutions and retrieval notes of any record and stage, and
    retractions of a reviewer's own events that are in the log and not yet retracted. Whether a vote makes sense
    for the screening (a resolution without a conflict, say) is not checked: that is the store's job."""
    size = draw(st.integers(0, max_size))
    events: list[Decision] = []
    retracted: set[int] = set()
    for i in range(1, size + 1):
        action = draw(st.sampled_from(["vote", "vote", "vote", "resolve", "retrieval", "retract", "retract"]))
        open_events = [e for e in events if e.kind != "retract" and e.id not in retracted]
        if action == "retract" and open_events:
            target = draw(st.sampled_from(open_events))
            retracted.add(target.id)
            events.append(
                _event(
                    i,
                    record=target.record,
                    stage=target.stage,
                    kind="retract",
                    reviewer=target.reviewer,
                    label=None,
                    retracts=target.id,
                )
            )
            continue
        record = draw(st.sampled_from(records))
        reviewer = draw(st.sampled_from(REVIEWERS))
        if action == "retrieval":
            events.append(
                _event(i, record=record, stage="full_text", kind="retrieval", reviewer=reviewer, label="not_retrieved")
            )
            continue
        stage = draw(st.sampled_from(["title_abstract", "full_text"]))
        kind = "resolve" if action == "resolve" else "vote"
        labels = ["include", "exclude"] if kind == "resolve" else ["include", "exclude", "maybe"]
        label = draw(st.sampled_from(labels))
        reason = draw(st.sampled_from(REASONS)) if label == "exclude" and stage == "full_text" else None
        events.append(_event(i, record=record, stage=stage, kind=kind, reviewer=reviewer, label=label, reason=reason))
    return events


def in_force_oracle(events: list[Decision]) -> list[Decision]:
    """The events in force by their definition (independent of the library's fold): not a retraction, not
    retracted, and no later event of the same record, stage and kind (and reviewer, for votes) that is not
    retracted."""
    retracted = {e.retracts for e in events if e.kind == "retract"}

    def same_slot(a: Decision, b: Decision) -> bool:
        return (
            a.record == b.record
            and a.stage == b.stage
            and a.kind == b.kind
            and (a.kind != "vote" or a.reviewer == b.reviewer)
        )

    return [
        e
        for e in events
        if e.kind != "retract"
        and e.id not in retracted
        and not any(later.id > e.id and later.id not in retracted and same_slot(later, e) for later in events)
    ]
