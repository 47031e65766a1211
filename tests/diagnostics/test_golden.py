"""Every ``bias`` and ``sensitivity`` case of the R metafor reference file, through the Python API.

Source: ../shared/golden/metafor_public.json (R metafor 3.8-1 on metadat datasets, threshold = 1e-12; see its
README). Every key of each case's ``expected`` is compared at RTOL (tests/_golden.py). Effect sizes of cases with
raw 2×2 columns come from the golden ``effect_size`` case of the same dataset and measure, so these tests do not
depend on escalc (tests/diagnostics/test_cli.py runs the whole chain from the raw columns).

The expected keys map to calls as follows (metafor call in brackets):

- ``egger_lm``: ``egger_test(fit, model="lm")`` [``regtest(res, model="lm")``]; ``intercept`` is the limit
  estimate, the intercept of the regression of yi on sei (``regtest``'s ``est``)
- ``egger_rma_<METHOD>``: ``egger_test(fit, model="rma")`` on a <METHOD> fit [``regtest(res)``]
- ``begg``: ``begg_test(fit)`` [``ranktest(res)``]
- ``trimfill_<METHOD>`` / ``trimfill_R0_<METHOD>``: ``trim_and_fill(fit, estimator=...)`` on a <METHOD> fit
- ``failsafe_rosenthal`` / ``failsafe_rosenberg``: ``fail_safe_n(fit, type=...)`` [``fsn(yi, vi, type=...)``]
- ``leave1out`` / ``influence`` / ``cumulative``: ``leave_one_out``, ``influence``, ``cumulative`` (data order)
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from sysreview.diagnostics import (
    begg_test,
    cumulative,
    egger_test,
    fail_safe_n,
    influence,
    leave_one_out,
    trim_and_fill,
)
from sysreview.models import Control, MetaResult, rma
from tests._golden import RTOL, assert_close, cases_of
from tests.models._cases import effect_sizes

#: metafor's trimfill refits the model with its default convergence threshold (1e-5), whatever control the model
#: was fitted with: Control(threshold=1e-5) reproduces the reference digits (to ~1e-15) for iterative estimators,
#: whose exact solution (our default) lies up to ~3e-5 (relative) away. See test_trimfill_exact_solution_is_close.
METAFOR_TRIMFILL_CONTROL = Control(threshold=1e-5)


def _params(kind: str) -> list[Any]:
    return [
        pytest.param(case, key, id=f"{case['id']}-{key}")
        for param in cases_of(kind)
        for case in param.values
        for key in case["expected"]
    ]


def _fit(case: dict[str, Any], method: str, test: str = "z") -> MetaResult:
    yi, vi = effect_sizes(case)
    return rma(yi, vi, method=method, test=test, study=case["input"].get("study"))


def bias_result(case: dict[str, Any], key: str) -> dict[str, Any]:
    """Our value of one ``expected`` key of a ``bias`` case, as a mapping with the reference's field names."""
    if key == "egger_lm":
        r = egger_test(_fit(case, "REML"), model="lm")
        return {"statistic": r.statistic, "pvalue": r.pvalue, "df": r.df, "intercept": r.intercept}
    if key.startswith("egger_rma_"):
        r = egger_test(_fit(case, key.removeprefix("egger_rma_")), model="rma")
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    if key == "begg":
        b = begg_test(_fit(case, "REML"))
        return {"tau": b.tau, "pvalue": b.pvalue}
    if key.startswith("trimfill_"):
        rest = key.removeprefix("trimfill_")
        estimator, method = ("R0", rest.removeprefix("R0_")) if rest.startswith("R0_") else ("L0", rest)
        t = trim_and_fill(_fit(case, method), estimator=estimator)  # default: metafor's refit threshold
        return {
            "k0": t.k0,
            "side": t.side,
            "estimate": t.estimate,
            "ci_lower": t.ci_lower,
            "ci_upper": t.ci_upper,
            "tau2": t.tau2,
        }
    if key.startswith("failsafe_"):
        kind = key.removeprefix("failsafe_").capitalize()
        return {"n": fail_safe_n(_fit(case, "REML"), type=kind).n}
    raise AssertionError(f"no API call for the expected key {key!r}; extend bias_result")


def sensitivity_result(case: dict[str, Any], key: str) -> dict[str, Any]:
    """Our value of one ``expected`` key of a ``sensitivity`` case."""
    fit = _fit(case, case["call"]["method"], case["call"]["test"])
    if key == "leave1out":
        return leave_one_out(fit).to_dict()
    if key == "influence":
        return influence(fit).to_dict()
    if key == "cumulative":
        return cumulative(fit).to_dict()
    raise AssertionError(f"no API call for the expected key {key!r}; extend sensitivity_result")


@pytest.mark.parametrize(("case", "key"), _params("bias"))
def test_bias(case: dict[str, Any], key: str) -> None:
    assert_close(bias_result(case, key), case["expected"][key], where=f"{case['id']}.{key}")


@pytest.mark.parametrize(("case", "key"), _params("sensitivity"))
def test_sensitivity(case: dict[str, Any], key: str) -> None:
    assert_close(sensitivity_result(case, key), case["expected"][key], where=f"{case['id']}.{key}")


def test_every_kind_is_covered() -> None:
    assert len(_params("bias")) >= 24
    assert len(_params("sensitivity")) >= 9


@pytest.mark.parametrize(
    "case", [p for p in cases_of("bias") if "trimfill_REML" in p.values[0]["expected"]], ids=lambda c: c["id"]
)
def test_trimfill_exact_solution_is_close(case: dict[str, Any]) -> None:
    """With exact refits (threshold 1e-12), trim-and-fill finds the same k0 and side and agrees to 1e-4.

    The reference was computed by metafor's trimfill at its default threshold (see METAFOR_TRIMFILL_CONTROL),
    which is also our default; this bounds how far that is from the exact solution.
    """
    expected = case["expected"]["trimfill_REML"]
    t = trim_and_fill(_fit(case, "REML"), control=Control(threshold=1e-12))
    assert (t.k0, t.side) == (expected["k0"], expected["side"])
    for name in ("estimate", "ci_lower", "ci_upper", "tau2"):
        assert math.isclose(getattr(t, name), expected[name], rel_tol=1e-4)
    matched = trim_and_fill(_fit(case, "REML"))
    assert math.isclose(matched.estimate, expected["estimate"], rel_tol=RTOL)
