"""The ranking model of a review project: the active learner behind :class:`sysreview.review.Ranker`.

A screening session (terminal loop or web pages) calls :meth:`ActiveRanker.rank` after every decision with the
records eligible at a stage and the reviewer's labels; the answer is the unlabelled records, most likely relevant
first, and an estimate of how many relevant records are still among them.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse
from scipy.special import expit, log_expit

from sysreview.errors import InputError
from sysreview.records import Record
from sysreview.review import LabelledRecords, Ranking
from sysreview.screening._data import ScreeningData
from sysreview.screening._features import FeatureExtractor, make_features
from sysreview.screening._learner import _featureless_rows
from sysreview.screening._models import MODELS, RelevanceModel, make_model
from sysreview.screening._query import QUERY_STRATEGIES, make_query_strategy

__all__ = ["ActiveRanker", "RelevantLeft", "default_ranker", "estimate_relevant_left", "record_texts"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: folds of the cross-validation whose out-of-fold scores calibrate the model (fewer when a class is smaller)
CALIBRATION_FOLDS = 5
#: feature matrices kept per ranker (one per stage and record set in use)
CACHE_SIZE = 4


def record_texts(record: Record) -> tuple[str, str]:
    """The title, and the abstract followed by the keywords, of ``record`` ("" where missing)."""
    abstract = record.abstract or ""
    if record.keywords:
        abstract = f"{abstract}\n\n{'; '.join(record.keywords)}".strip()
    return record.title or "", abstract


@dataclass(frozen=True, slots=True, kw_only=True)
class RelevantLeft:
    """An estimate of the relevant records among the unlabelled ones, and the calibration behind it."""

    estimate: float
    """``min(calibrated, bound)``: the expected count, capped by the prevalence bound."""
    calibrated: float
    """Sum of the calibrated probabilities of relevance of the unlabelled records."""
    bound: float
    """Share of relevant records among the labelled ones times the unlabelled records."""
    slope: float
    """Platt scaling P(relevant | score s) = 1 / (1 + exp(-(slope · s + intercept)))."""
    intercept: float
    folds: int
    """Folds of the cross-validation that gave the labelled records' out-of-fold scores."""


