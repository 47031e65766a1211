"""What every measure's kernel returns: raw ``yi`` and ``vi`` and the reasons a study may not be estimable."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sysreview._typing import BoolArray, FloatArray

__all__ = ["Kernel", "Raw"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Raw:
    """A kernel's output before the dispatcher turns non-finite values into NaN with a note.

    ``reasons`` pairs a per-study mask with the text that explains why those studies have no finite
    ``yi``/``vi``; the first matching reason is recorded.
    """

    yi: FloatArray
    vi: FloatArray
    reasons: tuple[tuple[BoolArray, str], ...] = ()


#: a measure's computation: (columns after continuity correction, vtype) -> Raw
Kernel = Callable[[Mapping[str, FloatArray], str], Raw]
