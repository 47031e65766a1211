"""Mantel–Haenszel and Peto common-effect pooling of 2×2 (and person-time) data."""

from __future__ import annotations

from sysreview._typing import ArrayLike
from sysreview.models._results import MetaResult

__all__ = ["rma_mh", "rma_peto"]


def rma_mh(
    ai: ArrayLike | None = None,
    bi: ArrayLike | None = None,
    ci: ArrayLike | None = None,
    di: ArrayLike | None = None,
    *,
    measure: str = "OR",
    level: float = 0.95,
    study: ArrayLike | None = None,
) -> MetaResult:
    raise NotImplementedError


def rma_peto(
    ai: ArrayLike,
    bi: ArrayLike,
    ci: ArrayLike,
    di: ArrayLike,
    *,
    level: float = 0.95,
    study: ArrayLike | None = None,
) -> MetaResult:
    raise NotImplementedError
