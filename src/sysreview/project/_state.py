"""A consistent view of one review: its records, the duplicates removed and the screening state, and who may
decide what next (the screening queues).

Records from databases and registers are screened on title and abstract, and those included go on to full text;
records found by other methods (websites, organisations, citation searching) go straight to full text, as in the
PRISMA 2020 flow diagram. A record removed as a duplicate is screened in neither stage (its kept record is).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sysreview.project._dedup import DedupState
from sysreview.project._protocol import OTHER_KINDS, SourceKind
from sysreview.review import RecordStage, ScreeningState, Stage, Status

__all__ = ["RecordInfo", "ReviewState", "ineligibility"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordInfo:
    """Where a record in the store came from (its contents are read with :meth:`Store.records`)."""

    key: str
    import_id: int
    source: str
    kind: SourceKind


def ineligibility(info: RecordInfo, stage: Stage, *, removed_into: str | None, title_abstract: Status) -> str | None:
    """Why ``info``'s record cannot be screened at ``stage`` (None: it can); ``title_abstract`` is its status there."""
    if removed_into is not None:
        return f"record {info.key!r} is a duplicate of {removed_into!r}, which is screened in its place"
    other = info.kind in OTHER_KINDS
    if stage == "title_abstract":
        if other:
            return (
                f"record {info.key!r} was found by other methods ({info.kind}: {info.source}); "
                "such records go straight to full text"
            )
        return None
    if not other and title_abstract != "included":
        return f"record {info.key!r} is not included at title/abstract (status: {title_abstract})"
    return None


def _eligible(info: RecordInfo, stage: Stage, removed: bool, title_abstract: Status) -> bool:
    """Whether the record can be screened at ``stage`` (:func:`ineligibility` without its message)."""
    if removed:
        return False
    other = info.kind in OTHER_KINDS
    if stage == "title_abstract":
        return not other
    return other or title_abstract == "included"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewState:
    """The records, duplicates and screening state of a review at one moment (read in one transaction)."""

    records: tuple[RecordInfo, ...]
    """In import order."""
    dedup: DedupState
    screening: ScreeningState

    _removed: dict[str, str] = field(init=False, repr=False, compare=False)
    _by_key: dict[str, RecordInfo] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_removed", self.dedup.removed)
        object.__setattr__(self, "_by_key", {info.key: info for info in self.records})

    @property
    def removed(self) -> dict[str, str]:
        """Each record removed as a duplicate → the record kept in its place."""
        return dict(self._removed)

    def info(self, key: str) -> RecordInfo:
        """The record ``key`` (``KeyError`` if the store has none)."""
        return self._by_key[key]

    def ineligibility(self, info: RecordInfo, stage: Stage) -> str | None:
        """Why the record cannot be screened at ``stage`` (None: it can)."""
        return ineligibility(
            info,
            stage,
            removed_into=self._removed.get(info.key),
            title_abstract=self.screening.status(info.key, "title_abstract"),
        )

    def eligible(self, stage: Stage) -> tuple[RecordInfo, ...]:
        """The records to be screened at ``stage``, in import order."""
        removed, status = self._removed, self.screening.status
        return tuple(
            info
            for info in self.records
            if _eligible(info, stage, info.key in removed, status(info.key, "title_abstract"))
        )

    def status_counts(self, stage: Stage) -> dict[Status, int]:
        """How many eligible records are in each status at ``stage``."""
        counts = Counter(self.screening.status(info.key, stage) for info in self.eligible(stage))
        return dict(counts)

    def queue(self, stage: Stage, reviewer: str) -> tuple[str, ...]:
        """The records ``reviewer`` may screen next at ``stage`` (import order): eligible, not yet voted on by them,
        not settled, and short of the reviewers the stage asks for. Nothing in it reveals another reviewer's vote."""
        required = self.screening.policy.required(stage)
        keys: list[str] = []
        for info in self.eligible(stage):
            entry = self.screening.find(info.key, stage)
            if entry is None:
                keys.append(info.key)
                continue
            if entry.resolution is not None or entry.retrieval is not None:
                continue
            if entry.vote_of(reviewer) is not None or len(entry.votes) >= required:
                continue
            keys.append(info.key)
        return tuple(keys)

    def conflicts(self, stage: Stage, *, resolver: str | None = None) -> tuple[RecordStage, ...]:
        """The eligible records in conflict at ``stage`` (those ``resolver`` did not vote on, when given)."""
        eligible = {info.key for info in self.eligible(stage)}
        return tuple(
            entry
            for entry in self.screening.conflicts(stage)
            if entry.record in eligible and (resolver is None or entry.vote_of(resolver) is None)
        )

    def to_dict(self) -> dict[str, Any]:
        """Counts by stage and status, and the duplicate groups awaiting a person."""
        return {
            "records": len(self.records),
            "removed_duplicates": len(self.removed),
            "duplicate_groups_awaiting": len(self.dedup.awaiting),
            "stages": {stage: self.status_counts(stage) for stage in ("title_abstract", "full_text")},
        }
