"""Deduplication of a set of records: candidate pairs, pair decisions, groups with reasons, canonical records."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sysreview.dedup._blocking import candidate_pairs
from sysreview.dedup._features import Features, features_of
from sysreview.dedup._grouping import Edge, build_groups
from sysreview.dedup._scoring import DEFAULT_THRESHOLDS, Comparison, Thresholds, Verdict, compare
from sysreview.errors import InputError
from sysreview.records import Record

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DedupResult", "Group", "PairDecision", "Progress", "Source", "dedup", "score_pairs"]

#: ``progress(stage, done, total)``: stage is ``"features"``, ``"blocking"`` or ``"scoring"``
Progress = Callable[[str, int, int], None]
_PROGRESS_STEP = 5000


@dataclass(frozen=True, slots=True, kw_only=True)
class PairDecision:
    """The decision on one candidate pair (``record_id`` < ``other_id`` in string order)."""

    record_id: str
    other_id: str
    verdict: Verdict
    """``duplicate`` (merged), ``uncertain`` (for a person to decide), ``linked`` (a notice and its article)."""
    score: float
    reason: str
    relation: str | None = None
    """For linked pairs: ``erratum``, ``retraction`` or ``comment``."""

    def to_dict(self) -> dict[str, Any]:
        """The decision as plain data."""
        return {
            "record_id": self.record_id,
            "other_id": self.other_id,
            "verdict": self.verdict,
            "score": round(self.score, 4),
            "reason": self.reason,
            "relation": self.relation,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Where one record of a group came from."""

    record_id: str
    file: str | None
    line: int | None
    database: str | None
    format: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """Records of one bibliographic item: every member is kept; ``canonical`` is the one with the richest metadata."""

    group_id: int
    """1-based, in the order of each group's first record in the input."""
    record_ids: tuple[str, ...]
    """Members in input order."""
    canonical: str
    """Id of the member with the most filled fields (journal articles with a DOI preferred, ties by id)."""
    sources: tuple[Source, ...]
    """Provenance of every member, in input order."""

    @property
    def size(self) -> int:
        """Number of records in the group."""
        return len(self.record_ids)


