"""escalc: per-study effect sizes and sampling variances from arm-level data."""

from __future__ import annotations

from dataclasses import dataclass

from sysreview._typing import ArrayLike, FloatArray

__all__ = ["EffectSizes", "escalc"]


@dataclass(frozen=True, slots=True, kw_only=True)
class EffectSizes:
    """Per-study effect sizes ``yi`` and sampling variances ``vi`` for one measure."""

    measure: str
    yi: FloatArray
    vi: FloatArray


def escalc(measure: str, **columns: ArrayLike) -> EffectSizes:
    raise NotImplementedError
