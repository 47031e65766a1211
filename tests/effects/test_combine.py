"""Combining groups (Cochrane Handbook 6.4, Table 6.5.a), checked on raw data small enough to do by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sysreview.effects import combine_groups, combine_two_groups
from sysreview.errors import InputError
from tests._golden import RTOL


def test_two_groups_by_hand() -> None:
    # group 1 = {1, 2, 3}: n 3, mean 2, SD 1; group 2 = {4, 5, 6, 7}: n 4, mean 5.5, SD √(5/3)
    # union {1, …, 7}: n 7, mean 4, SD √(Σ(x − 4)²/6) = √(28/6)
    merged = combine_two_groups(3, 2.0, 1.0, 4, 5.5, math.sqrt(5 / 3))
    assert float(merged.n) == 7
    assert math.isclose(float(merged.mean), 4.0, rel_tol=RTOL)
    assert math.isclose(float(merged.sd), math.sqrt(28 / 6), rel_tol=RTOL)


def test_several_groups_per_study() -> None:
    # one row per study, one column per arm: {1,2,3} + {4,5,6,7} as above, and {1}, {2, 4} + {3, 5, 7}
    merged = combine_groups([[3, 4], [2, 3]], [[2.0, 5.5], [3.0, 5.0]], [[1.0, math.sqrt(5 / 3)], [math.sqrt(2), 2.0]])
    assert merged.n.tolist() == [7, 5]
    assert np.allclose(merged.mean, [4.0, 4.2], rtol=RTOL)
    assert np.allclose(merged.sd, [math.sqrt(28 / 6), float(np.std([2, 4, 3, 5, 7], ddof=1))], rtol=RTOL)


def test_three_groups_in_one_go() -> None:
    merged = combine_groups([3, 4, 1], [2.0, 5.5, 10.0], [1.0, math.sqrt(5 / 3), 0.0])
    values = [1, 2, 3, 4, 5, 6, 7, 10]
    assert math.isclose(float(merged.mean), float(np.mean(values)), rel_tol=RTOL)
    assert math.isclose(float(merged.sd), float(np.std(values, ddof=1)), rel_tol=RTOL)


def test_bad_groups() -> None:
    with pytest.raises(InputError, match="must be a sample size above zero") as err:
        combine_groups([3, 0], [1, 2], [1, 1])
    assert (err.value.row, err.value.column) == (2, "n")
    with pytest.raises(InputError, match="must be a standard deviation of zero or more") as err:
        combine_two_groups(3, 1, -1, 4, 2, 1)
    assert err.value.column == "sd1"
    with pytest.raises(InputError, match="needs the groups along an axis"):
        combine_groups(3, 1, 1)
