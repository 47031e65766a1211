"""Query strategies pick the next records from the scores of the unscreened ones."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sysreview.errors import InputError
from sysreview.screening import (
    QUERY_STRATEGIES,
    MaxQuery,
    MixedQuery,
    QueryStrategy,
    RandomQuery,
    UncertaintyQuery,
    make_query_strategy,
    register_query_strategy,
)

SCORES = np.array([0.3, -2.0, 1.5, -0.1, 0.9])
scores = arrays(np.float64, st.integers(0, 40), elements=st.floats(-5, 5, allow_nan=False))


def test_max_and_uncertainty() -> None:
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(MaxQuery().select(SCORES, 3, rng), [2, 4, 0])
    np.testing.assert_array_equal(UncertaintyQuery().select(SCORES, 3, rng), [3, 0, 4])


def test_ties_are_broken_by_position() -> None:
    np.testing.assert_array_equal(MaxQuery().select(np.zeros(4), 4, np.random.default_rng(0)), [0, 1, 2, 3])


def test_mixed_is_max_or_uncertainty_at_the_extremes() -> None:
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(MixedQuery(fraction=0.0).select(SCORES, 5, rng), MaxQuery().select(SCORES, 5, rng))
    np.testing.assert_array_equal(
        MixedQuery(fraction=1.0).select(SCORES, 5, rng), UncertaintyQuery().select(SCORES, 5, rng)
    )


def test_mixed_explores_about_its_fraction() -> None:
    """With fraction 0.2, about a fifth of 2,000 single picks are the most uncertain record, not the best."""
    values = np.linspace(-1.0, 1.0, 101)  # best = 1.0 (last), most uncertain = 0.0 (middle)
    rng = np.random.default_rng(7)
    picks = np.array([MixedQuery(fraction=0.2).select(values, 1, rng)[0] for _ in range(2000)])
    assert set(picks.tolist()) == {50, 100}
    assert 0.17 < np.mean(picks == 50) < 0.23


@pytest.mark.parametrize("name", sorted(QUERY_STRATEGIES))
@given(values=scores, n=st.integers(0, 50), seed=st.integers(0, 1000))
def test_selection_is_a_set_of_distinct_candidates(name: str, values: np.ndarray, n: int, seed: int) -> None:
    strategy = make_query_strategy(name)
    assert isinstance(strategy, QueryStrategy)
    picks = strategy.select(values, n, np.random.default_rng(seed))
    assert picks.size == min(n, values.size)
    assert np.unique(picks).size == picks.size
    assert ((picks >= 0) & (picks < max(values.size, 1))).all()


@given(values=scores)
def test_max_takes_the_highest_scores(values: np.ndarray) -> None:
    k = values.size // 2
    picks = MaxQuery().select(values, k, np.random.default_rng(0))
    assert np.sort(values[picks]).tolist() == np.sort(values)[::-1][:k][::-1].tolist()


def test_random_is_seeded() -> None:
    a = RandomQuery().select(SCORES, 5, np.random.default_rng(4))
    b = RandomQuery().select(SCORES, 5, np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)


def test_registry_and_errors() -> None:
    register_query_strategy("min", UncertaintyQuery)
    try:
        assert isinstance(make_query_strategy("min"), UncertaintyQuery)
    finally:
        del QUERY_STRATEGIES["min"]
    with pytest.raises(InputError, match="unknown query strategy 'cluster'; choose one of: max, mixed, random"):
        make_query_strategy("cluster")
    with pytest.raises(InputError, match="fraction must be in"):
        MixedQuery(fraction=1.5)
    with pytest.raises(InputError, match="one-dimensional"):
        MaxQuery().select(np.zeros((2, 2)), 1, np.random.default_rng(0))
