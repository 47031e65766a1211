"""A reviewer's screening session: one record at a time, decisions written as they are made, undo, progress.

The session is the logic behind the terminal loop (``sysreview screen run``) and, later, the web pages: it picks
the next record from the reviewer's queue (see :meth:`ReviewState.queue`), in the order a ranking model gives when
one is plugged in (:class:`Ranker`; file order otherwise), writes each decision to the store at once, and undoes
by appending a retraction. In screening mode the reviewer never sees another reviewer's vote (blind dual
screening), and the ranking model learns from this reviewer's own votes only, so that the order of the records
does not leak the other's decisions either. In resolving mode a third reviewer works through the conflicts and
sees both votes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sysreview.errors import InputError
from sysreview.project._protocol import Keywords
from sysreview.project._state import ReviewState
from sysreview.project._store import Store
from sysreview.project._values import StoredRecord
from sysreview.review import Decision, Label, Ranker, Ranking, RecordStage, Stage, parse_stage

__all__ = [
    "Highlight",
    "Progress",
    "ScreeningSession",
    "highlights",
]

Mode = Literal["screen", "resolve"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """Where a reviewer stands in a stage."""

    stage: Stage
    reviewer: str
    mode: Mode
    done: int
    """Records this reviewer has a vote in force on (resolving: conflicts they resolved)."""
    remaining: int
    """Records waiting for this reviewer (resolving: conflicts they may resolve)."""
    eligible: int
    """Records to be screened at this stage."""
    settled: int
    """Of those, records whose fate at this stage is final."""
    conflicts: int
    relevant_left: float | None
    """The ranking model's estimate of relevant records among those not yet labelled (None: no model, or too few
    labels for an estimate yet)."""
    model: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Highlight:
    """A keyword found in a text: ``text[start:end]`` matched an ``include`` or ``exclude`` keyword."""

    start: int
    end: int
    kind: Literal["include", "exclude"]


def _pattern(keyword: str) -> re.Pattern[str] | None:
    word = keyword.strip()
    if not word:
        return None
    parts = [re.escape(part) for part in word.split("*")]
    body = r"\w*".join(parts)
    start = r"\b" if re.match(r"\w", word) else ""
    end = r"\b" if re.search(r"\w$", word) else ""
    return re.compile(start + body + end, re.IGNORECASE)


def highlights(text: str, keywords: Keywords) -> tuple[Highlight, ...]:
    """Where the protocol's keywords occur in ``text`` (case-insensitive, whole words, ``*`` for any ending).

    Overlapping matches keep the one that starts first, then the longer one.
    """
    found: list[Highlight] = []
    for kind, words in (("include", keywords.include), ("exclude", keywords.exclude)):
        for word in words:
            pattern = _pattern(word)
            if pattern is None:
                continue
            found.extend(
                Highlight(start=m.start(), end=m.end(), kind=kind)  # type: ignore[arg-type]
                for m in pattern.finditer(text)
                if m.end() > m.start()
            )
    found.sort(key=lambda h: (h.start, -(h.end - h.start)))
    chosen: list[Highlight] = []
    for highlight in found:
        if chosen and highlight.start < chosen[-1].end:
            continue
        chosen.append(highlight)
    return tuple(chosen)


class ScreeningSession:
    """One reviewer screening (or resolving conflicts) at one stage.

    Parameters
    ----------
    store
        The project's store.
    reviewer
        Who is screening.
    stage
        ``title_abstract`` or ``full_text``.
    resolve
        Work through the conflicts as the third reviewer (who sees both votes) instead of screening.
    ranker
        A ranking model (:class:`Ranker`); None keeps the import order.
    """

    def __init__(
        self,
        store: Store,
        *,
        reviewer: str,
        stage: Stage,
        resolve: bool = False,
        ranker: Ranker | None = None,
    ) -> None:
        self.store = store
        self.reviewer = store.check_reviewer(reviewer)
        self.stage = parse_stage(stage)
        self.mode: Mode = "resolve" if resolve else "screen"
        self.ranker = ranker
        self._front: str | None = None
        self._skipped: list[str] = []
        self._ranking: Ranking | None = None
        self._ranked_at: int | None = None
        self._state: ReviewState
        self._queue: tuple[str, ...] = ()
        self._current: StoredRecord | None = None
        self.refresh()

    # -- reading -----------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the store again (other reviewers may have decided meanwhile) and pick the current record."""
        self._state = self.store.state()
        if self.mode == "screen":
            keys = list(self._state.queue(self.stage, self.reviewer))
            keys = self._ranked(keys)
        else:
            keys = [entry.record for entry in self._state.conflicts(self.stage, resolver=self.reviewer)]
        skipped = [key for key in self._skipped if key in keys]
        keys = [key for key in keys if key not in skipped] + skipped
        if self._front in keys:
            keys.remove(self._front)
            keys.insert(0, self._front)
        self._queue = tuple(keys)
        current = keys[0] if keys else None
        if current is None:
            self._current = None
        elif self._current is None or self._current.key != current:
            self._current = self.store.record(current)

    def _ranked(self, keys: list[str]) -> list[str]:
        if self.ranker is None:
            return keys
        done = sum(1 for entry in self._state.screening.entries(self.stage) if entry.vote_of(self.reviewer))
        if self._ranking is None or self._ranked_at != done:
            data = self.store.labelled(self.stage, reviewer=self.reviewer)
            self._ranking = self.ranker.rank(data)
            self._ranked_at = done
        position = {key: i for i, key in enumerate(self._ranking.order)}
        return sorted(keys, key=lambda key: position.get(key, len(position)))

    @property
    def current(self) -> StoredRecord | None:
        """The record on screen (None: nothing left for this reviewer)."""
        return self._current

    def conflict(self) -> RecordStage:
        """The current record's votes and conflict (resolving mode only: screening is blind)."""
        if self.mode != "resolve":
            raise InputError("a screening reviewer does not see the other reviewers' votes (blind screening)")
        if self._current is None:
            raise InputError("no conflict left to resolve")
        return self._state.screening.get(self._current.key, self.stage)

    def progress(self) -> Progress:
        """Counts for the progress line."""
        eligible = self._state.eligible(self.stage)
        entries = [self._state.screening.get(info.key, self.stage) for info in eligible]
        if self.mode == "screen":
            done = sum(1 for entry in entries if entry.vote_of(self.reviewer) is not None)
        else:
            done = sum(1 for entry in entries if entry.resolution and entry.resolution.reviewer == self.reviewer)
        ranking = self._ranking if self.mode == "screen" else None
        return Progress(
            stage=self.stage,
            reviewer=self.reviewer,
            mode=self.mode,
            done=done,
            remaining=len(self._queue),
            eligible=len(eligible),
            settled=sum(1 for entry in entries if entry.final),
            conflicts=sum(1 for entry in entries if entry.status == "conflict"),
            relevant_left=ranking.relevant_left if ranking is not None else None,
            model=ranking.model if ranking is not None else None,
        )

    # -- writing -----------------------------------------------------------------------------------------------
    def decide(self, label: Label, reason: str | None = None) -> Decision:
        """Vote on the current record (resolving: settle its conflict) and move on."""
        record = self._require()
        if self.mode == "resolve":
            decision = self.store.resolve(
                record.key, stage=self.stage, reviewer=self.reviewer, label=label, reason=reason
            )
        else:
            decision = self.store.decide(
                record.key, stage=self.stage, reviewer=self.reviewer, label=label, reason=reason
            )
        self._moved_on(record.key)
        return decision

    def not_retrieved(self, reason: str | None = None) -> Decision:
        """Note that the current record's full text could not be obtained, and move on."""
        record = self._require()
        if self.stage != "full_text":
            raise InputError("retrieval is noted at full text")
        decision = self.store.mark_not_retrieved(record.key, reviewer=self.reviewer, reason=reason)
        self._moved_on(record.key)
        return decision

    def undo(self) -> Decision | None:
        """Retract this reviewer's latest decision at this stage; its record comes back on screen."""
        decision = self.store.undo(reviewer=self.reviewer, stage=self.stage)
        self._front = decision.record if decision is not None else None
        self.refresh()
        return decision

    def skip(self) -> None:
        """Put the current record at the end of this session's queue (nothing is written)."""
        record = self._require()
        if record.key in self._skipped:
            self._skipped.remove(record.key)
        self._skipped.append(record.key)
        self._front = None
        self.refresh()

    def _require(self) -> StoredRecord:
        if self._current is None:
            raise InputError("nothing left to screen" if self.mode == "screen" else "no conflict left to resolve")
        return self._current

    def _moved_on(self, key: str) -> None:
        if self._front == key:
            self._front = None
        if key in self._skipped:
            self._skipped.remove(key)
        self.refresh()

    @property
    def queue(self) -> Sequence[str]:
        """The keys of the records waiting for this reviewer, in the order they will be shown."""
        return self._queue
