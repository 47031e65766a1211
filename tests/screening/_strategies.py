"""Shared hypothesis strategies and fixtures of the screening tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import strategies as st

from tests._golden import shared_dir

BENCHMARKS = shared_dir() / "data" / "benchmarks"
SCREENING_SETS = BENCHMARKS / "synergy-legacy-screening"
REFERENCE_RUNS = BENCHMARKS / "asreview-reference-simulations"

#: absolute tolerance for metrics compared with values printed to 6 decimals (half a unit in the last place)
PRINTED_6 = 5e-7 + 1e-12
#: absolute tolerance for probabilities computed two ways (log-space sum vs scipy's hypergeometric CDF)
PROBABILITY = 1e-10


def benchmark(path: Path) -> Path:
    """A file of the shared benchmark data; the test fails (not skips) when it is missing."""
    if not path.exists():
        pytest.fail(f"benchmark file missing: {path} (set SYSREVIEW_SHARED to the shared folder)")
    return path


@st.composite
def screening_orders(draw: st.DrawFn, max_records: int = 60) -> tuple[np.ndarray, int]:
    """0/1 labels in screening order with at least one relevant record, and N' ≥ len(labels) + 1.

    (one irrelevant record is left unscreened or screened, so that R' < N' and every metric is defined)
    """
    screened = draw(st.lists(st.integers(0, 1), min_size=1, max_size=max_records))
    if sum(screened) == 0:
        screened[draw(st.integers(0, len(screened) - 1))] = 1
    extra = draw(st.integers(0 if 0 in screened else 1, 20))
    return np.array(screened, dtype=np.int64), len(screened) + extra
