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
from tests._golden import assert_close, golden_cases


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
    for call in (dx.cumulative, dx.gosh, dx.trim_and_fill, dx.egger_test):
        with pytest.raises(InputError, match="without moderators"):
            call(metareg)
    # GENQ/GENQM fits are refitted with their user weights: a result without them cannot be
    genq = rma([0.1, 0.5, -0.2, 0.3, 0.9], [0.04, 0.1, 0.02, 0.05, 0.3], method="GENQ", weights=[1, 2, 3, 4, 5])
    stripped = dataclasses.replace(genq, user_weights=None)
    for call in (dx.leave_one_out, dx.influence, dx.cumulative):
        with pytest.raises(InputError, match="user weights"):
            call(stripped)


def test_genq_fits_are_refitted_with_the_remaining_weights() -> None:
    yi = np.array([0.1, 0.5, -0.2, 0.3, 0.9, 0.4])
    vi = np.array([0.04, 0.1, 0.02, 0.05, 0.3, 0.08])
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    x = np.array([1.0, 2.0, 3.0, 5.0, 8.0, 13.0])
    for method in ("GENQ", "GENQM"):
        fit = rma(yi, vi, method=method, weights=a, test="knha")
        loo, cum = dx.leave_one_out(fit), dx.cumulative(fit, order=[6, 5, 4, 3, 2, 1])
        for i in range(fit.k):
            keep = np.arange(fit.k) != i
            one = rma(yi[keep], vi[keep], method=method, weights=a[keep], test="knha")
            assert loo.estimate[i] == pytest.approx(one.estimate, rel=1e-12)
            assert loo.se[i] == pytest.approx(one.se, rel=1e-12)
            assert loo.tau2[i] == pytest.approx(one.tau2, rel=1e-12, abs=1e-15)
        first3 = rma(yi[[5, 4, 3]], vi[[5, 4, 3]], method=method, weights=a[[5, 4, 3]], test="knha")
        assert cum.estimate[2] == pytest.approx(first3.estimate, rel=1e-12)
        assert cum.estimate[-1] == pytest.approx(fit.estimate, rel=1e-12)
    reg = rma(yi, vi, mods=x, mod_names=["x"], method="GENQ", weights=a)
    loo = dx.leave_one_out(reg)
    one = rma(yi[1:], vi[1:], mods=x[1:], mod_names=["x"], method="GENQ", weights=a[1:])
    assert loo.estimate[0] == pytest.approx([c.estimate for c in one.coefficients], rel=1e-12)
    assert loo.QM[0] == pytest.approx(one.QM, rel=1e-12)
    inf = dx.influence(reg)
    # the hat values of the weighted least-squares fit with the user weights
    X = np.column_stack([np.ones(6), x])
    hat = np.diag(X @ np.linalg.solve(X.T @ (X * a[:, None]), X.T * a))
    assert inf.hat == pytest.approx(hat, rel=1e-12)
    assert inf.weight == pytest.approx(100 * a / a.sum(), rel=1e-12)


def test_meta_regression_shapes_and_too_few_studies() -> None:
    yi, vi = [0.1, 0.5, -0.2, 0.3, 0.9], [0.04, 0.1, 0.02, 0.05, 0.3]
    fit = rma(yi, vi, mods=[1, 2, 3, 4, 5], mod_names=["x"], method="DL")
    loo = dx.leave_one_out(fit)
    assert loo.meta_regression
    assert loo.coefficients == ("intrcpt", "x")
    assert loo.estimate.shape == loo.ci_upper.shape == (5, 2)
    assert loo.tau2.shape == loo.QM.shape == (5,)
    assert loo.estimable.all()
    assert loo.notes == ()
    json.dumps(loo.to_dict(), allow_nan=False)
    inf = dx.influence(fit)
    assert inf.dfbetas.shape == (5, 2)
    assert inf.coefficients == ("intrcpt", "x")
    assert math.isclose(float(np.sum(inf.hat)), 2.0, rel_tol=1e-12)
    # an intercept-only result keeps its shape: one pooled estimate per omitted study, no test of moderators
    plain = dx.leave_one_out(rma(yi, vi))
    assert not plain.meta_regression
    assert plain.estimate.shape == (5,)
    assert np.isnan(plain.QM).all()
    # p = 3 coefficients need k >= 4 studies
    three = rma(yi[:3], vi[:3], mods=[[1, 0], [2, 1], [3, 0]], method="FE")
    for call in (dx.leave_one_out, dx.influence):
        with pytest.raises(InputError, match="at least 4 studies"):
            call(three)


