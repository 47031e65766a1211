"""The ``effects`` and ``meta`` commands: column mapping, labels, text output, JSON shape, left-out rows.

Numbers: dat.bcg (metadat; Colditz et al. 1994) with the R metafor 3.8-1 reference values of
../shared/golden/metafor_public.json, case ``bcg_RR_REML_z`` unless said otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests._golden import RTOL, assert_close, golden_cases
from tests.cli._helpers import run, run_json, write_table

CONTRACT_KEYS = {
    "k", "estimate", "se", "statistic", "pvalue", "ci_lower", "ci_upper", "tau2", "tau2_se", "tau2_ci", "I2",
    "I2_ci", "H2", "H2_ci", "Q", "Q_df", "Q_pvalue", "pi_lower", "pi_upper", "studies",
}  # fmt: skip


def _case(case_id: str) -> dict[str, Any]:
    return next(c for c in golden_cases() if c["id"] == case_id)


@pytest.fixture
def bcg(tmp_path: Path) -> Path:
    return write_table(_case("bcg_RR_REML_z")["input"], tmp_path / "bcg.csv")


def test_meta_json_has_the_contract_keys(bcg: Path) -> None:
    out = run_json("meta", bcg, "--measure", "RR")
    assert set(out) >= CONTRACT_KEYS
    assert out["method"] == "REML"  # the default method
    assert out["test"] == "z"  # the default test
    assert isinstance(out["tau2_ci"], list)
    assert len(out["tau2_ci"]) == 2
    assert set(out["studies"][0]) == {"study", "yi", "vi", "weight"}
    assert out["studies"][0]["study"] == "Aronson"
    assert_close(out["estimate"], _case("bcg_RR_REML_z")["expected"]["estimate"], rtol=RTOL)


def test_non_finite_values_are_null(bcg: Path) -> None:
    # common-effect model: no tau² interval, no prediction interval; JSON has null there, never NaN
    result = run("meta", bcg, "--measure", "RR", "--method", "FE", "--format", "json")
    assert result.exit_code == 0
    assert "NaN" not in result.stdout
    assert "Infinity" not in result.stdout
    out = json.loads(result.stdout)
    assert out["pi_lower"] is None
    assert out["pi_upper"] is None
    assert out["tau2"] == 0


@pytest.mark.parametrize("level", ["95", "0.95", "95%"])
def test_level_as_fraction_or_percent(bcg: Path, level: str) -> None:
    out = run_json("meta", bcg, "--measure", "RR", "--level", level)
    assert out["level"] == 0.95
    assert_close(out["ci_lower"], _case("bcg_RR_REML_z")["expected"]["ci_lower"], rtol=RTOL)


def test_level_90_narrows_the_interval(bcg: Path) -> None:
    out95 = run_json("meta", bcg, "--measure", "RR")
    out90 = run_json("meta", bcg, "--measure", "RR", "--level", "90")
    assert out90["level"] == 0.9
    assert out95["ci_lower"] < out90["ci_lower"] < out90["estimate"] < out90["ci_upper"] < out95["ci_upper"]
    # z interval: the half-width scales with the normal quantile (1.6448536 / 1.9599640)
    ratio = (out90["ci_upper"] - out90["ci_lower"]) / (out95["ci_upper"] - out95["ci_lower"])
    assert_close(ratio, 1.6448536269514722 / 1.959963984540054, rtol=RTOL)


def test_codes_are_case_insensitive(bcg: Path) -> None:
    out = run_json("meta", bcg, "--measure", "rr", "--method", "reml", "--test", "Z")
    assert (out["measure"], out["method"], out["test"]) == ("RR", "REML", "z")


def test_column_mapping_gives_the_same_result(tmp_path: Path) -> None:
    case = _case("hackshaw_REML_z")
    inp = case["input"]
    renamed = {"Author": inp["study"], "logOR": inp["yi"], "variance": inp["vi"]}
    path = write_table(renamed, tmp_path / "mapped.csv")
    out = run_json("meta", path, "--col", "yi=logOR", "--col", "vi=variance", "--col", "study=Author")
    assert_close(out["estimate"], case["expected"]["estimate"], rtol=RTOL)
    assert_close(out["tau2"], case["expected"]["tau2"], rtol=RTOL)
    assert [s["study"] for s in out["studies"]] == inp["study"]


def test_mapping_for_effects_and_raw_columns(tmp_path: Path) -> None:
    case = _case("bcg_OR_es")
    inp = case["input"]
    cols = {"trial": inp["study"], "tpos": inp["ai"], "tneg": inp["bi"], "cpos": inp["ci"], "cneg": inp["di"]}
    path = write_table(cols, tmp_path / "bcg_named.csv")
    maps = ["--col", "ai=tpos", "--col", "bi=tneg", "--col", "ci=cpos", "--col", "di=cneg", "--col", "study=trial"]
    out = run_json("effects", path, "--measure", "OR", *maps)
    assert_close(out["yi"], case["expected"]["yi"], rtol=RTOL)
    assert_close(out["vi"], case["expected"]["vi"], rtol=RTOL)
    assert out["study"] == inp["study"]


def test_standard_errors_instead_of_variances(tmp_path: Path) -> None:
    case = _case("hackshaw_DL_z")
    inp = case["input"]
    path = write_table({"yi": inp["yi"], "sei": [v**0.5 for v in inp["vi"]]}, tmp_path / "sei.csv")
    out = run_json("meta", path, "--method", "DL")
    assert_close(out["estimate"], case["expected"]["estimate"], rtol=RTOL)
    assert_close(out["tau2"], case["expected"]["tau2"], rtol=RTOL)
    # without a label column, studies are numbered 1..k
    assert [s["study"] for s in out["studies"]][:3] == ["1", "2", "3"]


def test_author_column_labels_studies(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Author,yi,vi\nSmith 2001,0.1,0.01\n,0.2,0.02\n", encoding="utf-8")
    out = run_json("meta", path)
    assert [s["study"] for s in out["studies"]] == ["Smith 2001", "2"]


def test_row_without_data_is_left_out_with_a_note(tmp_path: Path) -> None:
    # dat.yusuf1985 row 8 (Snow 1) has no 2×2 data; metafor leaves it out (k = 21)
    case = _case("yusuf_t6_MH_OR")
    path = write_table(case["input"], tmp_path / "yusuf.csv")
    out = run_json("meta", path, "--method", "MH")
    assert out["k"] == 21
    assert out["omitted"] == [{"row": 9, "study": "Snow 1", "reason": "no data in ai, bi, ci, di"}]
    assert "row 9 (study Snow 1) left out: no data in ai, bi, ci, di" in out["notes"]
    text = run("meta", path, "--method", "MH")
    assert text.exit_code == 0
    assert "Note: row 9 (study Snow 1) left out" in text.stdout


def test_effects_keeps_every_row(tmp_path: Path) -> None:
    case = _case("yusuf_t6_PETO_es")
    path = write_table(case["input"], tmp_path / "yusuf.csv")
    out = run_json("effects", path, "--measure", "PETO")
    assert len(out["yi"]) == 22
    assert out["yi"][7] is None
    assert out["vi"][7] is None
    assert out["row"][:3] == [2, 3, 4]
    assert out["notes"] == [f"{path}: row 9: no data in ai, bi, ci, di; no effect size"]


def test_meta_text_prints_the_summary(bcg: Path) -> None:
    result = run("meta", bcg, "--measure", "RR")
    assert result.exit_code == 0
    assert result.stderr == ""
    text = result.stdout
    assert "Random-Effects Model (k = 13; tau^2 estimator: REML)" in text
    assert "Test for Heterogeneity:" in text
    assert "Q(df = 12) = 152.2330" in text
    # estimate −0.7145 on the log scale, RR = exp(−0.7145) = 0.4894 back-transformed
    assert "-0.7145" in text
    assert "0.4894" in text
    assert "Aronson" in text


def test_effects_text_is_a_table(tmp_path: Path) -> None:
    case = _case("normand_SMD_es")
    path = write_table(case["input"], tmp_path / "normand.csv")
    result = run("effects", path, "--measure", "SMD")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Effect sizes: measure SMD")
    assert lines[2].split() == ["row", "study", "yi", "vi", "sei"]
    first = lines[3].split()
    assert first[0] == "2"
    assert float(first[-3]) == pytest.approx(case["expected"]["yi"][0], abs=5e-5)
    assert float(first[-2]) == pytest.approx(case["expected"]["vi"][0], abs=5e-5)


def test_meta_regression_text_and_names(bcg: Path) -> None:
    out = run_json("meta", bcg, "--measure", "RR", "--mods", "alloc", "--mods", "ablat", "--test", "knha")
    assert [c["name"] for c in out["coefficients"]] == ["intrcpt", "allocrandom", "allocsystematic", "ablat"]
    text = run("meta", bcg, "--measure", "RR", "--mods", "alloc")
    assert "Mixed-Effects Meta-Regression Model" in text.stdout
    assert "allocrandom" in text.stdout
    assert "Test of Moderators:" in text.stdout


def test_factor_of_a_numeric_moderator(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    rows = ["yi,vi,grade", "0.1,0.01,1", "0.3,0.02,2", "0.2,0.015,1", "0.5,0.03,2", "0.4,0.01,3", "0.6,0.02,3"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = run_json("meta", path, "--mods", "factor(grade)")
    assert [c["name"] for c in out["coefficients"]] == ["intrcpt", "factor(grade)2", "factor(grade)3"]


def test_subgroup_text(bcg: Path) -> None:
    result = run("meta", bcg, "--measure", "RR", "--subgroup", "alloc")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "Subgroup analysis by alloc" in text
    # bcg_RR_subgroup_alloc_REML: random k = 7, estimate −0.9710; Q_between(df = 2) = 1.8614
    assert "random" in text
    assert "-0.9710" in text
    assert "Q_between(df = 2) = 1.8614" in text


def test_xlsx_second_sheet(tmp_path: Path) -> None:
    import openpyxl

    case = _case("hackshaw_REML_z")
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["extracted by A and B"])
    sheet = book.create_sheet("Data")
    sheet.append(["study", "yi", "vi"])
    for row in zip(case["input"]["study"], case["input"]["yi"], case["input"]["vi"], strict=True):
        sheet.append(list(row))
    path = tmp_path / "review.xlsx"
    book.save(path)
    out = run_json("meta", path, "--sheet", "Data")
    assert_close(out["estimate"], case["expected"]["estimate"], rtol=RTOL)


def test_latin1_file_gives_a_note_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("study,yi,vi\nMüller,0.1,0.01\nGarcía,0.3,0.02\n".encode("latin-1"))
    result = run("meta", path, "--format", "json")
    assert result.exit_code == 0
    assert result.stderr.startswith(f"note: {path}: not valid UTF-8")
    assert [s["study"] for s in json.loads(result.stdout)["studies"]] == ["Müller", "García"]


def test_yi_column_is_not_used_when_raw_columns_and_measure_are_given(tmp_path: Path) -> None:
    case = _case("normand_SMD_DL_z")
    columns = dict(case["input"])
    columns["yi"] = [0.0] * len(columns["study"])
    columns["vi"] = [1.0] * len(columns["study"])
    path = write_table(columns, tmp_path / "both.csv")
    out = run_json("meta", path, "--measure", "SMD", "--method", "DL")
    assert_close(out["estimate"], case["expected"]["estimate"], rtol=RTOL)
    assert any("the file's yi column is not used" in n for n in out["notes"])


def test_fixed_tau2(bcg: Path) -> None:
    out = run_json("meta", bcg, "--measure", "RR", "--tau2", "0")
    fe = _case("bcg_RR_FE_z")["expected"]
    # τ² fixed at 0 gives the common-effect estimate
    assert_close(out["estimate"], fe["estimate"], rtol=RTOL)
    assert_close(out["se"], fe["se"], rtol=RTOL)


def test_measure_labels_precomputed_effect_sizes(tmp_path: Path) -> None:
    # dat.hackshaw1998 gives log odds ratios: --measure OR labels them (and back-transforms the summary)
    case = _case("hackshaw_REML_z")
    path = write_table(case["input"], tmp_path / "hackshaw.csv")
    out = run_json("meta", path, "--measure", "OR")
    assert out["measure"] == "OR"
    assert_close(out["estimate"], case["expected"]["estimate"], rtol=RTOL)
    assert "yi, vi taken from the file as measure OR (it has no raw columns for OR)" in out["notes"]
