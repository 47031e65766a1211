"""Simulated screening of a fully labelled set: the order an active learner would show, its metrics and stops."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from sysreview.errors import InputError
from sysreview.screening._data import ScreeningData, duplicate_groups
from sysreview.screening._features import FeatureExtractor, make_features
from sysreview.screening._learner import FEATURELESS, ActiveLearner, RefitSchedule
from sysreview.screening._models import RelevanceModel
from sysreview.screening._query import QueryStrategy
from sysreview.screening._stopping import (
    ConsecutiveIrrelevantRule,
    FractionScreenedRule,
    HypergeometricRule,
    StoppingRule,
)
from sysreview.screening.metrics import ScreeningMetrics, evaluate

__all__ = ["DEFAULT_STOPPING_RULES", "SimulationResult", "StopPoint", "simulate", "stopping_points"]

IntArray = npt.NDArray[np.int64]

#: the rules every simulation reports: the statistical rule at two targets and the common heuristics
DEFAULT_STOPPING_RULES: tuple[StoppingRule, ...] = (
    HypergeometricRule(recall=0.95, confidence=0.95),
    HypergeometricRule(recall=0.99, confidence=0.95),
    ConsecutiveIrrelevantRule(n=50),
    ConsecutiveIrrelevantRule(n=100),
    FractionScreenedRule(fraction=0.5),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StopPoint:
    """Where a stopping rule would have ended the screening, and the recall reached there.

    Counts include the prior records (the rule sees every decision); ``None`` fields mean the rule did not stop
    before every record was screened.
    """

    rule: str
    n_screened: int | None
    """Records screened when the rule first said stop (prior records included)."""
    fraction_screened: float | None
    """``n_screened`` over all records."""
    recall: float | None
    """Relevant records found by then over all relevant records (prior records included)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "n_screened": self.n_screened,
            "fraction_screened": self.fraction_screened,
            "recall": self.recall,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulationResult:
    """One simulated screening: priors, then records in the order the learner chose them.

    ``dataset_rows`` are 0-based data rows of the input, prior records excluded, up to the last relevant record
    (or every record); ``labels`` are their known labels. ``metrics`` follow ``sysreview.screening.metrics``
    (N′ = records less priors, R′ = relevant records less relevant priors).
    """

    prior_rows: tuple[int, ...]
    prior_labels: tuple[int, ...]
    dataset_rows: IntArray
    labels: IntArray
    metrics: ScreeningMetrics
    stops: tuple[StopPoint, ...]
    n_rankings: int
    """Times the model was refitted and the records re-ranked."""
    seconds_per_ranking: float
    """Mean wall-clock seconds of one refit + ranking (features excluded)."""
    feature_seconds: float
    """Seconds to compute the features (once)."""
    settings: dict[str, Any] = field(default_factory=dict)
    """Model, query strategy, features, seed and refit schedule, for the record."""

    def to_dict(self) -> dict[str, Any]:
        """Metrics, stops, timing and settings (not the order) as a JSON-ready mapping."""
        return {
            **self.metrics.to_dict(),
            "prior_rows": list(self.prior_rows),
            "stops": [stop.to_dict() for stop in self.stops],
            "n_rankings": self.n_rankings,
            "seconds_per_ranking": self.seconds_per_ranking,
            "feature_seconds": self.feature_seconds,
            "settings": dict(self.settings),
        }


def _check_rows(rows: Sequence[int], n_records: int, what: str, source: str | None) -> list[int]:
    out = []
    for row in rows:
        value = int(row)
        if not 0 <= value < n_records:
            raise InputError(f"{what} row {value} is not a data row (0 … {n_records - 1})", file=source)
        out.append(value)
    return out


def _draw_priors(labels: IntArray, n_included: int, n_excluded: int, rng: np.random.Generator) -> list[int]:
    included = np.flatnonzero(labels == 1)
    excluded = np.flatnonzero(labels == 0)
    if n_included > included.size or n_excluded > excluded.size:
        raise InputError(
            f"cannot draw {n_included} relevant and {n_excluded} irrelevant priors from "
            f"{included.size} relevant and {excluded.size} irrelevant records"
        )
    return [
        *rng.choice(included, n_included, replace=False).tolist(),
        *rng.choice(excluded, n_excluded, replace=False).tolist(),
    ]


