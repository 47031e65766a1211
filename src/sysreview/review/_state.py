"""Current screening state derived from the append-only decision log (replayed in log order).

A decision event is never changed or deleted: a reviewer who changes their mind appends a new vote, and undo appends a
``retract`` event naming the event it takes back. The state of a record at a stage is then

- each reviewer's vote: their latest vote that is not retracted;
- the resolution: the latest resolution that is not retracted (a third reviewer's verdict on a conflict);
- at full text, the retrieval: the latest ``not_retrieved`` event that is not retracted.

and its status follows from those and the number of independent reviewers the stage asks for (single or dual
screening). Title/abstract: ``maybe`` carries a record forward as ``include`` does (when in doubt, read the full
text; Cochrane Handbook, section 4.6.4); a record some reviewers include and others exclude is a conflict.
Full text: every exclusion needs a reason; two exclusions for different reasons are a conflict (PRISMA counts
each report under one reason), and so is ``maybe``.

References
----------
Lefebvre C, Glanville J, et al. (2023). Chapter 4: Searching for and selecting studies. In: Higgins JPT, Thomas J,
et al. (eds). Cochrane Handbook for Systematic Reviews of Interventions, version 6.4.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sysreview.errors import InputError, SysreviewError
from sysreview.review._vocab import KINDS, LABELS, STAGES, Kind, Label, Stage, Status

__all__ = [
    "Decision",
    "LogError",
    "RecordStage",
    "ScreeningPolicy",
    "ScreeningState",
    "Vote",
    "from_in_force",
    "replay",
]

Conflict = Literal["label", "reason", "maybe"]


class LogError(SysreviewError):
    """The decision log breaks a rule of the log itself (e.g. a retraction of an event that does not exist)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """One event of the decision log: who decided what about which record at which stage, and when.

    ``id`` orders the log (it is the position of the event, assigned by the store); ``time`` is when it was written
    (timezone-aware, UTC). ``label`` is None only for ``retract`` events, which name the event they take back in
    ``retracts``.
    """

    id: int
    record: str
    """The record's key in the project."""
    stage: Stage
    kind: Kind
    reviewer: str
    label: Label | None
    reason: str | None = None
    """Why (required for a full-text exclusion: the PRISMA exclusion reason)."""
    time: datetime
    retracts: int | None = None

    def to_dict(self) -> dict[str, object]:
        """The event as plain data (``time`` in ISO 8601)."""
        return {
            "id": self.id,
            "record": self.record,
            "stage": self.stage,
            "kind": self.kind,
            "reviewer": self.reviewer,
            "label": self.label,
            "reason": self.reason,
            "time": self.time.isoformat(),
            "retracts": self.retracts,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Vote:
    """An event in force: a reviewer's vote, a resolution or a retrieval note."""

    reviewer: str
    label: Label
    reason: str | None
    decision: int
    """The id of the decision event."""
    time: datetime

    @classmethod
    def of(cls, event: Decision) -> Vote:
        """The vote an event casts (the event must not be a retraction)."""
        assert event.label is not None
        return cls(reviewer=event.reviewer, label=event.label, reason=event.reason, decision=event.id, time=event.time)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreeningPolicy:
    """How many independent reviewers each stage asks for: 1 is single screening, 2 is dual screening."""

    title_abstract: int = 1
    full_text: int = 1

    def __post_init__(self) -> None:
        for stage in STAGES:
            value = getattr(self, stage)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"reviewers per record at {stage} must be a positive whole number, got {value!r}")

    def required(self, stage: Stage) -> int:
        """The number of independent reviewers ``stage`` asks for."""
        value: int = getattr(self, stage)
        return value


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordStage:
    """The state of one record at one stage, as derived from the log."""

    record: str
    stage: Stage
    votes: tuple[Vote, ...] = ()
    """The reviewers' votes in force, in the order they were cast."""
    resolution: Vote | None = None
    retrieval: Vote | None = None
    status: Status = "unscreened"
    label: Literal["include", "exclude"] | None = None
    """The final label (``included`` → include, ``excluded`` → exclude), None while not final."""
    reason: str | None = None
    """The reason of a final exclusion."""
    conflict: Conflict | None = None
    """Why the record is in conflict: reviewers' labels differ, full-text exclusion reasons differ, or ``maybe``
    at full text."""

    @property
    def reviewers(self) -> tuple[str, ...]:
        """The reviewers with a vote in force."""
        return tuple(vote.reviewer for vote in self.votes)

    def vote_of(self, reviewer: str) -> Vote | None:
        """``reviewer``'s vote in force, if any."""
        for vote in self.votes:
            if vote.reviewer == reviewer:
                return vote
        return None

    @property
    def final(self) -> bool:
        """Whether the record's fate at this stage is settled (included, excluded or not retrieved)."""
        return self.status in ("included", "excluded", "not_retrieved")


def _first_event(entry: RecordStage) -> int:
    ids = [vote.decision for vote in entry.votes]
    ids.extend(vote.decision for vote in (entry.resolution, entry.retrieval) if vote is not None)
    return min(ids, default=0)


