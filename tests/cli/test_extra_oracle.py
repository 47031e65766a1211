"""The wider R metafor oracle (tests/data/metafor_extra.json) through the command line, as the golden cases are.

Source: tests/data/metafor_extra.json, written by ``Rscript tools/oracle/make_cases.R`` (R metafor 3.8-1 with
metadat, threshold = 1e-12) in the golden file's format (../shared/golden/README.md) for datasets that are not in
the golden file: 2×2 tables with zero and double-zero cells (nielweise2007, laopaiboon2015, li2007, collins1985a,
linde2005, fine1993), means and SDs (gibson2002), correlations (mcdaniel1994), proportions (debruin2009,
pagliaro1992), incidence rates (hart1999), precomputed yi/vi (kalaian1996, bonett2010), with text, integer and
0/1 moderators, and the GENQ/GENQM estimators with user weights (``call.weights`` names the weights column;
their confidence intervals for τ² invert the exact distribution of the generalised Q statistic and are compared
at the Q-profile tolerance), and leave-one-out and influence diagnostics of meta-regressions (kind
``sensitivity_metareg``: metafor's influence() with its DFBETAS and flags, and rma() refitted without each study,
NA where the model matrix without the study is rank-deficient; run as ``sensitivity --mods``).
``tools/oracle/check_cli.py`` runs the same cases and lists every mismatching key of
every case.

Each case runs exactly as in tests/cli/test_golden_cli.py (meta, effects, metaregression, subgroup; its helpers)
and tests/diagnostics/test_cli.py (bias, sensitivity), at the tolerances of tests/_golden.py. One addition to the
tiny-τ² rule of the golden tests (documented difference 1): where metafor's iteration stops at a boundary value
near 0 (τ² ≤ 1e-10; SJIT converges linearly towards 0 and stops 1e-12 to 2e-11 above it) and ours is exactly 0,
the other numbers are compared at metafor's τ² too (``--tau2``), since I² = 100·τ²/(τ² + s²) is then ~1e-9 there.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests._golden import ATOL, assert_close
from tests.cli._helpers import call_args, run_json, write_table
from tests.cli.test_golden_cli import TAU2_DEPENDENT_INTERVALS, _compare, _compare_fit
from tests.diagnostics.test_cli import SENSITIVITY_KEYS, _data, check_bias

EXTRA_FILE = Path(__file__).resolve().parents[1] / "data" / "metafor_extra.json"


@cache
def extra_cases() -> tuple[dict[str, Any], ...]:
    with EXTRA_FILE.open(encoding="utf-8") as fh:
        return tuple(json.load(fh)["cases"])


def extra_of(kind: str) -> list[Any]:
    return [pytest.param(case, id=case["id"]) for case in extra_cases() if case["call"]["kind"] == kind]


def _fit_args(case: dict[str, Any], tmp_path: Path) -> list[Any]:
    path = write_table(case["input"], tmp_path / "data.csv")
    # GENQ / GENQM cases name their weights column (call.weights)
    weights = ["--weights", case["call"]["weights"]] if "weights" in case["call"] else []
    return ["meta", path, *call_args(case["call"]), *weights]


def _compare_fit_extra(out: dict[str, Any], args: list[Any], expected: dict[str, Any], where: str) -> None:
    """test_golden_cli._compare_fit, also at metafor's τ² where metafor stops at a boundary value near 0."""
    tau2_ref, tau2 = expected.get("tau2"), out.get("tau2")
    if tau2_ref is not None and tau2 == 0.0 and 0.0 < tau2_ref <= ATOL:
        fixed = run_json(*args, "--tau2", repr(tau2_ref))
        _compare(fixed, {k: v for k, v in expected.items() if k != "tau2" and k not in TAU2_DEPENDENT_INTERVALS}, where)
        _compare(out, {k: v for k, v in expected.items() if k in TAU2_DEPENDENT_INTERVALS}, where)
        return
    _compare_fit(out, args, expected, where)


def test_the_file_is_a_metafor_oracle_of_other_datasets() -> None:
    with EXTRA_FILE.open(encoding="utf-8") as fh:
        payload = json.load(fh)
    assert payload["generator"] == "R metafor"
    assert payload["metafor_version"] == "3.8.1"
    ids = [case["id"] for case in payload["cases"]]
    assert len(ids) == len(set(ids))
    kinds = {case["call"]["kind"] for case in payload["cases"]}
    assert kinds == {
        "meta",
        "effect_size",
        "metaregression",
        "subgroup",
        "bias",
        "sensitivity",
        "sensitivity_metareg",
        "sensitivity_genq",
    }


@pytest.mark.parametrize("case", extra_of("meta"))
def test_meta(case: dict[str, Any], tmp_path: Path) -> None:
    args = _fit_args(case, tmp_path)
    out = run_json(*args)
    _compare_fit_extra(out, args, case["expected"], case["id"])
    assert len(out["studies"]) == case["expected"]["k"]
    assert_close(sum(s["weight"] for s in out["studies"]), 100.0, where=f"{case['id']}.weights")


@pytest.mark.parametrize("case", extra_of("effect_size"))
def test_effects(case: dict[str, Any], tmp_path: Path) -> None:
    path = write_table(case["input"], tmp_path / "data.csv")
    out = run_json("effects", path, *call_args(case["call"]))
    assert out["measure"] == case["call"]["measure"]
    _compare(out, case["expected"], case["id"])
    assert out["study"] == [str(s) for s in case["input"]["study"]]


