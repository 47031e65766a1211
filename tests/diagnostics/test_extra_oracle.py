"""Leave-one-out and influence diagnostics of meta-regressions through the API, against R metafor.

Source: the ``sensitivity_metareg`` cases of tests/data/metafor_extra.json, written by
``Rscript tools/oracle/make_cases.R`` (R metafor 3.8-1, threshold 1e-12): ``influence()`` of ``rma(yi, vi, mods =
~ ..., method, test)`` (inf, dfbs, is.infl) and, since metafor 3.8-1's ``leave1out()`` refuses models with
moderators, ``rma()`` refitted to the data without each study (NA where the model matrix without the study is not
of full rank, as ``influence()`` reports it). Effect sizes come from :func:`sysreview.effects.escalc` of the raw
columns, factors are coded as R codes them (first level in R's sort order as reference). Every number at
``tests._golden.RTOL``; the same cases run through ``sysreview sensitivity --mods`` in tests/cli/test_extra_oracle.py.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sysreview.diagnostics import influence, leave_one_out
from sysreview.effects import escalc
from sysreview.models import MetaResult, factor_levels, rma
from tests._golden import assert_close

EXTRA_FILE = Path(__file__).resolve().parents[1] / "data" / "metafor_extra.json"
RAW = ("ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i", "ri", "ni", "xi", "mi", "ti")


@cache
def _cases() -> tuple[dict[str, Any], ...]:
    with EXTRA_FILE.open(encoding="utf-8") as fh:
        return tuple(c for c in json.load(fh)["cases"] if c["call"]["kind"] == "sensitivity_metareg")


def fit_case(case: dict[str, Any]) -> MetaResult:
    """``rma`` of a case: effect sizes of its raw columns, its moderators (text columns dummy-coded as R does)."""
    inp, call = case["input"], case["call"]
    if "yi" in inp:
        yi, vi = np.asarray(inp["yi"], dtype=float), np.asarray(inp["vi"], dtype=float)
    else:
        es = escalc(call["measure"], **{c: inp[c] for c in RAW if c in inp})
        yi, vi = np.asarray(es.yi, dtype=float), np.asarray(es.vi, dtype=float)
    columns, names = [], []
    for mod in call["mods"]:
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
        mods=np.column_stack(columns),
        mod_names=names,
        method=call["method"],
        test=call["test"],
        study=[str(s) for s in inp["study"]],
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


def test_the_cases_cover_the_brief() -> None:
    cases = _cases()
    assert len(cases) >= 18
    datasets = {c["dataset"] for c in cases}
    assert {"dat.bcg", "dat.molloy2014", "dat.konstantopoulos2011", "dat.gibson2002", "dat.linde2005"} <= datasets
    assert {c["call"]["method"] for c in cases} >= {"REML", "DL", "FE", "PM"}
    assert {c["call"]["test"] for c in cases} >= {"z", "knha", "adhoc"}
    # some cases leave a factor level without studies: NA rows
    assert sum(any(t is None for t in c["expected"]["leave1out"]["tau2"]) for c in cases) >= 3
