"""The public surface of sysreview.diagnostics: names, options checked at the boundary, errors, result objects."""

from __future__ import annotations

import ast
import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

import sysreview.diagnostics as dx
from sysreview.diagnostics._gosh import gosh_subsets
from sysreview.errors import InputError
from sysreview.models import MetaResult, rma
from tests._golden import golden_cases


def _case(case_id: str) -> dict[str, Any]:
    return next(c for c in golden_cases() if c["id"] == case_id)


@pytest.fixture(scope="module")
def hackshaw() -> MetaResult:
    """Passive smoking and lung cancer (Hackshaw et al. 1997; dat.hackshaw1998, 37 studies), REML."""
    inp = _case("hackshaw_bias")["input"]
    return rma(inp["yi"], inp["vi"], method="REML", study=inp["study"])


@pytest.fixture(scope="module")
def small() -> MetaResult:
    return rma([0.1, 0.5, -0.2, 0.3, 0.9], [0.04, 0.1, 0.02, 0.05, 0.3], method="DL")


def test_public_names_are_pinned() -> None:
    assert dx.__all__ == sorted(dx.__all__)
    assert set(dx.__all__) == {
        "BaujatResult",
        "BeggResult",
        "CumulativeResult",
        "FailSafeResult",
        "GoshResult",
        "InfluenceResult",
        "LeaveOneOutResult",
        "PetPeeseResult",
        "RegressionTestResult",
        "TrimFillResult",
        "baujat",
        "begg_test",
        "cumulative",
        "egger_test",
        "fail_safe_n",
        "gosh",
        "influence",
        "leave_one_out",
        "pet_peese",
        "peters_test",
        "trim_and_fill",
    }
    for name in dx.__all__:
        assert getattr(dx, name).__doc__, name


def test_statistics_core_imports_only_numpy_and_scipy() -> None:
    allowed = {"numpy", "scipy", "sysreview", "__future__", "dataclasses", "typing", "math", "collections"}
    for path in Path(dx.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] in allowed, (path.name, node.module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] in allowed, (path.name, alias.name)


@pytest.mark.parametrize(
    ("call", "argument", "choices"),
    [
        (lambda f: dx.egger_test(f, model="glm"), "model", "lm, rma"),
        (lambda f: dx.egger_test(f, predictor="ni"), "predictor", "sei, vi"),
        (lambda f: dx.trim_and_fill(f, estimator="Q0"), "estimator", "L0, R0"),
        (lambda f: dx.trim_and_fill(f, side="up"), "side", "left, right"),
        (lambda f: dx.fail_safe_n(f, type="Fisher"), "type", "Rosenthal, Orwin, Rosenberg"),
    ],
)
def test_options_are_checked_and_errors_list_the_choices(small: MetaResult, call, argument, choices) -> None:
    with pytest.raises(InputError) as err:
        call(small)
    assert argument in str(err.value)
    assert choices in str(err.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda f: dx.fail_safe_n(f, alpha=1.5),
        lambda f: dx.pet_peese(f, alpha=0.0),
        lambda f: dx.trim_and_fill(f, maxiter=0),
        lambda f: dx.gosh(f, subsets=0),
        lambda f: dx.fail_safe_n(f, type="Orwin", target=0.0),
        lambda f: dx.cumulative(f, order=[1, 2]),
    ],
)
def test_bad_option_values(small: MetaResult, call) -> None:
    with pytest.raises(InputError):
        call(small)


def test_fits_that_cannot_be_refitted_are_refused(small: MetaResult) -> None:
    mh = dataclasses.replace(small, method="MH")
    for call in (dx.leave_one_out, dx.influence, dx.cumulative, dx.gosh, dx.trim_and_fill):
        with pytest.raises(InputError, match="rma"):
            call(mh)
    metareg = rma([0.1, 0.5, -0.2, 0.3, 0.9], [0.04, 0.1, 0.02, 0.05, 0.3], mods=[1, 2, 3, 4, 5])
    for call in (dx.leave_one_out, dx.influence, dx.cumulative, dx.gosh, dx.trim_and_fill, dx.egger_test):
        with pytest.raises(InputError, match="without moderators"):
            call(metareg)


