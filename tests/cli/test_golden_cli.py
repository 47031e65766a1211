"""Every ``meta`` and ``effect_size`` case of the R metafor reference file, run through the command line.

Source: ../shared/golden/metafor_public.json (R metafor 3.8-1, threshold = 1e-12; see its README). Each case's
``input`` is written to a file (CSV; a few also as XLSX and TSV), ``sysreview meta`` / ``sysreview effects``
runs with the case's ``call``, and the JSON output is compared with ``expected`` at the tolerances of
tests/_golden.py (RTOL; RTOL_QPROFILE for the Q-profile intervals and tau2_se).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from tests._golden import RTOL, RTOL_QPROFILE, assert_close, cases_of, golden_cases
from tests.cli._helpers import call_args, run_json, write_table

QPROFILE_KEYS = frozenset({"tau2_ci", "I2_ci", "H2_ci", "tau2_se"})
TAU2_DEPENDENT_INTERVALS = frozenset({"tau2_se", "tau2_ci", "I2_ci", "H2_ci"})
#: metafor's convergence criterion in the reference run: iterations stop when τ² changes by less than this
METAFOR_THRESHOLD = 1e-12

#: cases also run from other file formats (with labels that hold commas, empty cells, mixed int/float)
OTHER_FORMATS = {
    "bcg_RR_REML_z": (".xlsx", ".tsv"),
    "bcg_OR_es": (".xlsx",),
    "yusuf_t6_PETO": (".xlsx",),
    "yusuf_t6_PETO_es": (".tsv", ".xlsx"),
    "normand_SMD_DL_z": (".tsv",),
    "bangert_DL_z": (".tsv", ".xlsx"),
    "molloy_ZCOR_REML_knha": (".xlsx",),
    "seed001_prepost_SMCR_REML_z": (".tsv",),
    "hackshaw_DL_knha": (".xlsx",),
    "bcg_RR_factor_metareg_REML_knha": (".xlsx",),
}


def _compare(actual: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    for key, value in expected.items():
        rtol = RTOL_QPROFILE if key in QPROFILE_KEYS else RTOL
        assert_close(actual.get(key), value, rtol=rtol, where=f"{where}.{key}")


def _with_formats(kind: str) -> list[Any]:
    params = []
    for param in cases_of(kind):
        case = param.values[0]
        params.append(pytest.param(case, ".csv", id=f"{case['id']}-csv"))
        for suffix in OTHER_FORMATS.get(case["id"], ()):
            params.append(pytest.param(case, suffix, id=f"{case['id']}-{suffix[1:]}"))
    return params


def _compare_fit(out: dict[str, Any], args: list[Any], expected: dict[str, Any], where: str) -> None:
    """Compare with metafor, allowing for metafor's own convergence threshold on τ² (as tests/models does).

    Where the reference τ² is tiny (1e-7, 1e-14), metafor stops up to 1e-12 (absolute) away from the exact
    solution, which we reach. Then our τ² must lie within that threshold of the reference, and every other
    number must match at the usual tolerance when τ² is fixed at the reference value (``--tau2``).
    """
    tau2_ref, tau2 = expected.get("tau2"), out.get("tau2")
    if (
        tau2_ref is not None
        and tau2 is not None
        and not math.isclose(tau2, tau2_ref, rel_tol=RTOL, abs_tol=0.0)
        and abs(tau2 - tau2_ref) <= METAFOR_THRESHOLD
    ):
        fixed = run_json(*args, "--tau2", repr(tau2_ref))
        _compare(fixed, {k: v for k, v in expected.items() if k != "tau2" and k not in TAU2_DEPENDENT_INTERVALS}, where)
        _compare(out, {k: v for k, v in expected.items() if k in TAU2_DEPENDENT_INTERVALS}, where)
        return
    _compare(out, expected, where)


@pytest.mark.parametrize(("case", "suffix"), _with_formats("meta"))
def test_meta(case: dict[str, Any], suffix: str, tmp_path: Path) -> None:
    path = write_table(case["input"], tmp_path / f"data{suffix}")
    args = ["meta", path, *call_args(case["call"])]
    out = run_json(*args)
    _compare_fit(out, args, case["expected"], case["id"])
    # one row per pooled study, weights in percent
    assert len(out["studies"]) == case["expected"]["k"]
    assert_close(sum(s["weight"] for s in out["studies"]), 100.0, where=f"{case['id']}.weights")


@pytest.mark.parametrize(("case", "suffix"), _with_formats("effect_size"))
def test_effects(case: dict[str, Any], suffix: str, tmp_path: Path) -> None:
    path = write_table(case["input"], tmp_path / f"data{suffix}")
    out = run_json("effects", path, *call_args(case["call"]))
    assert out["measure"] == case["call"]["measure"]
    _compare(out, case["expected"], case["id"])
    if "study" in case["input"]:
        assert out["study"] == [str(s) for s in case["input"]["study"]]


@pytest.mark.parametrize(("case", "suffix"), _with_formats("metaregression"))
def test_metaregression_with_mods(case: dict[str, Any], suffix: str, tmp_path: Path) -> None:
    path = write_table(case["input"], tmp_path / f"data{suffix}")
    args = ["meta", path, *call_args(case["call"])]
    out = run_json(*args)
    _compare_fit(out, args, case["expected"], case["id"])


@pytest.mark.parametrize(("case", "suffix"), _with_formats("subgroup"))
def test_subgroup(case: dict[str, Any], suffix: str, tmp_path: Path) -> None:
    path = write_table(case["input"], tmp_path / f"data{suffix}")
    out = run_json("meta", path, *call_args(case["call"]))
    _compare(out, case["expected"], case["id"])


def test_every_golden_case_kind_is_known() -> None:
    # a new kind in the reference file should get a CLI test here (or a reason why not)
    kinds = {case["call"]["kind"] for case in golden_cases()}
    assert kinds <= {"meta", "effect_size", "metaregression", "subgroup", "bias", "sensitivity"}
