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
from scipy.special import expit, log_expit, logsumexp

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


def _calibrated_posteriors(
    X: Any, rows: IntArray, y: IntArray, left: IntArray, *, model: str | RelevanceModel, random_state: int
) -> tuple[FloatArray, float, float, int] | None:
    """Platt-calibrated probabilities of relevance of the ``left`` rows (mean over the fold models), the slope and
    intercept of the calibration (fitted on out-of-fold scores of the labelled rows) and the number of folds; None
    when fewer than two relevant or two irrelevant records are labelled."""
    from sklearn.base import clone  # noqa: PLC0415 (scikit-learn is loaded with this package anyway)
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415

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
    return np.asarray(expit(slope * left_scores + intercept).mean(axis=0), dtype=np.float64), slope, intercept, folds


def estimate_relevant_left(
    X: Any,
    labelled: npt.ArrayLike,
    labels: npt.ArrayLike,
    unlabelled: npt.ArrayLike,
    *,
    model: str | RelevanceModel = "svm",
    random_state: int = 0,
) -> RelevantLeft | None:
    """The ``"calibrated"`` estimator: the sum of the calibrated probabilities of the unlabelled records, capped.

    The relevance model's scores are turned into probabilities by Platt scaling: a logistic regression of the
    label on the score. It is fitted on *out-of-fold* scores of the labelled records (stratified k-fold,
    k = min(5, relevant, irrelevant): each record scored by a model that did not see it), because in-sample scores
    of a high-dimensional text model separate the classes perfectly and would calibrate to 0/1. The probability of
    an unlabelled record is the mean over the fold models of its calibrated score, and their sum is the expected
    count (a sum of Bernoulli means; Forman 2008 calls it "probability averaging" for quantification). The count
    is capped by the share of relevant records among the labelled ones times the unlabelled records: if the
    ranking is at least as good as random, the unlabelled records are no richer in relevant ones than the screened
    (the assumption behind Callaghan & Müller-Hansen's stopping test, ``hypergeometric_pvalue``).

    Accuracy: active learning labels mostly high-score records, so the calibration curve is extrapolated, flat,
    at the low scores of most unlabelled records, and the estimate is far too high early in a screening of a large
    sparse set (ACE inhibitors, 2,544 records, 1.6 % relevant: 620 for 13 left after 102 records). It is no longer
    the default of :class:`ActiveRanker` (see ``ESTIMATORS`` and benchmarks/results/relevant_left.md).

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
    rows = np.asarray(labelled, dtype=np.intp)
    y = np.asarray(labels, dtype=np.int64)
    left = np.asarray(unlabelled, dtype=np.intp)
    found = _calibrated_posteriors(X, rows, y, left, model=model, random_state=random_state)
    if found is None:
        return None
    probabilities, slope, intercept, folds = found
    calibrated = float(probabilities.sum())
    # the ranking is at least as good as random: the unlabelled are no richer in relevant records than the labelled
    bound = int(y.sum()) / y.size * left.size
    return RelevantLeft(
        estimate=min(calibrated, bound),
        calibrated=calibrated,
        bound=bound,
        slope=slope,
        intercept=intercept,
        folds=folds,
    )


def saerens_prior(
    posteriors: npt.ArrayLike, prior: float, *, tol: float = 1e-9, max_iter: int = 2000
) -> tuple[float, FloatArray]:
    """EM adjustment of posterior probabilities to a new class prior (Saerens, Latinne & Decaestecker 2002).

    ``posteriors`` are P(relevant | x) under the training prior ``prior``; on a set whose prior π is unknown but
    whose P(x | class) is unchanged, EM alternates
    p⁽ˢ⁾ᵢ = (π⁽ˢ⁾/π₀)·pᵢ / ((π⁽ˢ⁾/π₀)·pᵢ + ((1 − π⁽ˢ⁾)/(1 − π₀))·(1 − pᵢ)) and π⁽ˢ⁺¹⁾ = mean(p⁽ˢ⁾ᵢ), from
    π⁽⁰⁾ = π₀, to the maximum-likelihood prior. Returns the prior and the adjusted posteriors.

    Saerens M, Latinne P, Decaestecker C (2002). Adjusting the outputs of a classifier to new a priori
    probabilities: a simple procedure. Neural Computation 14:21–41. doi:10.1162/089976602753284446
    """
    p = np.clip(np.asarray(posteriors, dtype=np.float64), 1e-12, 1 - 1e-12)
    base = min(max(float(prior), 1e-12), 1 - 1e-12)
    current = base
    adjusted = p
    for _ in range(max_iter):
        up, down = current / base, (1 - current) / (1 - base)
        adjusted = up * p / (up * p + down * (1 - p))
        updated = float(adjusted.mean())
        converged = abs(updated - current) < tol
        current = updated
        if converged:
            break
    up, down = current / base, (1 - current) / (1 - base)
    return current, up * p / (up * p + down * (1 - p))


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveryCurve:
    """A Poisson process fitted to the relevant records found in screening order: rate λ(t) = A·exp(−β·φ(t)) at
    the t-th record screened, φ(t) = t (``"exponential"``: exponentially decaying rate) or log t (``"power"``:
    λ = A·t^(−β))."""

    shape: str
    rate: float
    """A: the rate at t = 0 (exponential) or t = 1 (power)."""
    decay: float
    """β ≥ 0 (0: a constant rate, as in random screening)."""
    screened: int
    found: int

    def expected(self, unscreened: int) -> float:
        """Relevant records expected among the next ``unscreened`` records: Σₜ λ(t), t = n + 1 … n + unscreened."""
        if unscreened <= 0 or self.rate == 0:
            return 0.0
        t = np.arange(self.screened + 1, self.screened + unscreened + 1, dtype=np.float64)
        phi = t if self.shape == "exponential" else np.log(t)
        return float(np.exp(np.log(self.rate) + logsumexp(-self.decay * phi)))


#: the largest decay rate fitted (exp(−β·φ) underflows long before; all found records first gives β = ∞)
MAX_DECAY = 50.0


def fit_discovery_curve(found: npt.ArrayLike, *, shape: str = "exponential", z: float = 0.0) -> DiscoveryCurve | None:
    """Maximum-likelihood fit of a Poisson process with a decaying rate to the relevant records found in screening
    order (``found[t - 1]`` is 1 when the t-th record screened was relevant); None when nothing was found.

    The log-likelihood of the counts xₜ ~ Poisson(λₜ), λₜ = A·e^(−β·φₜ), is Σ xₜ log λₜ − Σ λₜ. For a given β it
    is largest at A(β) = K / Σₜ e^(−β·φₜ) (K relevant found), and the profile likelihood's score is zero where
    the mean of φ under the weights e^(−β·φₜ) equals the mean φ of the relevant records found: a monotone
    equation in β, solved by bracketing on [0, ``MAX_DECAY``]; β = 0 (a constant rate, estimate = prevalence of
    the screened × unscreened) when the relevant records came no earlier than at random. With ``z`` > 0, β is the
    lower end of the profile-likelihood interval (the β < β̂ where the log-likelihood is z²/2 below its maximum):
    a slower decay, hence more relevant records expected, for a one-sided bound at level Φ(z).

    Sneyd A, Stevenson M (2021). Modelling stopping criteria for search results using Poisson processes. EMNLP
    2021, 3484–3491. doi:10.18653/v1/2021.emnlp-main.281
    Stevenson M, Bin-Hezam R (2024). Stopping methods for technology-assisted reviews based on point processes.
    ACM Transactions on Information Systems 42(3):73. doi:10.1145/3631990
    """
    if shape not in ("exponential", "power"):
        raise InputError(f"unknown rate shape {shape!r}; choose one of: exponential, power")
    x = np.asarray(found, dtype=np.float64)
    n, k = x.size, float(x.sum())
    if k == 0:
        return None
    t = np.arange(1, n + 1, dtype=np.float64)
    phi = t if shape == "exponential" else np.log(t)
    target = float(x @ phi) / k

    def weighted_mean(beta: float) -> float:
        w = np.exp(-beta * (phi - phi[0]))
        return float(w @ phi / w.sum())

    def loglik(beta: float) -> float:
        return float(k * (np.log(k) - logsumexp(-beta * phi)) - beta * k * target - k)

    if target >= weighted_mean(0.0):
        beta = 0.0
    elif weighted_mean(MAX_DECAY) >= target:
        beta = MAX_DECAY
    else:
        beta = float(optimize.brentq(lambda b: weighted_mean(b) - target, 0.0, MAX_DECAY, xtol=1e-12))
    if z > 0 and beta > 0:
        drop = z * z / 2
        top = loglik(beta)
        if top - loglik(0.0) <= drop:
            beta = 0.0
        else:
            beta = float(optimize.brentq(lambda b: top - loglik(b) - drop, 0.0, beta, xtol=1e-12))
    rate = float(np.exp(np.log(k) - logsumexp(-beta * phi)))
    return DiscoveryCurve(shape=shape, rate=rate, decay=beta, screened=n, found=int(k))


def elkan_noto(
    X: Any, positives: npt.ArrayLike, unlabelled: npt.ArrayLike, *, random_state: int = 0
) -> tuple[float, FloatArray] | None:
    """Positive-unlabelled estimate of the relevant records among the unlabelled (Elkan & Noto 2008).

    A logistic regression g(x) ≈ P(labelled relevant | x) is fitted on the relevant records (s = 1) against the
    unlabelled (s = 0, not assumed irrelevant); c = P(s = 1 | relevant) is the mean of g over relevant records held
    out of the fit (k-fold, k = min(5, relevant)); an unlabelled record is relevant with probability
    w(x) = (1 − c)/c · g(x)/(1 − g(x)) (their eq. for P(y = 1 | x, s = 0)), clipped to [0, 1]. Returns c and the w.
    None with fewer than two relevant records. Assumes the relevant records were labelled completely at random
    among the relevant ones, which screening in ranked order violates (the easy ones are found first).

    Elkan C, Noto K (2008). Learning classifiers from only positive and unlabeled data. KDD 2008, 213–220.
    doi:10.1145/1401890.1401920
    """
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415
    from sklearn.model_selection import KFold  # noqa: PLC0415

    pos = np.asarray(positives, dtype=np.intp)
    left = np.asarray(unlabelled, dtype=np.intp)
    folds = min(CALIBRATION_FOLDS, pos.size)
    if folds < 2 or left.size == 0:
        return None
    held_out = np.empty(pos.size)
    g_left = np.zeros(left.size)
    splitter = KFold(n_splits=folds, shuffle=True, random_state=random_state)
    for train, test in splitter.split(pos):
        rows = np.concatenate([pos[train], left])
        s = np.concatenate([np.ones(train.size, dtype=np.int64), np.zeros(left.size, dtype=np.int64)])
        fitted = LogisticRegression(C=1.0, solver="liblinear").fit(X[rows], s)
        held_out[test] = fitted.predict_proba(X[pos[test]])[:, 1]
        g_left += fitted.predict_proba(X[left])[:, 1] / folds
    c = float(held_out.mean())
    g = np.clip(g_left, 0.0, 1 - 1e-12)
    return c, np.clip((1 - c) / c * g / (1 - g), 0.0, 1.0)


#: one-sided level of the ``"decay-upper"`` estimate: z of the profile-likelihood bound on the decay rate
DECAY_UPPER_Z = 1.645

#: estimators of the relevant records left (``ActiveRanker(estimate=...)``), by name
ESTIMATORS: dict[str, str] = {
    "calibrated": "sum of Platt-calibrated out-of-fold probabilities, capped by labelled prevalence × unlabelled",
    "em": "calibrated probabilities adjusted to the unlabelled records' prior by EM (Saerens et al. 2002)",
    "pu": "positive-unlabelled weighting (Elkan & Noto 2008)",
    "decay": "Poisson process with an exponentially decaying rate fitted to the screening sequence (needs it)",
    "decay-upper": "as 'decay', with the decay rate at the lower end of its profile-likelihood interval",
    "power": "Poisson process with a power-law rate fitted to the screening sequence (needs it)",
    "combined": "the smaller of 'calibrated' and 'decay-upper' (needs the sequence)",
}
#: estimators that need the order of the decisions (``LabelledRecords.sequence``)
SEQUENCE_ESTIMATORS = frozenset({"decay", "decay-upper", "power", "combined"})
#: the estimator behind ``Ranking.relevant_left`` by default
DEFAULT_ESTIMATE = "combined"
#: what a sequence estimator falls back to when the order of the decisions is unknown
FALLBACK_ESTIMATE = "calibrated"


def relevant_left_estimates(
    X: Any,
    labelled: npt.ArrayLike,
    labels: npt.ArrayLike,
    unlabelled: npt.ArrayLike,
    *,
    discovery: npt.ArrayLike | None = None,
    unscreened: int | None = None,
    estimators: tuple[str, ...] = tuple(ESTIMATORS),
    model: str | RelevanceModel = "svm",
    random_state: int = 0,
) -> dict[str, float | None]:
    """Every estimator in ``estimators`` (names in ``ESTIMATORS``) of the relevant records among the unlabelled.

    ``labelled``, ``labels`` and ``unlabelled`` are as in :func:`estimate_relevant_left`; ``discovery`` is the
    labels of every screened record in screening order (1 relevant) and ``unscreened`` the records not screened
    (default: ``len(unlabelled)``), for the sequence estimators (None without ``discovery``). A value is None
    where the estimator has too little to go on.
    """
    unknown = [name for name in estimators if name not in ESTIMATORS]
    if unknown:
        raise InputError(f"unknown estimator {unknown[0]!r}; choose one of: {', '.join(ESTIMATORS)}")
    rows = np.asarray(labelled, dtype=np.intp)
    y = np.asarray(labels, dtype=np.int64)
    left = np.asarray(unlabelled, dtype=np.intp)
    remaining = left.size if unscreened is None else int(unscreened)
    out: dict[str, float | None] = dict.fromkeys(estimators)
    if remaining == 0 or left.size == 0:
        return dict.fromkeys(estimators, 0.0)
    wanted = set(estimators)
    if "combined" in wanted and discovery is not None:
        wanted |= {"calibrated", "decay-upper"}
    out = dict.fromkeys(wanted)
    if {"calibrated", "em"} & wanted:
        found = _calibrated_posteriors(X, rows, y, left, model=model, random_state=random_state)
        if found is not None:
            probabilities = found[0]
            bound = int(y.sum()) / y.size * left.size
            if "calibrated" in out:
                out["calibrated"] = min(float(probabilities.sum()), bound)
            if "em" in out:
                out["em"] = float(saerens_prior(probabilities, float(y.mean()))[1].sum())
    if "pu" in out:
        weighted = elkan_noto(X, rows[y == 1], left, random_state=random_state)
        out["pu"] = float(weighted[1].sum()) if weighted is not None else None
    if discovery is not None:
        for name, shape, z in (
            ("decay", "exponential", 0.0),
            ("decay-upper", "exponential", DECAY_UPPER_Z),
            ("power", "power", 0.0),
        ):
            if name in out:
                curve = fit_discovery_curve(discovery, shape=shape, z=z)
                out[name] = min(curve.expected(remaining), float(remaining)) if curve is not None else None
    if "combined" in out and out["calibrated"] is not None and out["decay-upper"] is not None:
        out["combined"] = min(out["calibrated"], out["decay-upper"])
    return {name: out[name] for name in estimators}


def discovery_sequence(ids: tuple[str, ...], labels: npt.ArrayLike, sequence: tuple[str, ...]) -> IntArray | None:
    """The labels (1 relevant, 0 irrelevant) of the labelled records in the order they were labelled, for the
    sequence estimators: labelled keys missing from ``sequence`` first (their order is unknown: priors, imported
    labels), then ``sequence`` (unknown and unlabelled keys and repeats skipped). None when ``sequence`` is empty.

    ``labels[i]`` is the label of ``ids[i]`` (-1: unlabelled).
    """
    if not sequence:
        return None
    values = np.asarray(labels, dtype=np.int64)
    index = {key: i for i, key in enumerate(ids)}
    seen: dict[int, None] = {}
    for key in sequence:
        i = index.get(key)
        if i is not None and values[i] >= 0:
            seen.setdefault(i, None)
    missing = [i for i in np.flatnonzero(values >= 0).tolist() if i not in seen]
    return values[np.array([*missing, *seen], dtype=np.intp)]


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

    ``Ranking.relevant_left`` is the estimator named by ``estimate`` (``ESTIMATORS``; None: no estimate). The
    default, ``"combined"``, is the smaller of two estimates. ``"decay-upper"`` models the discovery curve of the
    screening so far (``LabelledRecords.sequence``) as a Poisson process with rate λ(t) = A·exp(−β·t) at the t-th
    record screened (Sneyd & Stevenson 2021; Stevenson & Bin-Hezam 2024): A and β by maximum likelihood
    (:func:`fit_discovery_curve`), β then lowered to the end of its one-sided 95 % profile-likelihood interval
    (z = 1.645: a slower decay, more records expected); the estimate is Σ λ(t) over the records not screened, at
    most the prevalence of the screened records times the unscreened (β = 0). ``"calibrated"``
    (:func:`estimate_relevant_left`) sums Platt-calibrated out-of-fold probabilities. Without a sequence the
    sequence estimators fall back to ``"calibrated"``. Every estimator gives None while fewer than two relevant or
    two irrelevant records are labelled.

    Measured accuracy (``tools/relevant_left_eval.py``, benchmarks/results/relevant_left.md: replays of the 17
    labelled synergy-legacy sets in the ranker's order, seeds 1–3, checkpoints at 5–50 % screened and 80/95 %
    recall; chosen on the 14 Cohen sets, confirmed on Bannach-Brown, Kitchenham and Nagtegaal): ``"combined"`` is
    within a factor 2 of the truth (±2 records when ≤ 3 left) at 40 % of the tuning and 31 % of the held-out
    checkpoints and rounds below the truth at 24 % / 17 % of them (median estimate/truth 2.3 / 3.8); the old
    default ``"calibrated"``: within at 23 % / 6 %, below at 9 % / 2 %, median ratio 4.0 / 9.9. Early in a large
    sparse screening both can still be hundreds of records too high, and late the decay model can say 0 with 2
    left: a guide, not a stopping rule (those are in ``STOPPING_RULES``).

    Parameters
    ----------
    model
        Name in ``MODELS`` (``svm``, ``logistic``, ``nb``, ``ensemble``).
    query
        Name in ``QUERY_STRATEGIES`` (``max``, ``uncertainty``, ``mixed``, ``random``).
    features
        Name in ``FEATURES`` (``tfidf``; ``embeddings`` needs an optional package) or an extractor.
    estimate
        Name in ``ESTIMATORS`` of the estimator of the relevant records left, or None for none (True: the default,
        False: none). ``calibrated``, ``em`` and ``combined`` cost five extra fits per call, ``pu`` five logistic
        regressions on every unlabelled record; the sequence estimators cost one 1-D root finding.
    random_state
        Seed of the model, the folds of the estimate and the random picks of a query strategy.
    """

    def __init__(
        self,
        *,
        model: str = "svm",
        query: str = "max",
        features: str | FeatureExtractor = "tfidf",
        estimate: str | bool | None = DEFAULT_ESTIMATE,
        random_state: int = 0,
    ) -> None:
        if estimate is True:
            estimate = DEFAULT_ESTIMATE
        elif estimate is False:
            estimate = None
        if estimate is not None and estimate not in ESTIMATORS:
            raise InputError(f"unknown estimate {estimate!r}; choose one of: {', '.join(ESTIMATORS)}")
        if model not in MODELS:
            raise InputError(f"unknown model {model!r}; choose one of: {', '.join(sorted(MODELS))}")
        if query not in QUERY_STRATEGIES:
            raise InputError(f"unknown query strategy {query!r}; choose one of: {', '.join(sorted(QUERY_STRATEGIES))}")
        self.model = model
        self.query = query
        self.features = features
        self.estimate: str | None = estimate
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

    def _relevant_left(
        self,
        name: str,
        data: LabelledRecords,
        *,
        labels: IntArray,
        X: Any,
        informative: IntArray,
        y: IntArray,
        unlabelled: IntArray,
    ) -> float | None:
        n_pos = int(y.sum())
        if min(n_pos, y.size - n_pos) < 2:  # one relevant or one irrelevant record: too little for any estimate
            return None
        discovery = discovery_sequence(data.records.ids, labels, data.sequence)
        if name in SEQUENCE_ESTIMATORS and discovery is None:
            name = FALLBACK_ESTIMATE
        found = relevant_left_estimates(
            X,
            informative,
            y,
            unlabelled,
            discovery=discovery,
            estimators=(name,),
            model=self.model,
            random_state=self.random_state,
        )
        return found[name]

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
            if self.estimate is not None:
                relevant_left = self._relevant_left(
                    self.estimate, data, labels=labels, X=X, informative=informative, y=y, unlabelled=unlabelled
                )
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
    estimate: str | bool | None = DEFAULT_ESTIMATE,
    random_state: int = 0,
) -> ActiveRanker:
    """The ranking model a review project uses by default: :class:`ActiveRanker` with the engine's defaults.

    Cheap to build (nothing is computed until the first :meth:`ActiveRanker.rank`); one instance may serve many
    sessions (its feature cache is shared and thread-safe).
    """
    return ActiveRanker(model=model, query=query, estimate=estimate, random_state=random_state)
