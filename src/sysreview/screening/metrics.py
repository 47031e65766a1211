"""Performance metrics of a screening order: WSS@r, RRF@x, ATD, loss and NDCG, with ASReview's conventions.

Every function takes ``labels``, the relevance (0/1) of the records in the order they were screened, *without*
the prior records the model started from, and ``n_records`` (N′), the number of records there were to screen
(the data set less the prior records). The sequence is zero-padded to N′: a simulation stops when the last
relevant record is found, so whatever was not screened is irrelevant. R′ is the number of relevant records in
the sequence.

Conventions (those of the ASReview 3.0.8 reference runs in ``asreview-reference-simulations/SOURCE.md``):

- recall r is reached at the first position n_r (1-based) where the running count of relevant records is at
  least ceil(r·R′);
- WSS@r = (N′ − n_r)/N′ − (1 − r) (Cohen et al. 2006);
- RRF@x = recall after round(x·N′) records, rounding half to even as Python's ``round`` does (N′ = 325 gives 32);
- ATD = mean 1-based position of the relevant records / N′ (Ferdinands et al. 2023);
- loss = ``asreview.metrics.loss``: the area between the recall curve and the perfect one, over the area between
  the perfect and the worst curve (0 = every relevant record first, 1 = every relevant record last);
- NDCG = ``asreview.metrics.ndcg``: binary DCG with log2(position + 1) discounts over the ideal DCG.

References
----------
Cohen AM, Hersh WR, Peterson K, Yen PY (2006). Reducing workload in systematic review preparation using automated
citation classification. JAMIA 13:206–219. doi:10.1197/jamia.M1929
Ferdinands G, Schram R, de Bruin J, et al. (2023). Performance of active learning models for screening prioritization
in systematic reviews: a simulation study into the Average Time to Discover relevant records. Systematic Reviews
12:100. doi:10.1186/s13643-023-02257-7
Järvelin K, Kekäläinen J (2002). Cumulated gain-based evaluation of IR techniques. ACM TOIS 20:422–446.
ASReview LAB developers, ``asreview/metrics.py`` (Apache-2.0): definitions of ``loss`` and ``ndcg``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sysreview.errors import InputError

__all__ = [
    "ScreeningMetrics",
    "atd",
    "evaluate",
    "loss",
    "ndcg",
    "recall_curve",
    "rrf",
    "wss",
]

LabelsLike = Sequence[int] | npt.NDArray[np.integer[Any]] | npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreeningMetrics:
    """The metrics of one screening order (see the module docstring for the conventions)."""

    n_records: int
    """N′: records there were to screen (prior records excluded)."""
    n_relevant: int
    """R′: relevant records among them."""
    n_screened: int
    """Records screened until the last relevant one was found (or all were screened)."""
    wss95: float
    """Work saved over sampling at 95 % recall (fraction of N′)."""
    wss100: float
    """Work saved over sampling at 100 % recall (fraction of N′)."""
    rrf10: float
    """Relevant records found after screening 10 % of N′ (fraction of R′)."""
    atd: float
    """Average time to discovery: mean position of the relevant records (fraction of N′)."""
    loss: float
    """ASReview's loss: 0 for a perfect order, 1 for the worst."""
    ndcg: float
    """Normalised discounted cumulative gain: 1 for a perfect order."""

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain mapping (JSON-ready)."""
        return asdict(self)


def _padded(labels: LabelsLike, n_records: int | None) -> npt.NDArray[np.int64]:
    y = np.asarray(labels)
    if y.ndim != 1:
        raise InputError(f"labels must be one-dimensional, got shape {y.shape}")
    if y.size and not np.isin(y, (0, 1)).all():
        raise InputError("labels must be 0 (irrelevant) or 1 (relevant)")
    y = y.astype(np.int64)
    n = y.size if n_records is None else int(n_records)
    if n < y.size:
        raise InputError(f"n_records ({n}) is smaller than the number of screened records ({y.size})")
    if y.sum() == 0:
        raise InputError("the screening order contains no relevant record; the metrics are undefined")
    out = np.zeros(n, dtype=np.int64)
    out[: y.size] = y
    return out


def _position_at_recall(cumulative: npt.NDArray[np.int64], recall: float) -> int:
    """1-based position where the running count first reaches ceil(recall·R′)."""
    n_relevant = int(cumulative[-1])
    # round() guards against 0.95·R′ landing a hair above an integer in floating point
    needed = max(1, math.ceil(round(recall * n_relevant, 9)))
    return int(np.argmax(cumulative >= needed)) + 1


def recall_curve(labels: LabelsLike, *, n_records: int | None = None) -> npt.NDArray[np.float64]:
    """Recall after each screened record (length N′): running count of relevant records over R′."""
    y = _padded(labels, n_records)
    cumulative = np.cumsum(y)
    return np.asarray(cumulative / cumulative[-1], dtype=np.float64)


def wss(labels: LabelsLike, recall: float = 0.95, *, n_records: int | None = None) -> float:
    """Work saved over sampling at ``recall``: (N′ − n_r)/N′ − (1 − r) (Cohen et al. 2006)."""
    if not 0.0 < recall <= 1.0:
        raise InputError(f"recall must be in (0, 1], got {recall}")
    y = _padded(labels, n_records)
    n = y.size
    return (n - _position_at_recall(np.cumsum(y), recall)) / n - (1.0 - recall)


def rrf(labels: LabelsLike, fraction: float = 0.10, *, n_records: int | None = None) -> float:
    """Relevant records found after screening ``fraction`` of N′ (round half to even), as a fraction of R′."""
    if not 0.0 <= fraction <= 1.0:
        raise InputError(f"fraction must be in [0, 1], got {fraction}")
    y = _padded(labels, n_records)
    k = round(fraction * y.size)
    return float(y[:k].sum() / y.sum())


def atd(labels: LabelsLike, *, n_records: int | None = None) -> float:
    """Average time to discovery: mean 1-based position of the relevant records over N′ (Ferdinands et al. 2023)."""
    y = _padded(labels, n_records)
    positions = np.flatnonzero(y) + 1
    return float(positions.mean() / y.size)


def loss(labels: LabelsLike, *, n_records: int | None = None) -> float:
    """ASReview's loss: normalised area between the perfect and the actual curve of relevant records found.

    With R′ relevant among N′ records and c_i the running count after i records,
    loss = (R′(N′ − (R′ − 1)/2) − Σ c_i) / (R′(N′ − R′)).
    """
    y = _padded(labels, n_records)
    n, r = y.size, int(y.sum())
    if r == n:
        raise InputError("every record is relevant; the loss is undefined")
    return float((r * (n - (r - 1) / 2) - np.cumsum(y).sum()) / (r * (n - r)))


def ndcg(labels: LabelsLike, *, n_records: int | None = None) -> float:
    """Normalised discounted cumulative gain of binary labels: Σ y_i/log2(i + 1) over its ideal value."""
    y = _padded(labels, n_records)
    discounts = 1.0 / np.log2(np.arange(2, y.size + 2))
    return float(np.sum(y * discounts) / np.sum(discounts[: int(y.sum())]))


def evaluate(labels: LabelsLike, *, n_records: int | None = None) -> ScreeningMetrics:
    """All metrics of one screening order (prior records excluded), zero-padded to ``n_records`` (N′)."""
    y = _padded(labels, n_records)
    n_screened = len(labels)
    return ScreeningMetrics(
        n_records=int(y.size),
        n_relevant=int(y.sum()),
        n_screened=n_screened,
        wss95=wss(y, 0.95),
        wss100=wss(y, 1.0),
        rrf10=rrf(y, 0.10),
        atd=atd(y),
        loss=loss(y),
        ndcg=ndcg(y),
    )