def test_a_factor_level_of_one_study() -> None:
    """Without the only study of a level the model matrix is rank-deficient: NaN rows with a note, no crash;
    its hat value is 1 (the fit passes through it) and its flag follows from the hat cut-off alone, as in metafor."""
    yi = [0.1, 0.5, -0.2, 0.3, 0.9, 0.4, -0.1]
    vi = [0.04, 0.1, 0.02, 0.05, 0.3, 0.08, 0.06]
    level_c = [0, 0, 0, 0, 0, 0, 1]
    level_b = [0, 0, 0, 1, 1, 1, 0]
    fit = rma(yi, vi, mods=np.column_stack([level_b, level_c]), mod_names=["gb", "gc"], method="REML")
    loo = dx.leave_one_out(fit)
    assert list(loo.estimable) == [True] * 6 + [False]
    assert np.isnan(loo.estimate[6]).all()
    assert np.isnan(loo.tau2[6])
    assert np.isfinite(loo.estimate[:6]).all()
    assert len(loo.notes) == 1
    assert "study 7" in loo.notes[0]
    inf = dx.influence(fit)
    assert np.isnan([inf.rstudent[6], inf.dffits[6], inf.cooks_distance[6], inf.covratio[6]]).all()
    assert np.isnan(inf.dfbetas[6]).all()
    assert math.isclose(inf.hat[6], 1.0, rel_tol=1e-12)
    # hat = 1 is under the cut-off 3p/k = 9/7: the flag is undecided (metafor: NA), False in the array
    assert not inf.influential[6]
    assert inf.to_dict()["influential"][6] is None
    assert inf.notes == loo.notes
    json.dumps(inf.to_dict(), allow_nan=False)
    # three more studies of the reference level: 3p/k = 0.9 < 1, so the hat value alone flags the study
    more = rma(
        [*yi, 0.2, 0.0, 0.3],
        [*vi, 0.05, 0.07, 0.04],
        mods=np.column_stack([[*level_b, 0, 0, 0], [*level_c, 0, 0, 0]]),
        method="REML",
    )
    inf = dx.influence(more)
    assert inf.influential[6]
    assert inf.to_dict()["influential"][6] is True


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


#: R metafor 3.8-1, influence(rma(yi, vi, test=..., method=..., control=list(threshold=1e-12))) of dat.bcg (RR),
#: printed to 12 significant digits: rstudent, dfbs$intrcpt and dffits of the intercept-only model
_BCG_KNHA_REML = {
    "rstudent": [-0.213597850408, -1.286829636919, -0.742764119170, -1.408779852732, 0.847010552035,
                 -0.118299217613, -1.301362124651, 1.430850965670, 0.407103656994, -1.113110069052,
                 0.670169630646, 1.312864744409, 1.187872855322],
    "dfbetas": [-0.0394270164406, -0.3445341787930, -0.1571261497453, -0.4987938373730, 0.2708604052320,
                -0.0192775227406, -0.3380894700830, 0.4651229813094, 0.1417148256891, -0.3441370352741,
                0.2333816595829, 0.2580473928748, 0.3548068573959],
    "dffits": [-0.0398594735560, -0.3422683132879, -0.1578211896449, -0.5048491039160, 0.2705216412338,
               -0.0190546257971, -0.3355477207898, 0.4711283966962, 0.1413715391726, -0.3441715308335,
               0.2318818149963, 0.2571291824814, 0.3548519261665],
}  # fmt: skip
_BCG_ADHOC_DL = {
    "rstudent": [-0.214140353240, -1.281222014233, -0.739306677538, -1.462560195590, 0.847057395050,
                 -0.111656182249, -1.293461858988, 1.478318214192, 0.405718123841, -1.114530063424,
                 0.633196313329, 1.289078125060, 1.168533525037],
    "dfbetas": [-0.04772458486889, -0.33733416420282, -0.15892852035708, -0.56015149538965, 0.27244089580884,
                -0.00712425534056, -0.33040325499060, 0.44724850024325, 0.13395753955678, -0.34453936574872,
                0.23749991332291, 0.25656291350742, 0.35842642935371],
    "dffits": [-0.04780757042568, -0.33639764950156, -0.15890585522918, -0.57416564967149, 0.27203099257044,
               -0.00699731397876, -0.32940408031463, 0.46441532894842, 0.13379664309245, -0.34456562936988,
               0.23343352869463, 0.25667535005321, 0.35837923000229],
}  # fmt: skip


@pytest.mark.parametrize(
    ("method", "test", "expected"), [("REML", "knha", _BCG_KNHA_REML), ("DL", "adhoc", _BCG_ADHOC_DL)]
)
def test_intercept_only_knha_influence_matches_metafor(method: str, test: str, expected: dict[str, Any]) -> None:
    """Under knha/adhoc the deleted residuals, DFFITS and DFBETAS are scaled by the refit's Knapp–Hartung factor,
    and DFBETAS use the weights at τ²₍₋ᵢ₎ of all k studies (metafor's influence(); DFBETAS of Belsley et al.)."""
    es = _case("bcg_RR_es")["expected"]
    res = dx.influence(rma(es["yi"], es["vi"], method=method, test=test))
    assert_close(res.rstudent.tolist(), expected["rstudent"], where="rstudent")
    assert_close(res.dfbetas[:, 0].tolist(), expected["dfbetas"], where="dfbetas")
    assert_close(res.dffits.tolist(), expected["dffits"], where="dffits")