def _derive(
    record: str,
    stage: Stage,
    *,
    votes: tuple[Vote, ...],
    resolution: Vote | None,
    retrieval: Vote | None,
    required: int,
) -> RecordStage:
    base = RecordStage(record=record, stage=stage, votes=votes, resolution=resolution, retrieval=retrieval)
    if retrieval is not None:
        return _with(base, status="not_retrieved")
    if resolution is not None:
        if resolution.label == "include":
            return _with(base, status="included", label="include")
        return _with(base, status="excluded", label="exclude", reason=resolution.reason)
    if not votes:
        return base
    if len(votes) < required:
        return _with(base, status="pending")
    labels = {vote.label for vote in votes}
    if stage == "title_abstract":
        if labels <= {"include", "maybe"}:
            return _with(base, status="included", label="include")
        if labels == {"exclude"}:
            reasons = {vote.reason for vote in votes}
            return _with(base, status="excluded", label="exclude", reason=reasons.pop() if len(reasons) == 1 else None)
        return _with(base, status="conflict", conflict="label")
    if "maybe" in labels:
        return _with(base, status="conflict", conflict="maybe")
    if labels == {"include"}:
        return _with(base, status="included", label="include")
    if labels == {"exclude"}:
        reasons = {vote.reason for vote in votes}
        if len(reasons) == 1:
            return _with(base, status="excluded", label="exclude", reason=reasons.pop())
        return _with(base, status="conflict", conflict="reason")
    return _with(base, status="conflict", conflict="label")


def _with(
    base: RecordStage,
    *,
    status: Status,
    label: Literal["include", "exclude"] | None = None,
    reason: str | None = None,
    conflict: Conflict | None = None,
) -> RecordStage:
    return RecordStage(
        record=base.record,
        stage=base.stage,
        votes=base.votes,
        resolution=base.resolution,
        retrieval=base.retrieval,
        status=status,
        label=label,
        reason=reason,
        conflict=conflict,
    )


@dataclass(slots=True)
class _Slot:
    """The events in force for one (record, stage), each list in log order (the last one counts)."""

    votes: dict[str, list[Decision]] = field(default_factory=dict)
    resolutions: list[Decision] = field(default_factory=list)
    retrievals: list[Decision] = field(default_factory=list)

    def stack(self, event: Decision) -> list[Decision]:
        if event.kind == "vote":
            return self.votes.setdefault(event.reviewer, [])
        if event.kind == "resolve":
            return self.resolutions
        return self.retrievals


class ScreeningState:
    """The current state of every record at every stage, derived from the decision log.

    Build it with :func:`replay`. Records without any event in force are ``unscreened``.
    """

    __slots__ = ("_entries", "policy")

    def __init__(self, entries: Mapping[tuple[str, Stage], RecordStage], policy: ScreeningPolicy) -> None:
        # in the order of the first event in force of each record-stage (the same however the state was derived)
        self._entries = dict(sorted(entries.items(), key=lambda item: _first_event(item[1])))
        self.policy = policy

    def get(self, record: str, stage: Stage) -> RecordStage:
        """The state of ``record`` at ``stage`` (``unscreened`` when nothing is in force)."""
        found = self._entries.get((record, stage))
        return found if found is not None else RecordStage(record=record, stage=stage)

    def find(self, record: str, stage: Stage) -> RecordStage | None:
        """The state of ``record`` at ``stage``, None when nothing is in force (unscreened)."""
        return self._entries.get((record, stage))

    def status(self, record: str, stage: Stage) -> Status:
        """The status of ``record`` at ``stage``."""
        found = self._entries.get((record, stage))
        return found.status if found is not None else "unscreened"

    def entries(self, stage: Stage | None = None) -> Iterator[RecordStage]:
        """Every record-stage with an event in force (of one stage, or of both), in order of first appearance."""
        for (_, entry_stage), entry in self._entries.items():
            if stage is None or entry_stage == stage:
                yield entry

    def conflicts(self, stage: Stage) -> tuple[RecordStage, ...]:
        """The records in conflict at ``stage``."""
        return tuple(entry for entry in self.entries(stage) if entry.status == "conflict")

    def votes(self, stage: Stage) -> dict[str, dict[str, Label]]:
        """Each record's votes in force at ``stage``: record → reviewer → label."""
        return {
            entry.record: {vote.reviewer: vote.label for vote in entry.votes}
            for entry in self.entries(stage)
            if entry.votes
        }

    def reviewers(self, stage: Stage | None = None) -> tuple[str, ...]:
        """The reviewers with a vote in force (sorted)."""
        names = {vote.reviewer for entry in self.entries(stage) for vote in entry.votes}
        return tuple(sorted(names))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScreeningState):
            return NotImplemented
        return self.policy == other.policy and self._entries == other._entries

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ScreeningState({len(self._entries)} record-stages, {self.policy!r})"


