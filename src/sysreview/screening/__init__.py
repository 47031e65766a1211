"""Title/abstract screening: active learning that ranks records by predicted relevance, stopping rules, simulation.

The pieces are registered by name behind one-method interfaces: feature extractors (``fit_transform``),
relevance models (scikit-learn classifiers with ``fit``/``decision_function``), query strategies (``select``) and
stopping rules (``should_stop``). ``default_ranker()`` is the ranking model of a review project (a
``sysreview.review.Ranker``: labelled records in, an order and an estimate of the relevant records left out).
``simulate`` replays a fully labelled set to measure how early the relevant
records come; ``sysreview.screening.metrics`` holds the metrics.

scikit-learn is imported here, so the command line imports this package inside its commands only.
"""

from __future__ import annotations

from sysreview.screening import metrics
from sysreview.screening._data import LABEL_COLUMNS, ScreeningData, duplicate_groups, read_labelled_csv
from sysreview.screening._features import (
    FEATURES,
    FeatureExtractor,
    SentenceEmbeddings,
    TfidfFeatures,
    make_features,
    register_features,
)
from sysreview.screening._learner import ActiveLearner, RefitSchedule
from sysreview.screening._models import (
    MODELS,
    EnsembleModel,
    LogisticModel,
    NaiveBayesModel,
    RelevanceModel,
    SVMModel,
    make_model,
    register_model,
)
from sysreview.screening._query import (
    QUERY_STRATEGIES,
    MaxQuery,
    MixedQuery,
    QueryStrategy,
    RandomQuery,
    UncertaintyQuery,
    make_query_strategy,
    register_query_strategy,
)
from sysreview.screening._ranker import (
    ESTIMATORS,
    ActiveRanker,
    DiscoveryCurve,
    RelevantLeft,
    default_ranker,
    estimate_relevant_left,
    fit_discovery_curve,
    relevant_left_estimates,
)
from sysreview.screening._simulate import (
    DEFAULT_STOPPING_RULES,
    SimulationResult,
    StopPoint,
    simulate,
    stopping_points,
)
from sysreview.screening._stopping import (
    STOPPING_RULES,
    ConsecutiveIrrelevantRule,
    FractionScreenedRule,
    HypergeometricRule,
    StoppingRule,
    hypergeometric_pvalue,
    make_stopping_rule,
    register_stopping_rule,
)
from sysreview.screening.metrics import ScreeningMetrics

__all__ = [
    "DEFAULT_STOPPING_RULES",
    "ESTIMATORS",
    "FEATURES",
    "LABEL_COLUMNS",
    "MODELS",
    "QUERY_STRATEGIES",
    "STOPPING_RULES",
    "ActiveLearner",
    "ActiveRanker",
    "ConsecutiveIrrelevantRule",
    "DiscoveryCurve",
    "EnsembleModel",
    "FeatureExtractor",
    "FractionScreenedRule",
    "HypergeometricRule",
    "LogisticModel",
    "MaxQuery",
    "MixedQuery",
    "NaiveBayesModel",
    "QueryStrategy",
    "RandomQuery",
    "RefitSchedule",
    "RelevanceModel",
    "RelevantLeft",
    "SVMModel",
    "ScreeningData",
    "ScreeningMetrics",
    "SentenceEmbeddings",
    "SimulationResult",
    "StopPoint",
    "StoppingRule",
    "TfidfFeatures",
    "UncertaintyQuery",
    "default_ranker",
    "duplicate_groups",
    "estimate_relevant_left",
    "fit_discovery_curve",
    "hypergeometric_pvalue",
    "make_features",
    "make_model",
    "make_query_strategy",
    "make_stopping_rule",
    "metrics",
    "read_labelled_csv",
    "register_features",
    "register_model",
    "register_query_strategy",
    "register_stopping_rule",
    "relevant_left_estimates",
    "simulate",
    "stopping_points",
]
