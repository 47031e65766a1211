"""``sysreview bias`` and ``sysreview sensitivity``: the golden cases through the command line, the JSON contract,
and one-line errors for bad input.

Source of the reference numbers: ../shared/golden/metafor_public.json (R metafor 3.8-1; see test_golden.py for how
each key maps to a call). Each case's ``input`` is written as a CSV file with every column it has: cases with raw
2×2 columns run with ``--measure`` (effect sizes by escalc), the others read yi and vi.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner, Result

from sysreview.cli import _diagnostics
from sysreview.diagnostics import cumulative
from sysreview.models import rma
from tests._golden import assert_close, cases_of
from tests.cli._helpers import assert_one_line_error, write_table
from tests.models._cases import effect_sizes

BIAS_KEYS = {
    "egger": {"statistic", "pvalue", "df", "intercept"},
    "egger_rma": {"statistic", "pvalue"},
    "begg": {"tau", "pvalue"},
    "trimfill": {"k0", "side", "estimate", "ci_lower", "ci_upper", "tau2"},
    "failsafe": {"rosenthal", "orwin", "rosenberg"},
}
SENSITIVITY_KEYS = {
    "leave_one_out": {"estimate", "ci_lower", "ci_upper", "tau2", "I2"},
    "influence": {"rstudent", "cooks_distance", "hat", "dffits"},
    "cumulative": {"estimate", "ci_lower", "ci_upper"},
}


def _app() -> typer.Typer:
    """The application, with this module's commands (registered here until the lead wires them in)."""
    from sysreview.cli import app

    if any(c.name == "bias" for c in app.registered_commands):
        return app
    local = typer.Typer(pretty_exceptions_enable=False, add_completion=False)

    @local.callback()
    def _root() -> None:
        """sysreview (test application)."""

    _diagnostics.register(local)
    return local


_RUNNER = CliRunner()


def run(*args: str | Path) -> Result:
    return _RUNNER.invoke(_app(), [str(a) for a in args])


def run_json(*args: str | Path) -> dict[str, Any]:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr or result.stdout}"
    payload = json.loads(result.stdout)
    assert isinstance(payload, dict)
    return payload


def _data(case: dict[str, Any], tmp_path: Path) -> list[str | Path]:
    """The data file of a case and the --measure option it needs."""
    path = write_table(case["input"], tmp_path / "data.csv")
    measure = case["call"].get("measure")
    return [path, "--measure", measure] if measure else [path]


def check_bias(data: list[str | Path], exp: dict[str, Any]) -> dict[str, Any]:
    """Run ``sysreview bias`` (REML and FE) on a reference case and compare every contract key with metafor's
    values; returns the REML output."""
    reml = run_json("bias", *data, "--method", "REML")
    assert {k: set(v) for k, v in reml.items()} == BIAS_KEYS
    assert_close(reml["egger"], exp["egger_lm"], where="egger")
    assert_close(reml["egger_rma"], exp["egger_rma_REML"], where="egger_rma")
    assert_close(reml["begg"], exp["begg"], where="begg")
    assert_close(reml["failsafe"]["rosenthal"], exp["failsafe_rosenthal"]["n"], where="failsafe.rosenthal")
    assert_close(reml["failsafe"]["rosenberg"], exp["failsafe_rosenberg"]["n"], where="failsafe.rosenberg")
    # metafor's trimfill refits at its default threshold 1e-5, and so does ours by default
    assert_close(reml["trimfill"], exp["trimfill_REML"], where="trimfill_REML")
    fe = run_json("bias", *data, "--method", "FE")
    assert_close(fe["trimfill"], exp["trimfill_FE"], where="trimfill_FE")
    assert fe["trimfill"]["tau2"] == 0.0
    return reml


@pytest.mark.parametrize("case", cases_of("bias"))
def test_bias_golden(case: dict[str, Any], tmp_path: Path) -> None:
    out = check_bias(_data(case, tmp_path), case["expected"])
    # Orwin with the default target (half the unweighted mean) is k (Orwin 1983; metafor's fsn default)
    assert out["failsafe"]["orwin"] == len(effect_sizes(case)[0])


@pytest.mark.parametrize("case", cases_of("sensitivity"))
def test_sensitivity_golden(case: dict[str, Any], tmp_path: Path) -> None:
    call = case["call"]
    out = run_json("sensitivity", *_data(case, tmp_path), "--method", call["method"], "--test", call["test"])
    assert {k: set(v) for k, v in out.items()} == SENSITIVITY_KEYS
    exp = case["expected"]
    assert_close(out["leave_one_out"], exp["leave1out"], where="leave_one_out")
    influence = {k: v for k, v in exp["influence"].items() if k in SENSITIVITY_KEYS["influence"]}
    assert_close(out["influence"], influence, where="influence")
    assert_close(out["cumulative"], exp["cumulative"], where="cumulative")