def replay(events: Iterable[Decision], policy: ScreeningPolicy) -> ScreeningState:
    """The current state after the events of the log, applied in ``id`` order.

    Raises :class:`LogError` for a log that breaks its own rules: ids not increasing, an unknown stage, kind or label,
    a retraction of an event that does not exist, is itself a retraction, was already retracted, belongs to another
    reviewer, or is of another record or stage.
    """
    slots: dict[tuple[str, Stage], _Slot] = {}
    seen: dict[int, Decision] = {}
    retracted: set[int] = set()
    last_id: int | None = None
    for event in events:
        _check_event(event, last_id)
        last_id = event.id
        key = (event.record, event.stage)
        slot = slots.setdefault(key, _Slot())
        if event.kind == "retract":
            target = _retraction_target(event, seen, retracted)
            slot.stack(target).remove(target)
            retracted.add(target.id)
        else:
            slot.stack(event).append(event)
        seen[event.id] = event
    return _state(slots, policy)


def _state(slots: Mapping[tuple[str, Stage], _Slot], policy: ScreeningPolicy) -> ScreeningState:
    entries: dict[tuple[str, Stage], RecordStage] = {}
    for (record, stage), slot in slots.items():
        in_force = [stack[-1] for stack in slot.votes.values() if stack]
        in_force.sort(key=lambda e: e.id)
        votes = tuple(Vote.of(e) for e in in_force)
        resolution = Vote.of(slot.resolutions[-1]) if slot.resolutions else None
        retrieval = Vote.of(slot.retrievals[-1]) if slot.retrievals else None
        if votes or resolution or retrieval:
            entries[(record, stage)] = _derive(
                record, stage, votes=votes, resolution=resolution, retrieval=retrieval, required=policy.required(stage)
            )
    return ScreeningState(entries, policy)


def _check_event(event: Decision, last_id: int | None) -> None:
    where = f"decision {event.id}"
    if last_id is not None and event.id <= last_id:
        raise LogError(f"{where}: ids must increase along the log (follows {last_id})")
    if event.stage not in STAGES:
        raise LogError(f"{where}: unknown stage {event.stage!r}")
    if event.kind not in KINDS:
        raise LogError(f"{where}: unknown kind {event.kind!r}")
    if event.kind == "retract":
        if event.retracts is None or event.label is not None:
            raise LogError(f"{where}: a retraction names the event it retracts and has no label")
        return
    if event.label not in LABELS or event.retracts is not None:
        raise LogError(f"{where}: label {event.label!r} is not one of {', '.join(LABELS)}")
    allowed = _ALLOWED_LABELS[event.kind]
    if event.label not in allowed:
        raise LogError(f"{where}: a {event.kind} takes the label {' or '.join(allowed)}, not {event.label!r}")
    if event.kind == "retrieval" and event.stage != "full_text":
        raise LogError(f"{where}: retrieval is noted at full text only")


_ALLOWED_LABELS: dict[Kind, tuple[Label, ...]] = {
    "vote": ("include", "exclude", "maybe"),
    "resolve": ("include", "exclude"),
    "retrieval": ("not_retrieved",),
}


def _retraction_target(event: Decision, seen: Mapping[int, Decision], retracted: set[int]) -> Decision:
    where = f"decision {event.id}"
    assert event.retracts is not None
    target = seen.get(event.retracts)
    if target is None:
        raise LogError(f"{where}: retracts decision {event.retracts}, which is not earlier in the log")
    if target.kind == "retract":
        raise LogError(f"{where}: retracts decision {target.id}, itself a retraction (decide again instead)")
    if target.id in retracted:
        raise LogError(f"{where}: decision {target.id} is already retracted")
    if target.reviewer != event.reviewer:
        raise LogError(f"{where}: {event.reviewer!r} cannot retract {target.reviewer!r}'s decision {target.id}")
    if (target.record, target.stage) != (event.record, event.stage):
        raise LogError(f"{where}: retracts decision {target.id} of another record or stage")
    return target


def from_in_force(events: Iterable[Decision], policy: ScreeningPolicy) -> ScreeningState:
    """The state from the events in force alone (each reviewer's latest vote not retracted, the latest resolution
    and retrieval not retracted), as a database query finds them; equal to :func:`replay` of the whole log.

    Raises :class:`LogError` when the events cannot all be in force together (two votes of one reviewer, two
    resolutions or two retrievals for one record and stage, a retraction).
    """
    slots: dict[tuple[str, Stage], _Slot] = {}
    last_id: int | None = None
    for event in sorted(events, key=lambda e: e.id):
        _check_event(event, last_id)
        last_id = event.id
        if event.kind == "retract":
            raise LogError(f"decision {event.id}: a retraction is never in force")
        slot = slots.setdefault((event.record, event.stage), _Slot())
        stack = slot.stack(event)
        if stack:
            raise LogError(
                f"decisions {stack[-1].id} and {event.id} cannot both be in force for record {event.record!r} "
                f"at {event.stage}"
            )
        stack.append(event)
    return _state(slots, policy)