def _first_true(check: Callable[[int], bool], low: int, high: int) -> int | None:
    """Smallest n in [low, high] with check(n), for a check that is False … False True … True there."""
    if not check(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if check(middle):
            high = middle
        else:
            low = middle + 1
    return low


def stopping_points(
    labels: npt.ArrayLike, n_records: int, rules: Sequence[StoppingRule] = DEFAULT_STOPPING_RULES
) -> tuple[StopPoint, ...]:
    """Where each rule first says stop, as if it were checked after every record (prior records included).

    The sequence is zero-padded to ``n_records``: a simulation ends at the last relevant record, and whatever
    would have been screened after it is irrelevant whatever its order, so the rules see what they would have
    seen had the screening gone on. Rules are monotone between two relevant records (more irrelevant records
    never take a stop back; see ``StoppingRule``), so each stretch is checked at its end and, where the rule
    stops there, searched by bisection: exact, with a few dozen checks instead of one per record.
    """
    y = np.asarray(labels, dtype=np.int64)
    if y.size > n_records:
        raise InputError(f"{y.size} labels for {n_records} records")
    padded = np.zeros(n_records, dtype=np.int64)
    padded[: y.size] = y
    total = int(padded.sum())
    found = np.cumsum(padded)
    # stretches of prefix lengths [start, end]: each starts at a relevant record (or the first record)
    starts = sorted({1, *(np.flatnonzero(padded) + 1).tolist()})
    ends = [*(s - 1 for s in starts[1:]), n_records]
    stops = []
    for rule in rules:

        def check(n: int, rule: StoppingRule = rule) -> bool:
            return rule.should_stop(padded[:n], n_records)

        at = next(
            (hit for start, end in zip(starts, ends, strict=True) if (hit := _first_true(check, start, end))),
            None,
        )
        if at is None:
            stops.append(StopPoint(rule=rule.name, n_screened=None, fraction_screened=None, recall=None))
            continue
        recall = float(found[at - 1] / total) if total else 1.0
        stops.append(StopPoint(rule=rule.name, n_screened=at, fraction_screened=at / n_records, recall=recall))
    return tuple(stops)


def simulate(
    data: ScreeningData,
    *,
    prior_included: Sequence[int] = (),
    prior_excluded: Sequence[int] = (),
    n_prior_included: int = 1,
    n_prior_excluded: int = 1,
    model: str | RelevanceModel = "svm",
    query: str | QueryStrategy = "max",
    features: str | FeatureExtractor = "tfidf",
    seed: int | None = None,
    schedule: RefitSchedule | None = None,
    stopping_rules: Sequence[StoppingRule] = DEFAULT_STOPPING_RULES,
    group_duplicates: bool = True,
    featureless: str = "when_dry",
) -> SimulationResult:
    """Screen a fully labelled set as an active learner would, until every relevant record is found.

    Parameters
    ----------
    data
        Records with ``labels`` (1 relevant, 0 irrelevant).
    prior_included, prior_excluded
        0-based data rows the reviewer labelled first (their labels must agree with the data). When both are
        empty, ``n_prior_included`` relevant and ``n_prior_excluded`` irrelevant records are drawn at random.
    model, query, features
        Names from ``MODELS``, ``QUERY_STRATEGIES``, ``FEATURES`` (or objects with their one method).
    seed
        Seeds the random priors, the random order before both classes are labelled, and the model.
    schedule
        When to refit (default ``RefitSchedule()``).
    stopping_rules
        Rules whose stopping points are reported (they do not end the simulation).
    group_duplicates
        Screen exact duplicates (same normalised title + abstract) right after the first of them is screened, as
        a reviewer would label them together (ASReview 3 does the same). Every duplicate still counts as a
        screened record, so N′ and R′ are those of the data set.
    featureless
        Records without title and abstract: ``"when_dry"`` shows them once the ranking runs dry, ``"model"``
        leaves them to the model's score (see ``ActiveLearner``).

    Returns
    -------
    SimulationResult
    """
    if data.labels is None:
        raise InputError("a simulation needs labelled records", file=data.source)
    if featureless not in FEATURELESS:
        raise InputError(f"featureless must be one of {', '.join(FEATURELESS)}, got {featureless!r}")
    labels = data.labels
    n_records = len(data)
    if n_records < 3:
        raise InputError(f"a simulation needs at least 3 records, got {n_records}", file=data.source)
    rng = np.random.default_rng(seed)
    schedule = schedule if schedule is not None else RefitSchedule()

    included = _check_rows(prior_included, n_records, "prior-included", data.source)
    excluded = _check_rows(prior_excluded, n_records, "prior-excluded", data.source)
    for row in included:
        if labels[row] != 1:
            raise InputError(f"prior-included row {row} is labelled irrelevant in the data", file=data.source)
    for row in excluded:
        if labels[row] != 0:
            raise InputError(f"prior-excluded row {row} is labelled relevant in the data", file=data.source)
    priors = [*included, *excluded]
    if len(set(priors)) != len(priors):
        raise InputError("a row is given twice as a prior", file=data.source)
    if not priors:
        priors = _draw_priors(labels, n_prior_included, n_prior_excluded, rng)
    if len(priors) >= n_records:
        raise InputError("every record is a prior; nothing is left to screen", file=data.source)
    n_relevant_left = int(labels.sum()) - int(labels[priors].sum())
    if n_relevant_left == 0:
        raise InputError("no relevant record is left after the priors; nothing to find", file=data.source)

    extractor = make_features(features) if isinstance(features, str) else features
    started = time.perf_counter()
    X = extractor.fit_transform(data)
    feature_seconds = time.perf_counter() - started

    groups = duplicate_groups(data) if group_duplicates else np.arange(n_records)
    members: dict[int, list[int]] = {}
    for row, group in enumerate(groups.tolist()):
        members.setdefault(group, []).append(row)

    labelled = np.zeros(n_records, dtype=bool)
    labelled[priors] = True
    screened: list[int] = list(priors)
    order: list[int] = []
    found = 0

    def screen(row: int) -> None:
        nonlocal found
        for member in (row, *members[int(groups[row])]):
            if not labelled[member]:
                labelled[member] = True
                screened.append(member)
                order.append(member)
                found += int(labels[member])

    for row in priors:  # duplicates of a prior are labelled with it (they count as screened records)
        for member in members[int(groups[row])]:
            if not labelled[member]:
                screen(member)

    learner = ActiveLearner(model, query, featureless=featureless, random_state=rng)
    n_rankings = 0
    ranking_seconds = 0.0
    while found < n_relevant_left and len(screened) < n_records:
        started = time.perf_counter()
        rows = np.asarray(screened, dtype=np.intp)
        learner.fit(X, rows, labels[rows])
        batch = learner.next_rows(schedule.batch_size(len(screened)))
        ranking_seconds += time.perf_counter() - started
        n_rankings += 1
        for row in batch.tolist():
            if not labelled[row]:
                screen(row)
            if found == n_relevant_left:
                break

    dataset_rows = np.asarray(order, dtype=np.int64)
    order_labels = labels[dataset_rows]
    metrics = evaluate(order_labels, n_records=n_records - len(priors))
    stops = stopping_points(labels[np.asarray(screened, dtype=np.intp)], n_records, stopping_rules)
    settings = {
        "model": model if isinstance(model, str) else type(model).__name__,
        "query": query if isinstance(query, str) else type(query).__name__,
        "features": features if isinstance(features, str) else type(features).__name__,
        "seed": seed,
        "refit_eager": schedule.eager,
        "refit_growth": schedule.growth,
        "group_duplicates": group_duplicates,
        "featureless": featureless,
    }
    return SimulationResult(
        prior_rows=tuple(int(r) for r in priors),
        prior_labels=tuple(int(labels[r]) for r in priors),
        dataset_rows=dataset_rows,
        labels=order_labels,
        metrics=metrics,
        stops=stops,
        n_rankings=n_rankings,
        seconds_per_ranking=ranking_seconds / n_rankings if n_rankings else 0.0,
        feature_seconds=feature_seconds,
        settings=settings,
    )