@pytest.mark.parametrize("case", extra_of("metaregression"))
def test_metaregression(case: dict[str, Any], tmp_path: Path) -> None:
    args = _fit_args(case, tmp_path)
    out = run_json(*args)
    _compare_fit_extra(out, args, case["expected"], case["id"])


@pytest.mark.parametrize("case", extra_of("subgroup"))
def test_subgroup(case: dict[str, Any], tmp_path: Path) -> None:
    out = run_json(*_fit_args(case, tmp_path))
    _compare(out, case["expected"], case["id"])


@pytest.mark.parametrize("case", extra_of("bias"))
def test_bias(case: dict[str, Any], tmp_path: Path) -> None:
    check_bias(_data(case, tmp_path), case["expected"])


@pytest.mark.parametrize("case", extra_of("sensitivity"))
def test_sensitivity(case: dict[str, Any], tmp_path: Path) -> None:
    call = case["call"]
    out = run_json("sensitivity", *_data(case, tmp_path), "--method", call["method"], "--test", call["test"])
    assert {k: set(v) for k, v in out.items()} == SENSITIVITY_KEYS
    exp = case["expected"]
    assert_close(out["leave_one_out"], exp["leave1out"], where="leave_one_out")
    influence = {k: v for k, v in exp["influence"].items() if k in SENSITIVITY_KEYS["influence"]}
    assert_close(out["influence"], influence, where="influence")
    assert_close(out["cumulative"], exp["cumulative"], where="cumulative")
    # hat values are the diagonal of the hat matrix (metafor's influence()$inf$hat): they add up to p = 1
    assert math.isclose(sum(exp["influence"]["hat"]), 1.0, rel_tol=1e-9)


#: the keys of ``sysreview sensitivity --mods`` (a meta-regression: no cumulative meta-analysis)
SENSITIVITY_METAREG_KEYS = {
    "leave_one_out": {"coefficients", "tau2", "I2", "H2", "Q", "Q_pvalue", "QM", "QM_pvalue"},
    "influence": {
        "rstudent",
        "dffits",
        "cooks_distance",
        "covratio",
        "tau2_deleted",
        "Q_deleted",
        "hat",
        "weight",
        "influential",
        "dfbetas",
    },
}


@pytest.mark.parametrize("case", extra_of("sensitivity_metareg"))
def test_sensitivity_metareg(case: dict[str, Any], tmp_path: Path) -> None:
    call = {k: v for k, v in case["call"].items() if k != "measure"}  # _data gives --measure
    out = run_json("sensitivity", *_data(case, tmp_path), *call_args(call))
    exp = case["expected"]
    assert {k: set(v) for k, v in out.items() if k != "notes"} == SENSITIVITY_METAREG_KEYS
    assert_close(out["leave_one_out"], exp["leave1out"], where=f"{case['id']}.leave_one_out")
    assert_close(out["influence"], exp["influence"], where=f"{case['id']}.influence")
    # the flags are metafor's exactly (None where metafor's is NA: no refit, and the hat value under its cut-off)
    assert out["influence"]["influential"] == exp["influence"]["influential"]
    # hat values are the diagonal of the hat matrix: they add up to p
    p = len(exp["leave1out"]["coefficients"])
    assert math.isclose(sum(out["influence"]["hat"]), p, rel_tol=1e-9)
    # rows without a refit are named in a note
    assert ("notes" in out) == any(t is None for t in exp["leave1out"]["tau2"])


@pytest.mark.parametrize("case", extra_of("sensitivity_genq"))
def test_sensitivity_genq(case: dict[str, Any], tmp_path: Path) -> None:
    """``sensitivity --method GENQ --weights COL``: every refit weights its studies by their values of COL."""
    call = {k: v for k, v in case["call"].items() if k not in ("measure", "weights")}  # _data gives --measure
    out = run_json("sensitivity", *_data(case, tmp_path), *call_args(call), "--weights", case["call"]["weights"])
    exp = case["expected"]
    if "mods" in call:
        assert {k: set(v) for k, v in out.items() if k != "notes"} == SENSITIVITY_METAREG_KEYS
        assert_close(out["leave_one_out"], exp["leave1out"], where=f"{case['id']}.leave_one_out")
        assert_close(out["influence"], exp["influence"], where=f"{case['id']}.influence")
        assert out["influence"]["influential"] == exp["influence"]["influential"]
        return
    assert {k: set(v) for k, v in out.items()} == SENSITIVITY_KEYS
    loo = {k: v for k, v in exp["leave1out"].items() if k in SENSITIVITY_KEYS["leave_one_out"]}
    assert_close(out["leave_one_out"], loo, where=f"{case['id']}.leave_one_out")
    influence = {k: v for k, v in exp["influence"].items() if k in SENSITIVITY_KEYS["influence"]}
    assert_close(out["influence"], influence, where=f"{case['id']}.influence")
    # the first step (one study) under knha/adhoc: see tests/diagnostics/test_extra_oracle.py::test_genq_cumulative
    first = 0 if call["test"] == "z" else 1
    cum = {k: v[first:] for k, v in exp["cumulative"].items() if k in SENSITIVITY_KEYS["cumulative"]}
    assert_close({k: v[first:] for k, v in out["cumulative"].items()}, cum, where=f"{case['id']}.cumulative")
