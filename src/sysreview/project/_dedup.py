"""Duplicate groups in the store: what a deduplication run found, what people confirmed, and what is removed.

A run stores groups of records judged to be one: certain groups (with the record kept and the reasons) and the
uncertain band (typically pairs, with the method's score), which a person must confirm. People give verdicts on
groups (``duplicate`` or ``distinct``; undo appends a ``retract``); a verdict is attached to the group's members
(its signature), so it carries over when deduplication is run again after a new import. The latest run is in force.

A group *merges* its members when it is certain and no one said ``distinct``, or when a person confirmed it as
``duplicate``; an uncertain group without a verdict merges nothing and waits. Merging groups that share a record
join (union-find); in each joined set the record kept is that of its first certain group (else the record imported
first), and the others are removed: PRISMA's "duplicate records removed".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sysreview.errors import InputError

if TYPE_CHECKING:
    from sysreview.dedup import DedupResult

__all__ = [
    "DedupState",
    "DuplicateGroup",
    "GroupInput",
    "Verdict",
    "groups_from_result",
    "signature",
    "verdicts_in_force",
]

Verdict = Literal["duplicate", "distinct"]


def signature(keys: Iterable[str]) -> str:
    """The SHA-256 (hex) of the sorted member keys: a group's identity across runs."""
    joined = "\x1f".join(sorted(keys))
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupInput:
    """A duplicate group as a deduplication method reports it, for :meth:`Store.save_dedup`."""

    members: tuple[str, ...]
    """The record keys of the group (at least two)."""
    keep: str | None = None
    """The record kept; by default the member imported first."""
    reasons: tuple[str, ...] = ()
    """Why the records are one (``same DOI``, ``title and year match`` …)."""
    certain: bool = True
    """False for the uncertain band: a person must confirm the group before it removes anything."""
    score: float | None = None
    """The method's similarity score, where it has one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicateGroup:
    """A stored duplicate group of the run in force, with the verdict in force on its members."""

    id: int
    run: int
    position: int
    """1-based number of the group in its run."""
    members: tuple[str, ...]
    """Record keys, in import order."""
    keep: str
    reasons: tuple[str, ...]
    certain: bool
    score: float | None
    signature: str
    verdict: Verdict | None
    """The verdict in force (None: no one has judged the group)."""
    verdict_by: str | None

    @property
    def removes(self) -> bool:
        """Whether the group merges its members (see the module docstring)."""
        if self.verdict is not None:
            return self.verdict == "duplicate"
        return self.certain

    @property
    def awaiting(self) -> bool:
        """Whether the group is uncertain and no one has judged it yet."""
        return not self.certain and self.verdict is None

    def to_dict(self) -> dict[str, Any]:
        """The group as plain data."""
        return {
            "id": self.id,
            "run": self.run,
            "position": self.position,
            "members": list(self.members),
            "keep": self.keep,
            "reasons": list(self.reasons),
            "certain": self.certain,
            "score": self.score,
            "verdict": self.verdict,
            "verdict_by": self.verdict_by,
            "removes": self.removes,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class DedupState:
    """The duplicate groups in force and the records they remove."""

    run: int | None
    """The run in force (None: deduplication has not been run)."""
    method: str | None
    groups: tuple[DuplicateGroup, ...]

    @property
    def removed(self) -> dict[str, str]:
        """Each removed record → the record kept in its place (see the module docstring)."""
        parent: dict[str, str] = {}

        def find(key: str) -> str:
            parent.setdefault(key, key)
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        merging = [group for group in self.groups if group.removes]
        order: dict[str, int] = {}
        for group in merging:
            for member in group.members:
                order.setdefault(member, len(order))
                parent[find(member)] = find(group.members[0])
        keep: dict[str, str] = {}
        for group in sorted(merging, key=lambda g: (not g.certain, g.position)):
            keep.setdefault(find(group.keep), group.keep)
        removed: dict[str, str] = {}
        for member in order:
            root = find(member)
            kept = keep[root]
            if member != kept:
                removed[member] = kept
        return removed

    @property
    def awaiting(self) -> tuple[DuplicateGroup, ...]:
        """The uncertain groups no one has judged yet."""
        return tuple(group for group in self.groups if group.awaiting)

    def group(self, group_id: int) -> DuplicateGroup:
        """The group with id ``group_id`` (of the run in force)."""
        for group in self.groups:
            if group.id == group_id:
                return group
        raise InputError(f"no duplicate group {group_id} in the deduplication run in force")


def verdicts_in_force(rows: Sequence[Mapping[Any, Any]]) -> dict[str, tuple[Verdict, str]]:
    """The verdict in force per signature from the verdict log (rows with id, signature, reviewer, verdict,
    retracts; in id order): the latest one not retracted."""
    stacks: dict[str, list[Mapping[Any, Any]]] = {}
    by_id: dict[int, Mapping[Any, Any]] = {}
    for row in rows:
        by_id[row["id"]] = row
        if row["verdict"] == "retract":
            target = by_id[row["retracts"]]
            stacks[target["signature"]].remove(target)
        else:
            stacks.setdefault(row["signature"], []).append(row)
    return {sig: (stack[-1]["verdict"], stack[-1]["reviewer"]) for sig, stack in stacks.items() if stack}


def groups_from_result(result: DedupResult) -> list[GroupInput]:
    """The groups of :func:`sysreview.dedup.dedup`'s result for :meth:`Store.save_dedup`: each group with
    duplicates (certain; kept: its canonical record; reasons: those of its other members) and each uncertain pair
    (for a person to confirm, with its score and reason)."""
    position = {record.id: i for i, record in enumerate(result.records)}
    groups: list[GroupInput] = []
    for group in result.groups:
        if len(group.record_ids) < 2:
            continue
        reasons = tuple(
            dict.fromkeys(result.reasons[position[key]] for key in group.record_ids if key != group.canonical)
        )
        groups.append(GroupInput(members=tuple(group.record_ids), keep=group.canonical, reasons=reasons, certain=True))
    groups.extend(
        GroupInput(members=(pair.record_id, pair.other_id), reasons=(pair.reason,), certain=False, score=pair.score)
        for pair in result.review
    )
    return groups
