"""Relevance models: scikit-learn classifiers that score unscreened records, registered by name.

A model follows scikit-learn's conventions (``__init__`` stores, ``fit(X, y)`` returns ``self``, learned state
ends in ``_``, randomness through ``random_state``) and scores records with ``decision_function(X)``: higher is
more likely relevant, and 0 is the decision boundary (uncertainty sampling picks the records nearest to it).
Every model weights the classes by their inverse frequency, so that a handful of relevant records among
hundreds of irrelevant ones still moves the boundary.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Protocol, Self, runtime_checkable

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted

from sysreview.errors import InputError

__all__ = [
    "MODELS",
    "EnsembleModel",
    "LogisticModel",
    "NaiveBayesModel",
    "RelevanceModel",
    "SVMModel",
    "make_model",
    "register_model",
]

FloatArray = npt.NDArray[np.float64]


@runtime_checkable
class RelevanceModel(Protocol):
    """What the active learner needs of a model: ``fit(X, y)`` and ``decision_function(X)``."""

    def fit(self, X: Any, y: npt.ArrayLike) -> Self:
        """Learn from the labelled records (y: 1 relevant, 0 irrelevant)."""
        ...

    def decision_function(self, X: Any) -> FloatArray:
        """Relevance score of each row of ``X``; higher is more likely relevant, 0 is the boundary."""
        ...


def _check_two_classes(y: npt.ArrayLike) -> npt.NDArray[np.int64]:
    labels = np.asarray(y, dtype=np.int64)
    if labels.ndim != 1 or not np.isin(labels, (0, 1)).all():
        raise InputError("labels must be a one-dimensional array of 0 and 1")
    if labels.min() == labels.max():
        raise InputError("a relevance model needs at least one relevant and one irrelevant record")
    return labels


def _fit_quietly(estimator: Any, X: Any, y: npt.NDArray[np.int64]) -> tuple[Any, bool]:
    """Fit a liblinear estimator; a solver that stops at ``max_iter`` is noted in ``converged_``, not warned about.

    A ranking needs the order of the scores, not the optimum to the last digit, and the next refit starts over.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        estimator.fit(X, y)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    for w in caught:  # anything else is passed on
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return estimator, converged


class SVMModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Linear support vector machine (squared hinge, L2) with balanced class weights.

    ``C`` is the inverse regularisation strength; the default 0.11 is that of ASReview's ``elas_u4`` model.

    References
    ----------
    Fan RE, Chang KW, Hsieh CJ, Wang XR, Lin CJ (2008). LIBLINEAR: a library for large linear classification.
    JMLR 9:1871–1874.
    """

    def __init__(self, *, C: float = 0.11, max_iter: int = 1000, random_state: int | None = None) -> None:
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: npt.ArrayLike) -> Self:
        labels = _check_two_classes(y)
        estimator = LinearSVC(C=self.C, class_weight="balanced", max_iter=self.max_iter, random_state=self.random_state)
        self.estimator_, self.converged_ = _fit_quietly(estimator, X, labels)
        self.classes_ = self.estimator_.classes_
        return self

    def decision_function(self, X: Any) -> FloatArray:
        check_is_fitted(self, "estimator_")
        return np.asarray(self.estimator_.decision_function(X), dtype=np.float64)


class LogisticModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """L2-penalised logistic regression with balanced class weights; the score is the log-odds of relevance.

    References
    ----------
    Cormack GV, Grossman MR (2014). Evaluation of machine-learning protocols for technology-assisted review in
    electronic discovery. SIGIR '14:153–162. doi:10.1145/2600428.2609601
    """

    def __init__(self, *, C: float = 1.0, max_iter: int = 1000, random_state: int | None = None) -> None:
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: npt.ArrayLike) -> Self:
        labels = _check_two_classes(y)
        estimator = LogisticRegression(
            C=self.C,
            class_weight="balanced",
            solver="liblinear",
            dual=True,  # far fewer labelled records than features: the dual is 20–30 times faster
            max_iter=self.max_iter,
            random_state=self.random_state,
        )
        self.estimator_, self.converged_ = _fit_quietly(estimator, X, labels)
        self.classes_ = self.estimator_.classes_
        return self

    def decision_function(self, X: Any) -> FloatArray:
        check_is_fitted(self, "estimator_")
        return np.asarray(self.estimator_.decision_function(X), dtype=np.float64)


class NaiveBayesModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Multinomial naive Bayes with equal class priors and balanced sample weights; the score is the log-odds.

    Needs non-negative features (TF-IDF). ``alpha`` is the additive smoothing (ASReview's default, 3.822).

    References
    ----------
    McCallum A, Nigam K (1998). A comparison of event models for naive Bayes text classification. AAAI-98
    workshop on learning for text categorization, 41–48.
    """

    def __init__(self, *, alpha: float = 3.822) -> None:
        self.alpha = alpha

    def fit(self, X: Any, y: npt.ArrayLike) -> Self:
        labels = _check_two_classes(y)
        # balanced sample weights: the few relevant records count as much as the many irrelevant ones, else the
        # smoothing swamps the relevant class and the score rewards rare words instead of relevant ones
        weights = compute_sample_weight("balanced", labels)
        self.estimator_ = MultinomialNB(alpha=self.alpha, fit_prior=False).fit(X, labels, sample_weight=weights)
        self.classes_ = self.estimator_.classes_
        return self

    def decision_function(self, X: Any) -> FloatArray:
        check_is_fitted(self, "estimator_")
        joint = self.estimator_.predict_joint_log_proba(X)
        return np.asarray(joint[:, 1] - joint[:, 0], dtype=np.float64)


class EnsembleModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Weighted sum of standardised scores of several models (each divided by its standard deviation).

    Dividing by the spread puts the members on one scale without moving their decision boundaries: a record
    every member places on the relevant side scores above 0.
    """

    def __init__(
        self,
        models: tuple[RelevanceModel, ...] | None = None,
        *,
        weights: tuple[float, ...] | None = None,
        random_state: int | None = None,
    ) -> None:
        self.models = models
        self.weights = weights
        self.random_state = random_state

    def fit(self, X: Any, y: npt.ArrayLike) -> Self:
        labels = _check_two_classes(y)
        members = self.models if self.models is not None else (SVMModel(), LogisticModel())
        if self.weights is not None and len(self.weights) != len(members):
            raise InputError(f"{len(self.weights)} weights for {len(members)} models")
        fitted = []
        for member in members:
            model = clone(member)
            if "random_state" in model.get_params():
                model.set_params(random_state=self.random_state)
            fitted.append(model.fit(X, labels))
        self.models_ = tuple(fitted)
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X: Any) -> FloatArray:
        check_is_fitted(self, "models_")
        weights = self.weights if self.weights is not None else (1.0,) * len(self.models_)
        total = np.zeros(X.shape[0])
        for model, weight in zip(self.models_, weights, strict=True):
            score = model.decision_function(X)
            spread = float(score.std())
            total += weight * score / (spread if spread > 0 else 1.0)
        return total


#: models by name: a factory taking ``random_state`` (and the model's keyword options)
MODELS: dict[str, Callable[..., RelevanceModel]] = {
    "svm": SVMModel,
    "logistic": LogisticModel,
    "nb": lambda random_state=None, **options: NaiveBayesModel(**options),  # noqa: ARG005 (deterministic)
    "ensemble": EnsembleModel,
}


def register_model(name: str, factory: Callable[..., RelevanceModel]) -> None:
    """Make a model available by ``name``; ``factory(random_state=..., **options)`` builds an unfitted model."""
    MODELS[name] = factory


def make_model(name: str, *, random_state: int | None = None, **options: Any) -> RelevanceModel:
    """An unfitted model registered as ``name``."""
    try:
        factory = MODELS[name]
    except KeyError:
        raise InputError(f"unknown model {name!r}; choose one of: {', '.join(sorted(MODELS))}") from None
    return factory(random_state=random_state, **options)