@dataclass(frozen=True, slots=True, kw_only=True)
class DedupResult:
    """Duplicate groups of a set of records, with a reason for every record (nothing is dropped).

    ``review`` holds the uncertain pairs for a person to decide; ``links`` the notices (errata, retraction notices,
    comments) linked to the article they concern, which are never merged with it.
    """

    records: tuple[Record, ...] = field(repr=False)
    groups: tuple[Group, ...]
    group_ids: tuple[int, ...] = field(repr=False)
    """Group of each record, in input order."""
    reasons: tuple[str, ...] = field(repr=False)
    """Why each record is where it is, in input order."""
    duplicates: tuple[PairDecision, ...] = field(repr=False)
    """The confident pairs the groups were built from."""
    review: tuple[PairDecision, ...] = field(repr=False)
    links: tuple[PairDecision, ...] = field(repr=False)
    n_candidates: int
    """Candidate pairs compared (after blocking)."""
    thresholds: Thresholds

    @property
    def n_records(self) -> int:
        """Number of input records."""
        return len(self.records)

    @property
    def n_duplicates(self) -> int:
        """Records that are not the canonical record of their group."""
        return self.n_records - len(self.groups)

    def group_of(self, record_id: str) -> Group:
        """The group holding ``record_id`` (``KeyError`` if there is no such record)."""
        for position, record in enumerate(self.records):
            if record.id == record_id:
                return self.groups[self.group_ids[position] - 1]
        raise KeyError(record_id)

    def canonical_records(self) -> tuple[Record, ...]:
        """The canonical record of every group, in group order."""
        by_id = {record.id: record for record in self.records}
        return tuple(by_id[group.canonical] for group in self.groups)

    def partition(self) -> frozenset[frozenset[str]]:
        """The groups as a set of sets of record ids (for comparing results independent of numbering)."""
        return frozenset(frozenset(group.record_ids) for group in self.groups)

    def to_frame(self) -> pd.DataFrame:
        """One row per input record: ``record_id``, ``group_id``, ``canonical`` (id of the group's canonical
        record), ``reason``; then ``file``, ``line`` and ``database`` (provenance)."""
        import pandas as pd  # noqa: PLC0415 (heavy: only for this view)

        rows = []
        for record, group_id, reason in zip(self.records, self.group_ids, self.reasons, strict=True):
            rows.append(
                {
                    "record_id": record.id,
                    "group_id": group_id,
                    "canonical": self.groups[group_id - 1].canonical,
                    "reason": reason,
                    "file": record.file,
                    "line": record.line if record.line is not None else record.row,
                    "database": record.database,
                }
            )
        return pd.DataFrame(rows, columns=["record_id", "group_id", "canonical", "reason", "file", "line", "database"])

    def review_frame(self) -> pd.DataFrame:
        """The uncertain pairs, most similar first, with both titles: ``record_id``, ``other_id``, ``score``,
        ``reason``, ``group_id``, ``other_group_id``, ``title``, ``other_title``, ``decision`` (empty, for the
        reviewer)."""
        import pandas as pd  # noqa: PLC0415 (heavy: only for this view)

        position = {record.id: k for k, record in enumerate(self.records)}
        rows = []
        for pair in sorted(self.review, key=lambda p: (-p.score, p.record_id, p.other_id)):
            a, b = position[pair.record_id], position[pair.other_id]
            rows.append(
                {
                    "record_id": pair.record_id,
                    "other_id": pair.other_id,
                    "score": round(pair.score, 4),
                    "reason": pair.reason,
                    "group_id": self.group_ids[a],
                    "other_group_id": self.group_ids[b],
                    "title": self.records[a].title,
                    "other_title": self.records[b].title,
                    "decision": "",
                }
            )
        columns = ["record_id", "other_id", "score", "reason", "group_id", "other_group_id", "title", "other_title"]
        return pd.DataFrame(rows, columns=[*columns, "decision"])

    def summary(self) -> str:
        """A few lines: records, groups, duplicates, pairs for review, linked notices."""
        sizes = Counter(group.size for group in self.groups)
        largest = max(sizes) if sizes else 0
        return "\n".join(
            [
                f"records: {self.n_records}",
                (
                    f"groups: {len(self.groups)} ({sum(n for s, n in sizes.items() if s > 1)} with duplicates; "
                    f"largest {largest})"
                ),
                f"duplicates (records beside the canonical one): {self.n_duplicates}",
                f"candidate pairs compared: {self.n_candidates}",
                f"uncertain pairs for review: {len(self.review)}",
                f"linked notices (errata, retractions, comments): {len(self.links)}",
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """Counts, groups with duplicates, pairs for review and links as plain data."""
        return {
            "n_records": self.n_records,
            "n_groups": len(self.groups),
            "n_duplicates": self.n_duplicates,
            "n_candidates": self.n_candidates,
            "groups": [
                {"group_id": g.group_id, "record_ids": list(g.record_ids), "canonical": g.canonical}
                for g in self.groups
                if g.size > 1
            ],
            "review": [p.to_dict() for p in self.review],
            "links": [p.to_dict() for p in self.links],
        }


def score_pairs(
    feats: Sequence[Features],
    pairs: Iterable[tuple[int, int]],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    progress: Progress | None = None,
    total: int | None = None,
) -> dict[tuple[int, int], Comparison]:
    """The decisions on candidate ``pairs`` of positions in ``feats`` that are not distinct (duplicates, uncertain
    and linked pairs). Records are compared in id order, so the decision does not depend on which
    record comes first."""
    kept: dict[tuple[int, int], Comparison] = {}
    for done, (i, j) in enumerate(pairs, start=1):
        a, b = feats[i], feats[j]
        result = compare(a, b, thresholds) if a.id <= b.id else compare(b, a, thresholds)
        if result.verdict != "distinct":
            kept[(i, j) if i < j else (j, i)] = result
        if progress is not None and done % _PROGRESS_STEP == 0:
            progress("scoring", done, total or done)
    return kept


def _canonical_rank(f: Features) -> tuple[int, int, int]:
    """Sorts the best canonical record first: most filled fields, then journal articles, then records with a DOI."""
    return (-f.richness, -int(f.kind == "journal"), -int(f.doi is not None))


def _check_ids(records: Sequence[Record]) -> None:
    counts = Counter(record.id for record in records)
    repeated = [key for key, n in counts.items() if n > 1]
    if repeated:
        raise InputError(f"record ids must be unique; repeated: {', '.join(repeated[:5])}")


#: below this many records one process does the work (starting a second costs more than it saves)
PARALLEL_FROM = 20_000
# what forked workers read: set by the parent just before the pool forks (copy-on-write, never pickled)
_SHARED: dict[str, Any] = {}


def _features_range(bounds: tuple[int, int]) -> list[Features]:
    records: Sequence[Record] = _SHARED["records"]
    return [features_of(records[k]) for k in range(*bounds)]


def _score_range(bounds: tuple[int, int]) -> dict[tuple[int, int], Comparison]:
    pairs: Sequence[tuple[int, int]] = _SHARED["pairs"]
    return score_pairs(_SHARED["features"], pairs[bounds[0] : bounds[1]], _SHARED["thresholds"])


def _chunks(n: int, parts: int) -> list[tuple[int, int]]:
    size = -(-n // parts)
    return [(k, min(n, k + size)) for k in range(0, n, size)] if n else []


def _pool(n_jobs: int) -> Any:
    import multiprocessing  # noqa: PLC0415 (only for large inputs)

    return multiprocessing.get_context("fork").Pool(n_jobs)


def _jobs(n_jobs: int | None, n: int) -> int:
    if n_jobs is None:
        if n < PARALLEL_FROM or "fork" not in _start_methods():
            return 1
        return max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs < 1:
        raise InputError(f"n_jobs must be a positive integer or None, got {n_jobs!r}")
    return n_jobs if "fork" in _start_methods() else 1


def _start_methods() -> list[str]:
    import multiprocessing  # noqa: PLC0415

    return multiprocessing.get_all_start_methods()


def dedup(
    records: Iterable[Record],
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    n_jobs: int | None = None,
    progress: Progress | None = None,
) -> DedupResult:
    """Find the records that describe the same bibliographic item and group them; never drop a record.

    Candidate pairs come from several blocking passes (DOI, PMID, title, title prefix and suffix, notice titles,
    first author + year + first page, year + volume + first page) and two sorted neighbourhoods on the title.
    Each pair is scored with hard vetoes first (different DOIs or PMIDs, years more than one apart, an erratum,
    retraction notice or comment in one title only, different parts of a series, a protocol and its report,
    conference paper vs journal article, generic titles without matching volume and pages) and then title,
    author, journal, volume and page similarity. Confident pairs are merged by union-find; a group that would hold a
    vetoed pair is split, most similar pairs first. Uncertain pairs go to ``review``; notices are ``links``.

    Parameters
    ----------
    records
        The records (ids must be unique, as in a :class:`~sysreview.records.RecordSet`).
    thresholds
        Similarity thresholds of the scorer.
    n_jobs
        Processes for features and scoring (forked workers); by default 1 below 20,000 records, else up to 2.
    progress
        ``progress(stage, done, total)`` during long runs.

    References
    ----------
    Rathbone J, Carter M, Hoffmann T, Glasziou P (2015). Better duplicate detection for systematic reviewers:
    evaluation of Systematic Review Assistant-Deduplication Module. Systematic Reviews 4:6 (duplicate definition).
    Wagner G, Prester J, Paré G (2021); bib-dedupe documentation, "Duplicate definition" (a conference paper and its
    journal version, and a paper and its reprint, are not duplicates).
    """
    if not isinstance(thresholds, Thresholds):
        raise InputError(f"thresholds must be a Thresholds, got {type(thresholds).__name__}")
    items = tuple(records)
    _check_ids(items)
    n = len(items)
    jobs = _jobs(n_jobs, n)
    feats: list[Features] = []
    if jobs > 1:
        _SHARED.update(records=items)
        try:
            with _pool(jobs) as pool:
                for part in pool.imap(_features_range, _chunks(n, 8 * jobs)):
                    feats.extend(part)
                    if progress is not None:
                        progress("features", len(feats), n)
        finally:
            _SHARED.clear()
    else:
        for done, record in enumerate(items, start=1):
            feats.append(features_of(record))
            if progress is not None and done % _PROGRESS_STEP == 0:
                progress("features", done, n)
    if progress is not None:
        progress("blocking", 0, 1)
    pairs = sorted(candidate_pairs(feats))
    if progress is not None:
        progress("blocking", 1, 1)
    if jobs > 1:
        decisions: dict[tuple[int, int], Comparison] = {}
        _SHARED.update(features=feats, pairs=pairs, thresholds=thresholds)
        try:
            with _pool(jobs) as pool:
                for part in pool.imap(_score_range, _chunks(len(pairs), 8 * jobs)):
                    decisions.update(part)
                    if progress is not None:
                        progress("scoring", min(len(pairs), len(decisions)), len(pairs))
        finally:
            _SHARED.clear()
    else:
        decisions = score_pairs(feats, pairs, thresholds, progress=progress, total=len(pairs))
    if progress is not None:
        progress("scoring", len(pairs), len(pairs))
    return assemble(items, feats, decisions, len(pairs), thresholds)


def assemble(
    items: Sequence[Record],
    feats: Sequence[Features],
    decisions: dict[tuple[int, int], Comparison],
    n_candidates: int,
    thresholds: Thresholds,
) -> DedupResult:
    """Groups, reasons, review queue and links from the pair decisions (shared by the local and the Dask path)."""
    n = len(items)
    cache: dict[tuple[int, int], Comparison] = dict(decisions)

    def decision(i: int, j: int) -> Comparison:
        key = (i, j) if i < j else (j, i)
        found = cache.get(key)
        if found is None:
            a, b = feats[key[0]], feats[key[1]]
            found = compare(a, b, thresholds) if a.id <= b.id else compare(b, a, thresholds)
            cache[key] = found
        return found

    def vetoed(i: int, j: int) -> bool:
        return decision(i, j).veto

    edges = [
        Edge(i, j, c.score, tuple(sorted((feats[i].id, feats[j].id))))  # type: ignore[arg-type]
        for (i, j), c in decisions.items()
        if c.verdict == "duplicate"
    ]
    positions, refused = build_groups(n, edges, vetoed)

    def pair(i: int, j: int, c: Comparison, verdict: Verdict | None = None, reason: str | None = None) -> PairDecision:
        first, second = sorted((feats[i].id, feats[j].id))
        return PairDecision(
            record_id=first,
            other_id=second,
            verdict=verdict or c.verdict,
            score=c.score,
            reason=reason or c.reason,
            relation=c.relation,
        )

    group_of = [0] * n
    groups: list[Group] = []
    canonical_of: list[int] = []
    for number, members in enumerate(positions, start=1):
        best = min(members, key=lambda m: (_canonical_rank(feats[m]), feats[m].id))
        for m in members:
            group_of[m] = number
        canonical_of.append(best)
        groups.append(
            Group(
                group_id=number,
                record_ids=tuple(items[m].id for m in members),
                canonical=items[best].id,
                sources=tuple(
                    Source(
                        record_id=items[m].id,
                        file=items[m].file,
                        line=items[m].line if items[m].line is not None else items[m].row,
                        database=items[m].database,
                        format=items[m].format,
                    )
                    for m in members
                ),
            )
        )

    # why each record is where it is: the most similar confident pair that joins it to its group
    best_edge: dict[int, tuple[float, str, str]] = {}
    for (i, j), c in decisions.items():
        if c.verdict != "duplicate" or group_of[i] != group_of[j]:
            continue
        for me, other in ((i, j), (j, i)):
            candidate = (-c.score, items[other].id, c.reason)
            current = best_edge.get(me)
            if current is None or candidate < current:
                best_edge[me] = candidate
    links: list[PairDecision] = []
    notes: dict[int, list[str]] = {}
    for (i, j), c in sorted(decisions.items(), key=lambda kv: (feats[kv[0][0]].id, feats[kv[0][1]].id)):
        if c.verdict == "linked":
            links.append(pair(i, j, c))
            notice, article = (i, j) if _is_notice(feats[i], c) else (j, i)
            notes.setdefault(notice, []).append(f"{c.relation} notice concerning {items[article].id}")
            notes.setdefault(article, []).append(f"has a linked {c.relation} notice {items[notice].id}")
    review = [pair(i, j, c) for (i, j), c in decisions.items() if c.verdict == "uncertain"]
    review.extend(
        pair(e.i, e.j, decisions[(e.i, e.j)], "uncertain", "confident pair refused: the group would hold a vetoed pair")
        for e in refused
    )
    review.sort(key=lambda p: (p.record_id, p.other_id))

    reasons: list[str] = []
    for m in range(n):
        number = group_of[m]
        group = groups[number - 1]
        if group.size == 1:
            reason = "unique"
        elif canonical_of[number - 1] == m:
            reason = f"canonical of {group.size} records (richest metadata)"
        else:
            _score, other_id, why = best_edge[m]
            reason = f"duplicate of {other_id}: {why}"
        if m in notes:
            reason += "; " + "; ".join(sorted(set(notes[m])))
        reasons.append(reason)

    return DedupResult(
        records=tuple(items),
        groups=tuple(groups),
        group_ids=tuple(group_of),
        reasons=tuple(reasons),
        duplicates=tuple(
            sorted(
                (pair(i, j, c) for (i, j), c in decisions.items() if c.verdict == "duplicate"),
                key=lambda p: (p.record_id, p.other_id),
            )
        ),
        review=tuple(review),
        links=tuple(links),
        n_candidates=n_candidates,
        thresholds=thresholds,
    )


def _is_notice(f: Features, c: Comparison) -> bool:
    if c.notice is not None:
        return c.notice == f.id
    return c.relation is not None and c.relation in f.cues
