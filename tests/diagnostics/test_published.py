"""Published numbers and textbook definitions the diagnostics must reproduce.

Sources are named above each test. Where a number is from a book we could not consult ourselves, the test says
through which source it reached us.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from sysreview.diagnostics import begg_test, fail_safe_n
from sysreview.diagnostics._rank import _inversion_distribution
from sysreview.models import rma
from tests._golden import golden_cases


def _case(case_id: str) -> dict[str, Any]:
    return next(c for c in golden_cases() if c["id"] == case_id)


@pytest.fixture(scope="module")
def expectancy() -> Any:
    """Teacher expectancy and IQ (Raudenbush 1984; dat.raudenbush1985, 19 studies), as in the golden file."""
    inp = _case("raudenbush_sensitivity")["input"]
    return rma(inp["yi"], inp["vi"], method="REML")


# Becker, B. J. (2005). Failsafe N or file-drawer number. In Rothstein, Sutton & Borenstein (Eds.), Publication
# bias in meta-analysis (pp. 111-125), on the teacher expectancy data; the values as metafor's test suite checks
# them (tests/testthat/test_misc_fsn.r, "results match for the 'expectancy data' in Becker (2005)"): Rosenthal's
# N = 26 with z-based p-values (Becker's t-based p-values give about 23), Orwin's N = 44 for a target of 0.05
# (unweighted mean; 4 with the inverse-variance weighted mean), Rosenberg's N = 0 (not significant).
@pytest.mark.parametrize(
    ("kwargs", "n"),
    [
        ({"type": "Rosenthal"}, 26),
        ({"type": "Orwin", "target": 0.05}, 44),
        ({"type": "Orwin", "target": 0.05, "weighted": True}, 4),
        ({"type": "Rosenberg"}, 0),
    ],
)
def test_fail_safe_n_expectancy_data(expectancy: Any, kwargs: dict[str, Any], n: int) -> None:
    assert fail_safe_n(expectancy, **kwargs).n == n


def test_rosenthal_formula() -> None:
    """Rosenthal (1979, p. 640): N = (ΣZ)²/2.706 − k, 2.706 = 1.645² (one-tailed p = .05)."""
    yi = np.array([0.5, 0.3, 0.8, 0.1, 0.4])
    vi = np.array([0.04, 0.09, 0.16, 0.01, 0.05])
    z_sum = float(np.sum(yi / np.sqrt(vi)))
    by_hand = z_sum**2 / 1.6448536269514722**2 - yi.size
    assert fail_safe_n(rma(yi, vi)).n == math.ceil(by_hand)
    assert math.isclose(z_sum**2 / 2.706 - yi.size, by_hand, rel_tol=1e-3)


def test_orwin_formula() -> None:
    """Orwin (1983): N = k (ȳ − ȳ_c)/ȳ_c; 10 studies averaging 0.5 need 15 null studies to fall to 0.2."""
    yi = np.array([0.3, 0.7, 0.5, 0.4, 0.6, 0.5, 0.2, 0.8, 0.5, 0.5])
    fit = rma(yi, np.full(10, 0.1))
    assert fail_safe_n(fit, type="Orwin", target=0.2).n == 15
    assert fail_safe_n(fit, type="Orwin").n == 10  # target ȳ/2: as many null studies as observed ones
    assert fail_safe_n(fit, type="Orwin", target=0.6).n == 0  # the average is already below the target


def test_kendall_null_distribution_by_enumeration() -> None:
    """The exact null distribution of Kendall's statistic (Kendall 1970, ch. 4): count inversions of all n!."""
    for n in range(1, 8):
        counts = np.zeros(n * (n - 1) // 2 + 1)
        for perm in itertools.permutations(range(n)):
            inversions = sum(perm[i] > perm[j] for i in range(n) for j in range(i + 1, n))
            counts[inversions] += 1
        np.testing.assert_allclose(_inversion_distribution(n), counts / math.factorial(n), rtol=1e-13, atol=0)


def test_begg_exact_p_value_by_enumeration() -> None:
    """Begg & Mazumdar (1994): with 6 studies and no ties, p = share of the 720 orderings at least as extreme."""
    yi = np.array([0.9, 0.1, 0.5, 0.7, 0.2, 0.6])
    vi = np.array([0.30, 0.02, 0.05, 0.20, 0.04, 0.10])
    res = begg_test(rma(yi, vi))
    w = 1.0 / vi
    theta = np.sum(w * yi) / np.sum(w)
    star = (yi - theta) / np.sqrt(vi - 1.0 / np.sum(w))
    order_v = np.argsort(np.argsort(vi))

    def kendall_s(ranks: np.ndarray) -> int:
        return sum(int(np.sign(ranks[i] - ranks[j]) * np.sign(order_v[i] - order_v[j])) for i, j in _pairs(6))

    observed = kendall_s(np.argsort(np.argsort(star)))
    extreme = sum(abs(kendall_s(np.array(p))) >= abs(observed) for p in itertools.permutations(range(6)))
    assert res.exact
    assert math.isclose(res.tau, observed / 15, rel_tol=1e-12)
    assert math.isclose(res.pvalue, extreme / 720, rel_tol=1e-12)


def _pairs(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(i + 1, n)]
