"""Dual screening without a database: the decision log, the state derived from it, conflicts and agreement.

The log is a sequence of :class:`Decision` events (record, stage, reviewer, label, reason, time) that is only ever
appended to; :func:`replay` derives each record's current :class:`RecordStage` under a :class:`ScreeningPolicy`
(single or dual screening per stage); :func:`agreement` gives percent agreement and Cohen's κ per stage and reviewer
pair. The project store (:mod:`sysreview.project`) keeps the log; this package holds the rules, and the seam to a
ranking model (:class:`Ranker`: :class:`LabelledRecords` in, a :class:`Ranking` out).

>>> from sysreview.review import ScreeningPolicy, replay
>>> state = replay(store_events, ScreeningPolicy(title_abstract=2, full_text=2))  # doctest: +SKIP
>>> [entry.record for entry in state.conflicts("title_abstract")]  # doctest: +SKIP
"""

from __future__ import annotations

from sysreview.review._agreement import CATEGORIES, Agreement, agreement, cohen_kappa
from sysreview.review._ranking import LabelledRecords, Ranker, Ranking
from sysreview.review._state import (
    Decision,
    LogError,
    RecordStage,
    ScreeningPolicy,
    ScreeningState,
    Vote,
    from_in_force,
    replay,
)
from sysreview.review._vocab import (
    KINDS,
    LABELS,
    STAGES,
    STATUSES,
    Kind,
    Label,
    Stage,
    Status,
    parse_label,
    parse_stage,
    stage_title,
)

__all__ = [
    "CATEGORIES",
    "KINDS",
    "LABELS",
    "STAGES",
    "STATUSES",
    "Agreement",
    "Decision",
    "Kind",
    "Label",
    "LabelledRecords",
    "LogError",
    "Ranker",
    "Ranking",
    "RecordStage",
    "ScreeningPolicy",
    "ScreeningState",
    "Stage",
    "Status",
    "Vote",
    "agreement",
    "cohen_kappa",
    "from_in_force",
    "parse_label",
    "parse_stage",
    "replay",
    "stage_title",
]