def _platt(scores: FloatArray, labels: IntArray) -> tuple[float, float]:
    """Slope and intercept of Platt scaling, fitted by maximum likelihood with Platt's smoothed targets.

    The targets are (N₊ + 1)/(N₊ + 2) for the relevant and 1/(N₋ + 2) for the irrelevant records, which keeps
    the slope finite when the scores separate the classes (Platt 1999; Lin, Lin & Weng 2007).
    """
    n_pos = int(labels.sum())
    n_neg = labels.size - n_pos
    target = np.where(labels == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    scale = float(scores.std()) or 1.0
    z = scores / scale

    def loss(params: FloatArray) -> tuple[float, FloatArray]:
        a, b = params
        f = a * z + b
        value = -float(np.sum(target * log_expit(f) + (1 - target) * log_expit(-f)))
        residual = expit(f) - target
        return value, np.array([float(residual @ z), float(residual.sum())])

    start = np.array([1.0, float(np.log((n_pos + 1) / (n_neg + 1)))])
    result = optimize.minimize(loss, start, jac=True, method="L-BFGS-B")
    a, b = (float(v) for v in result.x)
    return a / scale, b


def estimate_relevant_left(
    X: Any,
    labelled: npt.ArrayLike,
    labels: npt.ArrayLike,
    unlabelled: npt.ArrayLike,
    *,
    model: str | RelevanceModel = "svm",
    random_state: int = 0,
) -> RelevantLeft | None:
    """Expected number of relevant records among the unlabelled: the sum of their calibrated probabilities.

    The relevance model's scores are turned into probabilities by Platt scaling: a logistic regression of the
    label on the score. It is fitted on *out-of-fold* scores of the labelled records (stratified k-fold,
    k = min(5, relevant, irrelevant): each record scored by a model that did not see it), because in-sample scores
    of a high-dimensional text model separate the classes perfectly and would calibrate to 0/1. The probabilities
    of the unlabelled records come from their scores under the model fitted on every label
    (``unlabelled_scores``), and their sum is the expected count (a sum of Bernoulli means; Forman 2008 calls it
    "probability averaging" for quantification). Screening in ranked order selects records by score, a shift of
    the score distribution that leaves P(relevant | score) unchanged, which is what the calibration assumes.
    The count is capped by the share of relevant records among the labelled ones times the unlabelled records:
    if the ranking is at least as good as random, the unlabelled records are no richer in relevant ones than the
    screened (the assumption behind Callaghan & Müller-Hansen's stopping test, ``hypergeometric_pvalue``).

    Accuracy: the out-of-fold models learn from 4/5 of the labels, so their scores separate the classes less well
    than the full model's and the calibration is too flat while few relevant records are known: early in a
    screening the estimate is too high (conservative: it says "keep screening"). On Cohen 2006 Antihistamines
    (310 records) it is 3–5 times the truth before a third of the records are screened and within 1.5 records of
    it from 55 % on (tests/screening/test_ranker.py states the bands); on the sparse ACE inhibitors set (2,544
    records, 1.6 % relevant) it was 620 for 13 left after 102 records, 33 for 7 after 302, 11 for 2 after 602.
    Treat it as a guide, not a stopping rule: the stopping rules with a recall guarantee are in ``STOPPING_RULES``.

    Parameters
    ----------
    X
        Feature matrix of every record (rows).
    labelled
        Rows of ``X`` that are labelled (records without features left out: they carry no score information).
    labels
        Their labels, 1 relevant and 0 irrelevant.
    unlabelled
        Rows of ``X`` that are not labelled.
    model
        The relevance model (name in ``MODELS`` or an unfitted model) refitted on each fold.
    random_state
        Seeds the folds and the models.

    Returns
    -------
    RelevantLeft or None
        None when fewer than two relevant or two irrelevant records are labelled (no cross-validation possible).

    References
    ----------
    Callaghan MW, Müller-Hansen F (2020). Statistical stopping criteria for automated screening in systematic
    reviews. Systematic Reviews 9:273. doi:10.1186/s13643-020-01521-4
    Platt JC (1999). Probabilistic outputs for support vector machines and comparisons to regularized likelihood
    methods. In: Advances in Large Margin Classifiers, MIT Press, 61–74.
    Lin HT, Lin CJ, Weng RC (2007). A note on Platt's probabilistic outputs for support vector machines. Machine
    Learning 68:267–276. doi:10.1007/s10994-007-5018-6
    Forman G (2008). Quantifying counts and costs via classification. Data Mining and Knowledge Discovery
    17:164–206. doi:10.1007/s10618-008-0097-y
    """
    from sklearn.base import clone  # noqa: PLC0415 (scikit-learn is loaded with this package anyway)
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415

    rows = np.asarray(labelled, dtype=np.intp)
    y = np.asarray(labels, dtype=np.int64)
    left = np.asarray(unlabelled, dtype=np.intp)
    n_pos = int(y.sum())
    folds = min(CALIBRATION_FOLDS, n_pos, y.size - n_pos)
    if folds < 2:
        return None
    out_of_fold = np.empty(y.size)
    left_scores = np.empty((folds, left.size))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    for k, (train, test) in enumerate(splitter.split(np.zeros(y.size), y)):
        fold_model = (make_model(model, random_state=random_state) if isinstance(model, str) else clone(model)).fit(
            X[rows[train]], y[train]
        )
        out_of_fold[test] = fold_model.decision_function(X[rows[test]])
        left_scores[k] = fold_model.decision_function(X[left])
    slope, intercept = _platt(out_of_fold, y)
    calibrated = float(expit(slope * left_scores + intercept).mean(axis=0).sum())
    # the ranking is at least as good as random: the unlabelled are no richer in relevant records than the labelled
    bound = n_pos / y.size * left.size
    return RelevantLeft(
        estimate=min(calibrated, bound),
        calibrated=calibrated,
        bound=bound,
        slope=slope,
        intercept=intercept,
        folds=folds,
    )


@dataclass(slots=True)
class _Cached:
    X: Any
    featureless: npt.NDArray[np.bool_]


class ActiveRanker:
    """Ranks a stage's unlabelled records by a relevance model refitted on the labels: the project's ranker.

    The defaults are those of :func:`sysreview.screening.simulate` and ``benchmarks/screening.py`` (TF-IDF of
    title and abstract, linear SVM, most likely relevant first). The text of a record is its title, abstract and
    keywords (:func:`record_texts`). The feature matrix is computed once per set of records and kept (keyed on
    the record keys and a digest of their texts), so that a call after each decision costs one refit.

    The order:

    - with at least one included and one excluded record (among those with text), the model's scores under the
      query strategy (``Ranking.model`` names the model, e.g. ``"svm (active learning)"``);
    - with included records only, cosine similarity of the TF-IDF rows to the centroid of the included records
      (``"similarity to the included records"``);
    - with nothing included yet, file order (``"file order (nothing included yet)"``).

    Records without title, abstract and keywords cannot be scored: they come last, in file order. Equal scores
    keep file order (stable sorts), and the mixed strategy's random picks are drawn from a generator seeded with
    ``random_state`` afresh at every call: the same labels give the same order.

    ``Ranking.relevant_left`` is :func:`estimate_relevant_left` (the sum of the Platt-calibrated probabilities of
    the unlabelled records, calibrated on out-of-fold scores), or None while fewer than two relevant or two
    irrelevant records are labelled.

    Parameters
    ----------
    model
        Name in ``MODELS`` (``svm``, ``logistic``, ``nb``, ``ensemble``).
    query
        Name in ``QUERY_STRATEGIES`` (``max``, ``uncertainty``, ``mixed``, ``random``).
    features
        Name in ``FEATURES`` (``tfidf``; ``embeddings`` needs an optional package) or an extractor.
    estimate
        Whether to estimate the relevant records left (costs up to five extra fits per call).
    random_state
        Seed of the model, the folds of the estimate and the random picks of a query strategy.
    """

    def __init__(
        self,
        *,
        model: str = "svm",
        query: str = "max",
        features: str | FeatureExtractor = "tfidf",
        estimate: bool = True,
        random_state: int = 0,
    ) -> None:
        if model not in MODELS:
            raise InputError(f"unknown model {model!r}; choose one of: {', '.join(sorted(MODELS))}")
        if query not in QUERY_STRATEGIES:
            raise InputError(f"unknown query strategy {query!r}; choose one of: {', '.join(sorted(QUERY_STRATEGIES))}")
        self.model = model
        self.query = query
        self.features = features
        self.estimate = estimate
        self.random_state = random_state
        self._cache: OrderedDict[tuple[tuple[str, ...], str], _Cached] = OrderedDict()
        self._lock = threading.Lock()

    def features_of(self, data: LabelledRecords) -> Any:
        """The feature matrix of ``data.records`` (one row per record), computed once per set of records."""
        return self._features(data).X

    def _features(self, data: LabelledRecords) -> _Cached:
        texts = [record_texts(record) for record in data.records]
        digest = hashlib.blake2b(digest_size=16)
        for title, abstract in texts:
            digest.update(title.encode("utf-8", "surrogatepass") + b"\x00")
            digest.update(abstract.encode("utf-8", "surrogatepass") + b"\x01")
        key = (data.records.ids, digest.hexdigest())
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        extractor = make_features(self.features) if isinstance(self.features, str) else self.features
        screening = ScreeningData(titles=tuple(t for t, _ in texts), abstracts=tuple(a for _, a in texts))
        if any(title or abstract for title, abstract in texts):
            X = extractor.fit_transform(screening)
        else:  # no words at all: nothing to learn from, every record is featureless
            X = sparse.csr_matrix((len(texts), 1))
        cached = _Cached(X=X, featureless=_featureless_rows(X))
        with self._lock:
            self._cache[key] = cached
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return cached

    def rank(self, data: LabelledRecords) -> Ranking:
        """The unlabelled records of ``data``, most likely relevant first, and the relevant records expected."""
        if len(data.labels) != len(data.records):
            raise InputError(f"{len(data.labels)} labels for {len(data.records)} records")
        ids = data.records.ids
        labels = np.array([-1 if label is None else int(label) for label in data.labels], dtype=np.int64)
        if not np.isin(labels, (-1, 0, 1)).all():
            raise InputError("labels must be 1 (include), 0 (exclude) or None")
        unlabelled = np.flatnonzero(labels < 0)
        if unlabelled.size == 0:
            return Ranking(order=(), relevant_left=0.0, model="nothing left to rank")
        cached = self._features(data)
        X, featureless = cached.X, cached.featureless
        informative = np.flatnonzero((labels >= 0) & ~featureless)
        y = labels[informative]
        scored = unlabelled[~featureless[unlabelled]]
        blank = unlabelled[featureless[unlabelled]]
        n_pos = int(y.sum())
        relevant_left: float | None = None
        if n_pos and n_pos < y.size and scored.size:
            fitted = make_model(self.model, random_state=self.random_state).fit(X[informative], y)
            scores = np.asarray(fitted.decision_function(X[scored]), dtype=np.float64)
            rng = np.random.default_rng(self.random_state)
            picks = make_query_strategy(self.query).select(scores, scores.size, rng)
            ranked = scored[picks]
            how = f"{self.model} (active learning)"
            if self.estimate:
                found = estimate_relevant_left(
                    X, informative, y, unlabelled, model=self.model, random_state=self.random_state
                )
                relevant_left = found.estimate if found is not None else None
        elif n_pos:
            centroid = np.asarray(X[informative[y == 1]].mean(axis=0)).ravel()
            similarity = np.asarray(X[scored] @ centroid, dtype=np.float64).ravel()
            ranked = scored[np.argsort(-similarity, kind="stable")]
            how = "similarity to the included records"
        else:
            ranked = scored
            how = "file order (nothing included yet)"
        order = tuple(ids[i] for i in (*ranked.tolist(), *blank.tolist()))
        return Ranking(order=order, relevant_left=relevant_left, model=how)


def default_ranker(
    *,
    model: str = "svm",
    query: str = "max",
    estimate: bool = True,
    random_state: int = 0,
) -> ActiveRanker:
    """The ranking model a review project uses by default: :class:`ActiveRanker` with the engine's defaults.

    Cheap to build (nothing is computed until the first :meth:`ActiveRanker.rank`); one instance may serve many
    sessions (its feature cache is shared and thread-safe).
    """
    return ActiveRanker(model=model, query=query, estimate=estimate, random_state=random_state)
