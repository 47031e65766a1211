"""Relevance models follow scikit-learn's conventions and rank the relevant records of a toy corpus first."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone

from sysreview.errors import InputError
from sysreview.screening import (
    MODELS,
    EnsembleModel,
    LogisticModel,
    NaiveBayesModel,
    RelevanceModel,
    ScreeningData,
    SVMModel,
    TfidfFeatures,
    make_model,
    register_model,
)

TITLES = [
    "statin therapy lowers cholesterol in a randomised trial",
    "randomised trial of statin dose and cholesterol",
    "cholesterol lowering with statins: a randomised controlled trial",
    "bird migration over the north sea",
    "migration routes of sea birds",
    "the ecology of estuaries and their birds",
    "soil bacteria in estuaries",
    "north sea fisheries and birds",
]
LABELS = np.array([1, 1, 1, 0, 0, 0, 0, 0])


@pytest.fixture(scope="module")
def X() -> sparse.csr_matrix:
    return TfidfFeatures(min_df=1).fit_transform(ScreeningData.from_texts(TITLES, [""] * len(TITLES)))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fit_returns_self_and_ranks_relevant_first(name: str, X: sparse.csr_matrix) -> None:
    train = [0, 3, 4]  # one relevant, two irrelevant
    model = make_model(name, random_state=0)
    assert isinstance(model, RelevanceModel)
    assert model.fit(X[train], LABELS[train]) is model
    scores = model.decision_function(X)
    assert scores.shape == (8,)
    unlabelled = np.setdiff1d(np.arange(8), train)
    best_two = unlabelled[np.argsort(-scores[unlabelled])[:2]]
    assert set(best_two) == {1, 2}  # the two other statin trials
    assert scores[1] > 0 > scores[4]  # 0 is the boundary


@pytest.mark.parametrize("model", [SVMModel(C=0.5), LogisticModel(C=2.0), NaiveBayesModel(alpha=1.0), EnsembleModel()])
def test_scikit_learn_conventions(model: RelevanceModel, X: sparse.csr_matrix) -> None:
    """``__init__`` only stores (clone and get_params round-trip); learned state ends in ``_``."""
    copy = clone(model)
    assert copy.get_params() == model.get_params()  # type: ignore[attr-defined]
    assert not [k for k in vars(copy) if k.endswith("_")]
    copy.fit(X, LABELS)
    assert [k for k in vars(copy) if k.endswith("_") and not k.startswith("_")]
    with pytest.raises(Exception, match="not fitted"):
        clone(model).decision_function(X)


def test_seeded_models_are_reproducible(X: sparse.csr_matrix) -> None:
    a = SVMModel(random_state=3).fit(X, LABELS).decision_function(X)
    b = SVMModel(random_state=3).fit(X, LABELS).decision_function(X)
    np.testing.assert_array_equal(a, b)


def test_a_solver_stopped_early_is_noted_not_warned(X: sparse.csr_matrix) -> None:
    """``filterwarnings = error`` would turn liblinear's ConvergenceWarning into a failure; it is recorded instead."""
    model = LogisticModel(C=1e6, max_iter=1).fit(X, LABELS)
    assert model.converged_ is False
    assert SVMModel().fit(X, LABELS).converged_ is True


def test_ensemble_is_the_sum_of_standardised_member_scores(X: sparse.csr_matrix) -> None:
    svm, logistic = SVMModel(random_state=0).fit(X, LABELS), LogisticModel(random_state=0).fit(X, LABELS)
    ensemble = EnsembleModel((SVMModel(), LogisticModel()), weights=(2.0, 1.0), random_state=0).fit(X, LABELS)
    a, b = svm.decision_function(X), logistic.decision_function(X)
    np.testing.assert_allclose(ensemble.decision_function(X), 2 * a / a.std() + b / b.std(), rtol=1e-12)


def test_naive_bayes_score_is_the_log_odds(X: sparse.csr_matrix) -> None:
    model = NaiveBayesModel(alpha=1.0).fit(X, LABELS)
    proba = model.estimator_.predict_proba(X)
    np.testing.assert_allclose(model.decision_function(X), np.log(proba[:, 1] / proba[:, 0]), rtol=1e-9)


def test_registry_and_errors(X: sparse.csr_matrix) -> None:
    register_model("svm_strong", lambda random_state=None: SVMModel(C=10.0, random_state=random_state))
    try:
        model = make_model("svm_strong")
        assert isinstance(model, SVMModel)
        assert model.get_params()["C"] == 10.0
    finally:
        del MODELS["svm_strong"]
    with pytest.raises(InputError, match="unknown model 'bert'; choose one of: ensemble, logistic, nb, svm"):
        make_model("bert")
    with pytest.raises(InputError, match="at least one relevant and one irrelevant"):
        SVMModel().fit(X[:3], LABELS[:3])
    with pytest.raises(InputError, match="2 weights for 3 models"):
        EnsembleModel((SVMModel(), LogisticModel(), NaiveBayesModel()), weights=(1.0, 1.0)).fit(X, LABELS)