def test_too_few_studies() -> None:
    two = rma([0.1, 0.4], [0.1, 0.2])
    for call in (dx.egger_test, dx.begg_test, dx.trim_and_fill, dx.pet_peese):
        with pytest.raises(InputError, match="at least 3 studies"):
            call(two)
    one = rma([0.1], [0.1])
    for call in (dx.leave_one_out, dx.influence):
        with pytest.raises(InputError, match="at least 2 studies"):
            call(one)


def test_equal_standard_errors() -> None:
    fit = rma([0.1, 0.4, 0.2, 0.6], [0.1, 0.1, 0.1, 0.1])
    with pytest.raises(InputError, match="same sei"):
        dx.egger_test(fit)
    with pytest.raises(InputError, match="side="):
        dx.trim_and_fill(fit)
    assert dx.trim_and_fill(fit, side="left").side == "left"


def test_results_are_frozen_and_serialize(hackshaw: MetaResult) -> None:
    results = [
        dx.leave_one_out(hackshaw),
        dx.influence(hackshaw),
        dx.cumulative(hackshaw),
        dx.baujat(hackshaw),
        dx.egger_test(hackshaw),
        dx.begg_test(hackshaw),
        dx.trim_and_fill(hackshaw),
        dx.fail_safe_n(hackshaw),
        dx.pet_peese(hackshaw),
    ]
    for res in results:
        assert dataclasses.is_dataclass(res)
        name = dataclasses.fields(res)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(res, name, None)
        json.dumps(res.to_dict(), allow_nan=False)
    loo = results[0]
    with pytest.raises(ValueError, match="read-only"):
        loo.estimate[0] = 0.0  # type: ignore[attr-defined]


def test_influence_flags(hackshaw: MetaResult) -> None:
    """Viechtbauer & Cheung (2010) cut-offs, recomputed from the reported measures (p = 1)."""
    res = dx.influence(hackshaw)
    k = hackshaw.k
    expected = (
        (np.abs(res.dffits) > 3 * math.sqrt(1 / (k - 1)))
        | (stats.chi2.cdf(res.cooks_distance, 1) > 0.5)
        | (res.hat > 3 / k)
        | (np.abs(res.dfbetas[:, 0]) > 1)
    )
    np.testing.assert_array_equal(res.influential, expected)
    assert res.dfbetas.shape == (k, 1)
    assert res.coefficients == ("intrcpt",)
    assert res.study == hackshaw.study


def test_cumulative_by_keys(small: MetaResult) -> None:
    res = dx.cumulative(small, order=["c", "a", "b", "a", "e"])  # text keys; ties in data order
    assert list(res.order) == [1, 3, 2, 0, 4]
    assert res.study == ("2", "4", "3", "1", "5")


def test_gosh_sampling_is_reproducible() -> None:
    subsets, exhaustive = gosh_subsets(25, subsets=1000, random_state=7)
    again, _ = gosh_subsets(25, subsets=1000, random_state=7)
    assert not exhaustive
    assert subsets.shape == (1000, 25)
    np.testing.assert_array_equal(subsets, again)
    assert subsets.any(axis=1).all()
    assert 0.45 < subsets.mean() < 0.55
    assert gosh_subsets(19)[1]  # 2^19 − 1 ≤ 10^6: every subset
    assert not gosh_subsets(20, subsets=10)[1]


def test_gosh_sample(small: MetaResult) -> None:
    res = dx.gosh(small, subsets=10, random_state=1)
    assert not res.exhaustive
    assert res.estimate.shape == (10,)
    assert np.all(np.isfinite(res.estimate))


