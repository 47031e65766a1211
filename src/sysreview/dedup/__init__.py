"""Deduplication: groups of records that describe the same bibliographic item, with a reason for every record.

Duplicates are data, never deletions: every record stays, in a group with a canonical record (the richest) and the
provenance of each member; uncertain pairs are queued for a person; errata, retraction notices and comments are
linked to the article they concern, never merged with it.

>>> from sysreview.records import read_many
>>> from sysreview.dedup import dedup
>>> result = dedup(read_many(["medline.nbib", "embase.ris"]))  # doctest: +SKIP
>>> result.to_frame()  # doctest: +SKIP
"""

from __future__ import annotations

from sysreview.dedup._blocking import BLOCKING_PASSES, block_keys, candidate_pairs
from sysreview.dedup._dedup import DedupResult, Group, PairDecision, Progress, Source, dedup, score_pairs
from sysreview.dedup._features import Features, features, features_of
from sysreview.dedup._scoring import DEFAULT_THRESHOLDS, Comparison, Thresholds, Verdict, compare

__all__ = [
    "BLOCKING_PASSES",
    "DEFAULT_THRESHOLDS",
    "Comparison",
    "DedupResult",
    "Features",
    "Group",
    "PairDecision",
    "Progress",
    "Source",
    "Thresholds",
    "Verdict",
    "block_keys",
    "candidate_pairs",
    "compare",
    "dedup",
    "features",
    "features_of",
    "score_pairs",
]
