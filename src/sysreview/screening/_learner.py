"""The active learner: refit a relevance model on the decisions so far and propose the next records."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.base import clone

from sysreview.errors import InputError
from sysreview.screening._models import RelevanceModel, make_model
from sysreview.screening._query import QueryStrategy, make_query_strategy

__all__ = ["FEATURELESS", "ActiveLearner", "RefitSchedule"]

#: what the learner may do with records without features
FEATURELESS = ("when_dry", "model")

IndexArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True, kw_only=True)
class RefitSchedule:
    """How many records to screen between two refits of the model.

    The model is refitted after every decision until ``eager`` records are labelled, then after every
    ``ceil(growth · labelled)`` decisions: early labels change the model most, while a late one barely moves it
    (with growth 0.05 a data set of 2,500 records needs about 100 refits instead of 2,500; on the Cohen sets this
    changed loss and WSS by less than their seed-to-seed spread).
    """

    eager: int = 50
    growth: float = 0.05

    def __post_init__(self) -> None:
        if self.eager < 0:
            raise InputError(f"eager must be non-negative, got {self.eager}")
        if self.growth < 0:
            raise InputError(f"growth must be non-negative, got {self.growth}")

    def batch_size(self, n_labelled: int) -> int:
        """Records to screen before the next refit, when ``n_labelled`` records are labelled."""
        if n_labelled < self.eager:
            return 1
        return max(1, math.ceil(self.growth * n_labelled))


class ActiveLearner:
    """Ranks the unlabelled records with a model fitted on the labelled ones, and picks the next by a strategy.

    Until both classes are among the labels there is nothing to learn from, and the records come in random
    order (as in ASReview). Labelled records without features are left out of the fit (see below).

    Records without features (no title and no abstract: an all-zero row of ``X``) cannot be ranked: the model
    gives them all the same score, the intercept, which puts them wherever it happens to fall. With
    ``featureless="when_dry"`` they are held back while the ranking finds relevant records, and shown as soon as
    it runs dry: when the share of relevant records among the last ``window`` screened falls to the share of
    relevant records found so far in the whole set (a lower bound of the prevalence, which is all that a
    record without text is expected to yield). Screening them then costs a few records and finds the relevant
    ones among them long before the ranking would stumble on them. ``featureless="model"`` leaves them to the
    model's score.

    Parameters
    ----------
    model
        Name of a model in ``MODELS`` or an unfitted model (``fit``/``decision_function``).
    query
        Name of a strategy in ``QUERY_STRATEGIES`` or a strategy (``select``).
    featureless
        ``"when_dry"`` or ``"model"``: what to do with records that have no features (see above).
    window
        Number of recent decisions that tell whether the ranking has run dry.
    random_state
        Seed or ``numpy.random.Generator``: the random order before both classes are labelled, the random picks
        of the mixed strategy, and the model's own randomness.

    Attributes
    ----------
    model_
        The fitted model (``None`` while only one class is labelled).
    scores_
        Score of every record by the last fit (NaN for the labelled ones).
    dry_
        Whether the ranking had run dry at the last fit (records without features come next).
    """

    def __init__(
        self,
        model: str | RelevanceModel = "svm",
        query: str | QueryStrategy = "max",
        *,
        featureless: str = "when_dry",
        window: int = 50,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.model = model
        self.query = query
        self.featureless = featureless
        self.window = window
        self.random_state = random_state

    def _rng(self) -> np.random.Generator:
        rng: np.random.Generator | None = getattr(self, "rng_", None)
        if rng is None:
            rng = np.random.default_rng(self.random_state)
            self.rng_ = rng
            # the model's own seed is fixed once, so that every refit is reproducible
            self.model_seed_ = self.random_state if isinstance(self.random_state, int) else int(rng.integers(2**31 - 1))
        return rng

    def _new_model(self) -> RelevanceModel:
        if not isinstance(self.model, str):
            return clone(self.model)  # type: ignore[no-any-return]
        return make_model(self.model, random_state=self.model_seed_)

    def fit(self, X: Any, rows: npt.ArrayLike, labels: npt.ArrayLike) -> ActiveLearner:
        """Fit on the labelled ``rows`` of ``X`` (labels 0/1, in the order they were screened) and score the rest."""
        if self.featureless not in FEATURELESS:
            raise InputError(f"featureless must be one of {', '.join(FEATURELESS)}, got {self.featureless!r}")
        if self.window < 1:
            raise InputError(f"window must be a positive number of records, got {self.window}")
        rows_ = np.asarray(rows, dtype=np.intp)
        labels_ = np.asarray(labels, dtype=np.int64)
        n_records = X.shape[0]
        if rows_.shape != labels_.shape or rows_.ndim != 1:
            raise InputError(f"{rows_.size} rows but {labels_.size} labels")
        if rows_.size and (rows_.min() < 0 or rows_.max() >= n_records):
            raise InputError(f"labelled rows must be in 0 … {n_records - 1}")
        if np.unique(rows_).size != rows_.size:
            raise InputError("a row is labelled twice")
        rng = self._rng()
        labelled = np.zeros(n_records, dtype=bool)
        labelled[rows_] = True
        self.featureless_ = _featureless_rows(X)
        # a record without features teaches nothing but the intercept; a relevant one, weighted up as the rare
        # class, drags the intercept so far that the model learns what is irrelevant instead of what is relevant
        informative = ~self.featureless_[rows_]
        train_rows, train_labels = rows_[informative], labels_[informative]
        if train_labels.size and train_labels.min() == 0 and train_labels.max() == 1:
            model = self._new_model().fit(X[train_rows], train_labels)
            scores = np.asarray(model.decision_function(X), dtype=np.float64)
            self.model_: RelevanceModel | None = model
        else:
            scores = rng.random(n_records)
            self.model_ = None
        scores[labelled] = np.nan
        self.scores_ = scores
        self.query_ = make_query_strategy(self.query) if isinstance(self.query, str) else self.query
        self.dry_ = self.model_ is not None and self._ran_dry(rows_, labels_, n_records)
        return self

    def _ran_dry(self, rows: IndexArray, labels: npt.NDArray[np.int64], n_records: int) -> bool:
        """Has the ranking's recent hit rate fallen to the prevalence found so far?"""
        if self.featureless != "when_dry":
            return False
        ranked = labels[~self.featureless_[rows]]
        if ranked.size < self.window:
            return False
        return bool(ranked[-self.window :].mean() <= labels.sum() / n_records)

    def next_rows(self, n: int = 1) -> IndexArray:
        """The next ``n`` unlabelled rows to screen, in order."""
        if not hasattr(self, "scores_"):
            raise InputError("call fit() before next_rows()")
        unlabelled = ~np.isnan(self.scores_)
        if self.model_ is None or self.featureless == "model":
            candidates = np.flatnonzero(unlabelled)
            return candidates[self.query_.select(self.scores_[candidates], n, self._rng())]
        held = np.flatnonzero(unlabelled & self.featureless_)
        candidates = np.flatnonzero(unlabelled & ~self.featureless_)
        first = held[:n] if self.dry_ else held[:0]
        ranked = candidates[self.query_.select(self.scores_[candidates], n - first.size, self._rng())]
        last = held[: n - first.size - ranked.size] if not self.dry_ else held[:0]
        return np.concatenate([first, ranked, last]).astype(np.intp)


def _featureless_rows(X: Any) -> npt.NDArray[np.bool_]:
    """Rows of ``X`` without a single non-zero feature."""
    if sparse.issparse(X):
        return np.asarray(sparse.csr_matrix(X).getnnz(axis=1) == 0)
    return np.asarray(~np.asarray(X).any(axis=1))
