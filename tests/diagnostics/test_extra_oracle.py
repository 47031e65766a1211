"""Leave-one-out and influence diagnostics of meta-regressions through the API, against R metafor.

Source: the ``sensitivity_metareg`` cases of tests/data/metafor_extra.json, written by
``Rscript tools/oracle/make_cases.R`` (R metafor 3.8-1, threshold 1e-12): ``influence()`` of ``rma(yi, vi, mods =
~ ..., method, test)`` (inf, dfbs, is.infl) and, since metafor 3.8-1's ``leave1out()`` refuses models with
moderators, ``rma()`` refitted to the data without each study (NA where the model matrix without the study is not
of full rank, as ``influence()`` reports it). Effect sizes come from :func:`sysreview.effects.escalc` of the raw
columns, factors are coded as R codes them (first level in R's sort order as reference). Every number at
``tests._golden.RTOL``; the same cases run through ``sysreview sensitivity --mods`` in tests/cli/test_extra_oracle.py.

The ``sensitivity_genq`` cases do the same for GENQ fits with user weights (input column ``call.weights``):
metafor's ``leave1out()``, ``cumul()`` and ``influence()`` of intercept-only fits, and for meta-regressions ``rma()``
refitted without each study (with the remaining studies' weights) and ``influence()``. GENQM is checked against
refits of ``rma`` in tests/diagnostics/test_api.py (its R oracle, with the Imhof stand-in, is too slow to refit).
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sysreview.diagnostics import cumulative, influence, leave_one_out
from sysreview.effects import escalc
from sysreview.models import MetaResult, factor_levels, rma
from tests._golden import assert_close

EXTRA_FILE = Path(__file__).resolve().parents[1] / "data" / "metafor_extra.json"
RAW = ("ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i", "ri", "ni", "xi", "mi", "ti")


@cache
def _all_cases() -> tuple[dict[str, Any], ...]:
    with EXTRA_FILE.open(encoding="utf-8") as fh:
        return tuple(json.load(fh)["cases"])


def _cases(kind: str = "sensitivity_metareg") -> tuple[dict[str, Any], ...]:
    return tuple(c for c in _all_cases() if c["call"]["kind"] == kind)


def fit_case(case: dict[str, Any]) -> MetaResult:
    """``rma`` of a case: effect sizes of its raw columns, its moderators (text columns dummy-coded as R does) and,
    for GENQ/GENQM, the user weights of the column ``call.weights``."""
    inp, call = case["input"], case["call"]
    if "yi" in inp:
        yi, vi = np.asarray(inp["yi"], dtype=float), np.asarray(inp["vi"], dtype=float)
    else:
        es = escalc(call["measure"], **{c: inp[c] for c in RAW if c in inp})
        yi, vi = np.asarray(es.yi, dtype=float), np.asarray(es.vi, dtype=float)
    weights = np.asarray(inp[call["weights"]], dtype=float) if "weights" in call else None
    columns, names = [], []
    for mod in call.get("mods", []):
        values = inp[mod]
        if any(isinstance(v, str) for v in values):
            for level in factor_levels(values)[1:]:
                columns.append([1.0 if v == level else 0.0 for v in values])
                names.append(f"{mod}{level}")
        else:
            columns.append([float(v) for v in values])
            names.append(mod)
    return rma(
        yi,
        vi,
        mods=np.column_stack(columns) if columns else None,
        mod_names=names if columns else None,
        method=call["method"],
        test=call["test"],
        study=[str(s) for s in inp["study"]],
        weights=weights,
    )


def leave1out_view(fit: MetaResult) -> dict[str, Any]:
    """The API's leave-one-out result in the oracle's layout."""
    res = leave_one_out(fit)
    assert res.meta_regression
    assert res.estimate.shape == (fit.k, fit.p)
    keys = ("estimate", "se", "statistic", "pvalue", "ci_lower", "ci_upper")
    return {
        "coefficients": [
            {"name": name, **{key: getattr(res, key)[:, j].tolist() for key in keys}}
            for j, name in enumerate(res.coefficients)
        ],
        **{key: getattr(res, key).tolist() for key in ("tau2", "I2", "H2", "Q", "Q_pvalue", "QM", "QM_pvalue")},
    }


def influence_view(fit: MetaResult) -> dict[str, Any]:
    """The API's influence diagnostics in the oracle's layout."""
    res = influence(fit)
    keys = ("rstudent", "dffits", "cooks_distance", "covratio", "tau2_deleted", "Q_deleted", "hat", "weight")
    out: dict[str, Any] = {key: getattr(res, key).tolist() for key in keys}
    out["influential"] = res.to_dict()["influential"]
    out["dfbetas"] = {name: res.dfbetas[:, j].tolist() for j, name in enumerate(res.coefficients)}
    return out


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in _cases()])
def test_leave_one_out(case: dict[str, Any]) -> None:
    fit = fit_case(case)
    exp = case["expected"]["leave1out"]
    assert [c.name for c in fit.coefficients] == [c["name"] for c in exp["coefficients"]]
    assert_close(leave1out_view(fit), exp, where=f"{case['id']}.leave1out")


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in _cases()])
def test_influence(case: dict[str, Any]) -> None:
    fit = fit_case(case)
    exp = case["expected"]["influence"]
    view = influence_view(fit)
    assert_close(view, exp, where=f"{case['id']}.influence")
    assert view["influential"] == exp["influential"]


# ------------------------------------------------------------------------------ GENQ / GENQM (sensitivity_genq)
# metafor reports a cumulative step of one study with Q p-value 1, I² 0 and H² 1; sysreview's common-effect fit
# of one study has no heterogeneity statistics (NaN), as rma() gives None for them (k − 1 = 0 degrees of freedom)
_ONE_STUDY_UNDEFINED = ("Q_pvalue", "I2", "H2")
_STEP_KEYS = ("estimate", "se", "statistic", "pvalue", "ci_lower", "ci_upper", "Q", "Q_pvalue", "tau2", "I2", "H2")


def _steps_view(res: Any, keys: tuple[str, ...] = _STEP_KEYS) -> dict[str, Any]:
    return {key: getattr(res, key).tolist() for key in keys}


def _genq_cases() -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in _cases("sensitivity_genq")]


@pytest.mark.parametrize("case", _genq_cases())
def test_genq_leave_one_out(case: dict[str, Any]) -> None:
    fit = fit_case(case)
    exp = case["expected"]["leave1out"]
    if "mods" in case["call"]:
        assert_close(leave1out_view(fit), exp, where=f"{case['id']}.leave1out")
    else:
        assert_close(_steps_view(leave_one_out(fit)), exp, where=f"{case['id']}.leave1out")


@pytest.mark.parametrize("case", [c for c in _genq_cases() if "mods" not in c.values[0]["call"]])
def test_genq_cumulative(case: dict[str, Any]) -> None:
    fit = fit_case(case)
    res = cumulative(fit)
    exp = dict(case["expected"]["cumulative"])
    view = _steps_view(res)
    one = res.k == 1
    assert one.tolist() == [True] + [False] * (fit.k - 1)
    for key in _ONE_STUDY_UNDEFINED:
        assert math.isnan(view[key][0])
        assert exp[key][0] == {"Q_pvalue": 1, "I2": 0, "H2": 1}[key]
        view[key], exp[key] = view[key][1:], exp[key][1:]
    if case["call"]["test"] != "z":
        # one study under knha/adhoc: metafor falls back to z inference; sysreview's common-effect fit of one study
        # has no t (k − p = 0) and gives NaN there (as it does for every method): compare from the second step on
        assert math.isnan(view["se"][0])
        view = {key: values[1:] if key not in _ONE_STUDY_UNDEFINED else values for key, values in view.items()}
        exp = {key: values[1:] if key not in _ONE_STUDY_UNDEFINED else values for key, values in exp.items()}
    assert_close(view, exp, where=f"{case['id']}.cumulative")


@pytest.mark.parametrize("case", _genq_cases())
def test_genq_influence(case: dict[str, Any]) -> None:
    fit = fit_case(case)
    exp = case["expected"]["influence"]
    view = influence_view(fit)
    assert_close(view, exp, where=f"{case['id']}.influence")
    assert view["influential"] == exp["influential"]


def test_the_genq_cases_cover_the_brief() -> None:
    cases = _cases("sensitivity_genq")
    assert len(cases) >= 9
    assert {c["dataset"] for c in cases} >= {"dat.debruin2009", "dat.gibson2002"}
    assert {c["call"]["method"] for c in cases} == {"GENQ"}  # GENQM refits: tests/diagnostics/test_api.py
    assert {c["call"]["test"] for c in cases} >= {"z", "knha", "adhoc"}
    assert sum("mods" in c["call"] for c in cases) >= 4


def test_the_cases_cover_the_brief() -> None:
    cases = _cases()
    assert len(cases) >= 18
    datasets = {c["dataset"] for c in cases}
    assert {"dat.bcg", "dat.molloy2014", "dat.konstantopoulos2011", "dat.gibson2002", "dat.linde2005"} <= datasets
    assert {c["call"]["method"] for c in cases} >= {"REML", "DL", "FE", "PM"}
    assert {c["call"]["test"] for c in cases} >= {"z", "knha", "adhoc"}
    # some cases leave a factor level without studies: NA rows
    assert sum(any(t is None for t in c["expected"]["leave1out"]["tau2"]) for c in cases) >= 3
