"""Query strategies: which unscreened records to show next, given the model's scores; registered by name.

A strategy's one method is ``select(scores, n, rng)``: ``scores`` holds the relevance score of each unscreened
candidate (higher = more likely relevant, 0 = the model's boundary) and the result is the positions (into
``scores``) of the next ``n`` records, in the order they are to be screened. Ties are broken by position, so a
strategy that draws no random numbers is deterministic (and ignores ``rng``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from sysreview.errors import InputError

__all__ = [
    "QUERY_STRATEGIES",
    "MaxQuery",
    "MixedQuery",
    "QueryStrategy",
    "RandomQuery",
    "UncertaintyQuery",
    "make_query_strategy",
    "register_query_strategy",
]

IndexArray = npt.NDArray[np.intp]


@runtime_checkable
class QueryStrategy(Protocol):
    """Chooses the next records from the scores of the unscreened candidates."""

    def select(self, scores: npt.NDArray[np.float64], n: int, rng: np.random.Generator) -> IndexArray:
        """Positions into ``scores`` of the next ``n`` records (fewer if there are fewer candidates)."""
        ...


def _check(scores: npt.NDArray[np.float64], n: int) -> int:
    if scores.ndim != 1:
        raise InputError(f"scores must be one-dimensional, got shape {scores.shape}")
    if n < 0:
        raise InputError(f"n must be non-negative, got {n}")
    return min(n, scores.size)


@dataclass(frozen=True, slots=True)
class MaxQuery:
    """Most likely relevant first ("certainty-based" or "max" sampling)."""

    def select(self, scores: npt.NDArray[np.float64], n: int, rng: np.random.Generator) -> IndexArray:  # noqa: ARG002
        n = _check(scores, n)
        return np.argsort(-scores, kind="stable")[:n]


@dataclass(frozen=True, slots=True)
class UncertaintyQuery:
    """Records nearest the model's decision boundary (score 0) first (Lewis & Gale 1994)."""

    def select(self, scores: npt.NDArray[np.float64], n: int, rng: np.random.Generator) -> IndexArray:  # noqa: ARG002
        n = _check(scores, n)
        return np.argsort(np.abs(scores), kind="stable")[:n]


@dataclass(frozen=True, slots=True)
class RandomQuery:
    """Records in random order (the baseline that WSS measures against)."""

    def select(self, scores: npt.NDArray[np.float64], n: int, rng: np.random.Generator) -> IndexArray:
        n = _check(scores, n)
        return rng.permutation(scores.size)[:n]


@dataclass(frozen=True, slots=True)
class MixedQuery:
    """Most likely relevant, except that each pick is, with probability ``fraction``, the most uncertain one.

    ``fraction=0.05`` spends one record in twenty on learning where the boundary lies (ASReview's
    ``max_uncertainty`` mixes the two the same way).
    """

    fraction: float = 0.05

    def __post_init__(self) -> None:
        if not 0.0 <= self.fraction <= 1.0:
            raise InputError(f"fraction must be in [0, 1], got {self.fraction}")

    def select(self, scores: npt.NDArray[np.float64], n: int, rng: np.random.Generator) -> IndexArray:
        n = _check(scores, n)
        by_score = np.argsort(-scores, kind="stable")
        by_doubt = np.argsort(np.abs(scores), kind="stable")
        taken = np.zeros(scores.size, dtype=bool)
        chosen: list[int] = []
        heads = [0, 0]  # next position in by_score, by_doubt
        for explore in rng.random(n) < self.fraction:
            ranking, which = (by_doubt, 1) if explore else (by_score, 0)
            while taken[ranking[heads[which]]]:
                heads[which] += 1
            pick = int(ranking[heads[which]])
            taken[pick] = True
            chosen.append(pick)
        return np.asarray(chosen, dtype=np.intp)


#: query strategies by name: a factory taking the strategy's keyword options
QUERY_STRATEGIES: dict[str, Callable[..., QueryStrategy]] = {
    "max": MaxQuery,
    "uncertainty": UncertaintyQuery,
    "mixed": MixedQuery,
    "random": RandomQuery,
}


def register_query_strategy(name: str, factory: Callable[..., QueryStrategy]) -> None:
    """Make a query strategy available by ``name`` (replaces an earlier one of that name)."""
    QUERY_STRATEGIES[name] = factory


def make_query_strategy(name: str, **options: Any) -> QueryStrategy:
    """The strategy registered as ``name``, built with ``options``."""
    try:
        factory = QUERY_STRATEGIES[name]
    except KeyError:
        choices = ", ".join(sorted(QUERY_STRATEGIES))
        raise InputError(f"unknown query strategy {name!r}; choose one of: {choices}") from None
    return factory(**options)
