"""``sysreview meta --method GENQ|GENQM --weights COL`` (the metafor comparisons are in test_extra_oracle.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli._helpers import assert_one_line_error, run, run_json, write_table

YI = [0.1, 0.5, -0.2, 0.8, 0.3, 0.0]
VI = [0.05, 0.1, 0.02, 0.2, 0.07, 0.04]


def _data(tmp_path: Path, weights: list[float | None]) -> Path:
    return write_table({"study": list("abcdef"), "yi": YI, "vi": VI, "wi": weights}, tmp_path / "d.csv")


def test_genq_with_inverse_variance_weights_gives_the_dl_tau2(tmp_path: Path) -> None:
    path = _data(tmp_path, [1.0 / v for v in VI])
    genq = run_json("meta", path, "--method", "GENQ", "--weights", "wi")
    dl = run_json("meta", path, "--method", "DL")
    assert genq["method"] == "GENQ"
    assert genq["tau2"] == pytest.approx(dl["tau2"], rel=1e-12)
    assert sum(s["weight"] for s in genq["studies"]) == pytest.approx(100.0)


def test_genqm_reports_an_interval_and_omits_a_study_without_weight(tmp_path: Path) -> None:
    out = run_json("meta", _data(tmp_path, [1.0, 2.0, None, 1.0, 3.0, 1.0]), "--method", "GENQM", "--weights", "wi")
    assert out["k"] == 5
    assert out["tau2_ci"][0] <= out["tau2"] <= out["tau2_ci"][1]


def test_weights_are_required_and_only_for_genq(tmp_path: Path) -> None:
    path = _data(tmp_path, [1.0] * 6)
    assert_one_line_error(run("meta", path, "--method", "GENQ"), "--weights")
    assert_one_line_error(run("meta", path, "--method", "REML", "--weights", "wi"), "--weights")
    bad = _data(tmp_path, [1.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    assert_one_line_error(run("meta", bad, "--method", "GENQM", "--weights", "wi"), "wi")