def test_baujat_by_hand() -> None:
    """Baujat et al. (2002): x = (yᵢ − θ̂)²/vᵢ, y = (θ̂ − θ̂₍₋ᵢ₎)²/Var(θ̂₍₋ᵢ₎), common-effect fits."""
    yi, vi = np.array([0.1, 0.5, -0.2, 0.3]), np.array([0.04, 0.1, 0.02, 0.05])
    res = dx.baujat(rma(yi, vi, method="REML"))
    fe = rma(yi, vi, method="FE")
    for i in range(4):
        keep = np.arange(4) != i
        without = rma(yi[keep], vi[keep], method="FE")
        assert math.isclose(res.contribution[i], (yi[i] - fe.estimate) ** 2 / vi[i], rel_tol=1e-12)
        assert math.isclose(res.influence[i], (fe.estimate - without.estimate) ** 2 / without.se**2, rel_tol=1e-9)


def test_peters_test_is_the_weighted_regression_of_peters_2006() -> None:
    """Peters et al. (2006): ln OR on 1/n with weights 1/(1/(events) + 1/(non-events)), t(k − 2).

    Recomputed by least squares on √w-scaled data (numpy.linalg.lstsq), an independent route to the same fit.
    """
    inp = _case("bcg_RR_bias")["input"]
    a, b, c, d = (np.asarray(inp[n], dtype=float) for n in ("ai", "bi", "ci", "di"))
    res = dx.peters_test(a, b, c, d)
    yi = np.log(a * d / (b * c))  # no zero cells in dat.bcg
    x = 1.0 / (a + b + c + d)
    w = 1.0 / (1.0 / (a + c) + 1.0 / (b + d))
    sw = np.sqrt(w)
    X = np.column_stack([np.ones_like(x), x]) * sw[:, None]
    beta, rss, *_ = np.linalg.lstsq(X, yi * sw, rcond=None)
    cov = np.linalg.inv(X.T @ X) * (rss[0] / (a.size - 2))
    assert res.predictor == "ninv"
    assert res.df == a.size - 2
    assert math.isclose(res.intercept, beta[0], rel_tol=1e-9)
    assert math.isclose(res.bias, beta[1], rel_tol=1e-9)
    assert math.isclose(res.statistic, beta[1] / math.sqrt(cov[1, 1]), rel_tol=1e-9)


def test_peters_zero_cells_and_bad_counts() -> None:
    res = dx.peters_test([0, 3, 5, 2], [10, 12, 20, 8], [2, 4, 9, 1], [9, 10, 18, 11])
    assert math.isfinite(res.statistic)
    with pytest.raises(InputError, match="row 2") as err:
        dx.peters_test([1, -3, 5], [10, 12, 20], [2, 4, 9], [9, 10, 18])
    assert err.value.column == "ai"
    with pytest.raises(InputError, match="no events"):
        dx.peters_test([0, 3, 5], [10, 12, 20], [0, 4, 9], [9, 10, 18])


def test_pet_peese_selection(hackshaw: MetaResult) -> None:
    res = dx.pet_peese(hackshaw)
    assert res.selected == ("PEESE" if res.pet.pvalue < 0.10 else "PET")
    chosen = res.peese if res.selected == "PEESE" else res.pet
    assert (res.estimate, res.ci_lower, res.ci_upper) == (chosen.estimate, chosen.ci_lower, chosen.ci_upper)
    strict = dx.pet_peese(hackshaw, alpha=1e-12)
    assert strict.selected == "PET"


def test_egger_rma_follows_the_fit(hackshaw: MetaResult) -> None:
    knha = rma(hackshaw.yi, hackshaw.vi, method="REML", test="knha")
    res = dx.egger_test(knha, model="rma")
    assert res.test == "knha"
    assert res.df == hackshaw.k - 2
    z = dx.egger_test(hackshaw, model="rma")
    assert z.df is None
    assert z.method == "REML"


def test_trim_and_fill_without_missing_studies() -> None:
    """Symmetric funnel: nothing to fill, the result is the original fit."""
    yi = np.array([-0.4, -0.2, 0.0, 0.0, 0.2, 0.4])
    vi = np.array([0.2, 0.05, 0.01, 0.02, 0.05, 0.2])
    fit = rma(yi, vi, method="FE")
    res = dx.trim_and_fill(fit)
    assert res.k0 == 0
    assert res.fit is fit
    assert res.filled_yi.size == 0
    assert res.to_dict()["filled"] == []
