"""``sysreview demo``: seed 001's primary outcome (ECCA change, Table 3) pooled as Hedges' g with DerSimonian–Laird.

The expected numbers are computed here from the formulas, independently of sysreview:
Hedges' g = J(m) · (m1 − m2)/s_pooled with J(m) = Γ(m/2)/(√(m/2) Γ((m−1)/2)), m = n1 + n2 − 2 (Hedges 1981),
its large-sample variance 1/n1 + 1/n2 + g²/(2(n1 + n2)) (metafor's default vtype "LS"), and the DerSimonian &
Laird (1986) moment estimator τ² = max(0, (Q − (k − 1))/(Σw − Σw²/Σw)) with z-based inference.
"""

from __future__ import annotations

import csv
import json
import math
from importlib import resources
from pathlib import Path

import pytest

from tests._golden import RTOL, assert_close
from tests.cli._helpers import run

Z975 = 1.959963984540054  # qnorm(0.975)

#: seed 001 Table 3 (../shared/seeds/001_0f414a012d818148.txt, lines 102-118): n, ECCA change mean ± SD per arm
SEED_TABLE3 = [
    (14, -38.2, 8.1, 14, -9.3, 5.2),
    (106, -23.1, 5.8, 39, -7.6, 4.1),
    (48, -37.6, 6.9, 30, -20.9, 5.7),
    (40, -32.0, 5.6, 40, -23.3, 4.3),
    (48, -34.3, 6.5, 30, -18.2, 5.2),
    (10, -28.7, 5.1, 10, -13.3, 4.3),
]


def _hedges_g(row: tuple[float, ...]) -> tuple[float, float]:
    n1, m1, sd1, n2, m2, sd2 = row
    m = n1 + n2 - 2
    j = math.exp(math.lgamma(m / 2) - 0.5 * math.log(m / 2) - math.lgamma((m - 1) / 2))
    s_pooled = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / m)
    g = j * (m1 - m2) / s_pooled
    return g, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))


def _dersimonian_laird(y: list[float], v: list[float]) -> dict[str, float]:
    w = [1 / vi for vi in v]
    mean_fe = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
    q = sum(wi * (yi - mean_fe) ** 2 for wi, yi in zip(w, y, strict=True))
    c = sum(w) - sum(wi**2 for wi in w) / sum(w)
    tau2 = max(0.0, (q - (len(y) - 1)) / c)
    w_re = [1 / (vi + tau2) for vi in v]
    est = sum(wi * yi for wi, yi in zip(w_re, y, strict=True)) / sum(w_re)
    se = 1 / math.sqrt(sum(w_re))
    return {"estimate": est, "se": se, "ci_lower": est - Z975 * se, "ci_upper": est + Z975 * se, "tau2": tau2, "Q": q}


@pytest.fixture(scope="module")
def expected() -> dict[str, float]:
    effects = [_hedges_g(row) for row in SEED_TABLE3]
    return _dersimonian_laird([g for g, _ in effects], [v for _, v in effects])


def test_packaged_data_is_table_3_as_printed() -> None:
    text = (resources.files("sysreview") / "data" / "seed001_table3_ecca.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    numbers = [tuple(float(r[c]) for c in ("n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i")) for r in rows]
    assert numbers == [tuple(float(x) for x in row) for row in SEED_TABLE3]
    assert [r["study"] for r in rows] == [
        "1 SVF vs NS",
        "2 Fibroblast vs Placebo",
        "3 ReCell + dermabrasion vs Dermabrasion alone",
        "4 SVF-gel vs CO2 laser",
        "5 ReCell + laser vs Laser alone",
        "6 AT-ASCs vs Laser",
    ]
    assert all(r["source"].startswith(f"seed 001 Table 3, row {i}") for i, r in enumerate(rows, start=1))


def test_demo_pools_the_six_studies(tmp_path: Path, expected: dict[str, float]) -> None:
    out = tmp_path / "demo" / "result.json"
    result = run("demo", "--out", out)
    assert result.exit_code == 0, result.stderr
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["k"] == 6
    assert payload["measure"] == "SMD"
    assert payload["method"] == "DL"
    assert payload["test"] == "z"
    for key, value in expected.items():
        assert_close(payload[key], value, rtol=RTOL, where=f"demo.{key}")
    # the value the task statement anticipates: "something near −2.7"
    assert round(payload["estimate"], 2) == -2.68
    assert payload["reported"]["estimate"] == -1.25
    assert payload["reported"]["k"] == 18
    assert payload["agrees_with_reported"] is False


def test_demo_text_says_that_the_numbers_disagree(tmp_path: Path) -> None:
    result = run("demo", "--out", tmp_path / "r.json")
    text = result.stdout
    assert "Random-Effects Model (k = 6; tau^2 estimator: DL)" in text
    assert "pooled SMD = \u22122.68 (95% CI \u22123.22 to \u22122.14" in text
    assert "The review reports SMD = \u22121.25 (\u22121.80 to \u22120.70) for 18 studies" in text
    assert "DISAGREE" in text
    assert f"Result written to {tmp_path / 'r.json'}" in text


def test_demo_json_on_stdout_equals_the_file(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run("demo", "--out", out, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(out.read_text(encoding="utf-8"))


def test_demo_default_output_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("demo").exit_code == 0
    assert json.loads((tmp_path / "out" / "demo" / "result.json").read_text(encoding="utf-8"))["k"] == 6


def test_demo_unwritable_output(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = run("demo", "--out", blocker / "result.json")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {blocker / 'result.json'}: cannot write the result")
