"""The seam between a review's store and a ranking model (active learning): labelled records in, an order out.

A model implements :class:`Ranker` (one method, :meth:`Ranker.rank`); the project store hands it
:class:`LabelledRecords` (one reviewer's own labels while that reviewer screens, so that the order of the records
reveals nothing of the other reviewers' votes) and shows the records in the :class:`Ranking`'s order, with its
estimate of the relevant records left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sysreview.review._vocab import Stage

if TYPE_CHECKING:
    from sysreview.records import RecordSet

__all__ = ["LabelledRecords", "Ranker", "Ranking"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelledRecords:
    """Records eligible at a stage with their relevance: ``labels[i]`` is 1 (include), 0 (exclude) or None (not
    labelled yet) for ``records[i]`` (whose ``id`` is the record's key in the project)."""

    stage: Stage
    reviewer: str | None
    """Whose labels: one reviewer's own votes (blind to the others), or None for the final decisions."""
    records: RecordSet
    labels: tuple[int | None, ...]
    sequence: tuple[str, ...] = ()
    """Keys of the labelled records in the order they were labelled, oldest first (empty: order unknown; a key
    missing from it counts as labelled before the others). Estimators of the relevant records left that model
    the discovery curve need it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Ranking:
    """A ranking model's answer: the unlabelled records by relevance, and how many relevant ones it expects."""

    order: tuple[str, ...]
    """Keys of the unlabelled records, the most likely relevant first."""
    relevant_left: float | None = None
    """The model's estimate of the relevant records among the unlabelled (None: no estimate)."""
    model: str = ""
    """What ranked them (shown to the reviewer)."""


class Ranker(Protocol):
    """A ranking model for screening: order the unlabelled records given the labelled ones."""

    def rank(self, data: LabelledRecords) -> Ranking:
        """The unlabelled records of ``data`` by relevance, with an estimate of the relevant ones left."""
        ...
