"""Shared hypothesis strategies for study-level data (valid by construction)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

#: number of studies in a generated data set
studies = st.integers(min_value=1, max_value=8)


@st.composite
def two_by_two(draw: st.DrawFn, k: int | None = None) -> dict[str, list[int]]:
    """2×2 tables with small counts (zero cells included)."""
    size = draw(studies) if k is None else k
    cell = st.lists(st.integers(min_value=0, max_value=60), min_size=size, max_size=size)
    tables = {name: draw(cell) for name in ("ai", "bi", "ci", "di")}
    # at least one participant per group
    tables["bi"] = [b if a + b > 0 else 1 for a, b in zip(tables["ai"], tables["bi"], strict=True)]
    tables["di"] = [d if c + d > 0 else 1 for c, d in zip(tables["ci"], tables["di"], strict=True)]
    return tables


_means = st.floats(min_value=-100, max_value=100, allow_nan=False, allow_subnormal=False)
_positive_means = st.floats(min_value=0.5, max_value=100, allow_nan=False)
_sds = st.floats(min_value=0.1, max_value=50, allow_nan=False)
_sizes = st.integers(min_value=3, max_value=500)


@st.composite
def two_means(draw: st.DrawFn, *, positive: bool = False) -> dict[str, list[float]]:
    """Sizes, means and SDs of two independent groups."""
    size = draw(studies)
    mean = _positive_means if positive else _means

    def column(strategy: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(strategy, min_size=size, max_size=size))

    return {
        "n1i": column(_sizes), "m1i": column(mean), "sd1i": column(_sds),
        "n2i": column(_sizes), "m2i": column(mean), "sd2i": column(_sds),
    }  # fmt: skip


@st.composite
def pre_post(draw: st.DrawFn) -> dict[str, list[float]]:
    """One group measured twice, with a pre-post correlation away from ±1."""
    size = draw(studies)

    def column(strategy: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(strategy, min_size=size, max_size=size))

    return {
        "ni": column(_sizes), "m1i": column(_means), "sd1i": column(_sds), "m2i": column(_means),
        "sd2i": column(_sds), "ri": column(st.floats(min_value=-0.9, max_value=0.9)),
    }  # fmt: skip


@st.composite
def proportions(draw: st.DrawFn) -> dict[str, list[Any]]:
    """Events out of group sizes (zero and all-events included)."""
    size = draw(studies)
    n = draw(st.lists(st.integers(min_value=1, max_value=300), min_size=size, max_size=size))
    x = [draw(st.integers(min_value=0, max_value=total)) for total in n]
    return {"xi": x, "ni": n}


@st.composite
def correlations(draw: st.DrawFn) -> dict[str, list[Any]]:
    size = draw(studies)
    r = draw(st.lists(st.floats(min_value=-0.99, max_value=0.99), min_size=size, max_size=size))
    n = draw(st.lists(st.integers(min_value=4, max_value=1000), min_size=size, max_size=size))
    return {"ri": r, "ni": n}


@st.composite
def two_rates(draw: st.DrawFn) -> dict[str, list[Any]]:
    size = draw(studies)
    counts: st.SearchStrategy[list[Any]] = st.lists(
        st.integers(min_value=0, max_value=80), min_size=size, max_size=size
    )
    times: st.SearchStrategy[list[Any]] = st.lists(st.floats(min_value=1, max_value=1e5), min_size=size, max_size=size)
    return {"x1i": draw(counts), "t1i": draw(times), "x2i": draw(counts), "t2i": draw(times)}


@st.composite
def one_rate(draw: st.DrawFn) -> dict[str, list[Any]]:
    size = draw(studies)
    counts: st.SearchStrategy[list[Any]] = st.lists(
        st.integers(min_value=0, max_value=80), min_size=size, max_size=size
    )
    times: st.SearchStrategy[list[Any]] = st.lists(st.floats(min_value=1, max_value=1e5), min_size=size, max_size=size)
    return {"xi": draw(counts), "ti": draw(times)}


#: a strategy of valid columns for every measure code
DATA_FOR: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    **dict.fromkeys(("RR", "OR", "RD", "PETO", "AS"), two_by_two()),
    **dict.fromkeys(("MD", "SMD", "SMDH"), two_means()),
    "SMD1": two_means(),
    "ROM": two_means(positive=True),
    **dict.fromkeys(("COR", "ZCOR"), correlations()),
    **dict.fromkeys(("PR", "PLN", "PLO", "PAS", "PFT"), proportions()),
    **dict.fromkeys(("IRR", "IRD"), two_rates()),
    **dict.fromkeys(("IR", "IRLN"), one_rate()),
    **dict.fromkeys(("MC", "SMCC", "SMCR"), pre_post()),
}
