"""Shared hypothesis strategies (one place, as attrs does)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays


@st.composite
def meta_data(draw: st.DrawFn, min_k: int = 3, max_k: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """Effect sizes and sampling variances of a plausible meta-analysis."""
    k = draw(st.integers(min_k, max_k))
    yi = draw(arrays(np.float64, k, elements=st.floats(-3.0, 3.0, allow_nan=False, width=64)))
    vi = draw(arrays(np.float64, k, elements=st.floats(0.005, 2.0, allow_nan=False, width=64)))
    return yi, vi


RANDOM_METHODS = ("DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM", "SJIT", "DLIT")