def test_cumulative_order_column(tmp_path: Path) -> None:
    """--order year adds the studies by year (ties in data order), as the API's cumulative(order=...)."""
    case = cases_of("sensitivity")[2].values[0]  # dat.raudenbush1985: yi, vi and year
    assert case["id"] == "raudenbush_sensitivity"
    path = write_table(case["input"], tmp_path / "data.csv")
    out = run_json("sensitivity", path, "--order", "year")
    yi, vi = effect_sizes(case)
    api = cumulative(rma(yi, vi), order=case["input"]["year"])
    assert_close(out["cumulative"]["estimate"], api.estimate.tolist(), where="cumulative.estimate")
    assert not np.allclose(out["cumulative"]["estimate"], case["expected"]["cumulative"]["estimate"])


def test_text_output(tmp_path: Path) -> None:
    case = cases_of("bias")[1].values[0]
    path = write_table(case["input"], tmp_path / "data.csv")
    bias = run("bias", path)
    assert bias.exit_code == 0, bias.stderr
    for part in ("Egger's test", "Begg's rank correlation", "Trim-and-fill (L0, REML): 7 studies", "Fail-safe N"):
        assert part in bias.stdout
    sens = run("sensitivity", path, "--format", "text")
    assert sens.exit_code == 0, sens.stderr
    assert "Leave-one-out" in sens.stdout
    assert "Garfinkel" in sens.stdout


def _yi_vi(tmp_path: Path, vi: list[Any]) -> Path:
    return write_table(
        {"study": ["A", "B", "C", "D"], "yi": [0.1, 0.5, -0.2, 0.3], "vi": vi, "year": [2001, 2000, 2003, 2002]},
        tmp_path / "bad.csv",
    )


def test_negative_variance_names_file_row_and_column(tmp_path: Path) -> None:
    path = _yi_vi(tmp_path, [0.1, 0.2, -0.3, 0.1])
    for command in ("bias", "sensitivity"):
        assert_one_line_error(run(command, path), str(path), "row 4", "column 'vi'")


def test_text_in_a_numeric_column(tmp_path: Path) -> None:
    path = _yi_vi(tmp_path, [0.1, "n/k", 0.3, 0.1])
    assert_one_line_error(run("bias", path), str(path), "row 3", "column 'vi'", "not a number")


def test_missing_columns(tmp_path: Path) -> None:
    path = write_table({"study": ["A", "B"], "effect": [0.1, 0.2]}, tmp_path / "x.csv")
    assert_one_line_error(run("sensitivity", path), str(path), "yi")


def test_bad_options(tmp_path: Path) -> None:
    path = _yi_vi(tmp_path, [0.1, 0.2, 0.3, 0.1])
    assert_one_line_error(run("bias", path, "--method", "XX"), "method", "REML")
    assert_one_line_error(run("bias", path, "--method", "MH"), "method")
    assert_one_line_error(run("sensitivity", path, "--test", "w"), "test", "knha")
    assert_one_line_error(run("sensitivity", path, "--order", "nope"), "nope", "year")
    assert_one_line_error(run("bias", path, "--format", "xml"), "format", "json")


def test_too_few_studies(tmp_path: Path) -> None:
    path = write_table({"yi": [0.1, 0.3], "vi": [0.1, 0.2]}, tmp_path / "two.csv")
    assert_one_line_error(run("bias", path), "at least 3 studies")


def test_sensitivity_of_a_meta_regression(tmp_path: Path) -> None:
    """--mods: leave-one-out with every coefficient and influence with DFBETAS; a factor level of one study gives
    NA rows and a note; --order (cumulative) does not apply."""
    path = write_table(
        {
            "study": ["A", "B", "C", "D", "E", "F", "G"],
            "yi": [0.1, 0.5, -0.2, 0.3, 0.9, 0.4, -0.1],
            "vi": [0.04, 0.1, 0.02, 0.05, 0.3, 0.08, 0.06],
            "dose": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "arm": ["a", "a", "a", "b", "b", "b", "c"],
        },
        tmp_path / "reg.csv",
    )
    out = run_json("sensitivity", path, "--mods", "dose", "--mods", "arm", "--method", "DL")
    assert set(out) == {"leave_one_out", "influence", "notes"}
    names = [c["name"] for c in out["leave_one_out"]["coefficients"]]
    assert names == ["intrcpt", "dose", "armb", "armc"]
    assert out["leave_one_out"]["tau2"][6] is None
    assert set(out["influence"]["dfbetas"]) == set(names)
    assert any("study G" in note for note in out["notes"])
    text = run("sensitivity", path, "--mods", "dose", "--mods", "arm")
    assert text.exit_code == 0, text.stderr
    for part in ("meta-regression", "DFBETAS", "armc", "NA", "Note: without study G"):
        assert part in text.stdout
    assert_one_line_error(run("sensitivity", path, "--mods", "dose", "--order", "dose"), "--order", "--mods")
