"""``sysreview screen simulate``: order.csv, metrics as text and JSON, one-line errors with exit code 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from sysreview.cli import _screening
from sysreview.screening import MODELS, QUERY_STRATEGIES
from tests.screening._strategies import SCREENING_SETS, benchmark

ANTIHISTAMINES = SCREENING_SETS / "Cohen_2006_Antihistamines.csv.gz"


def _app() -> typer.Typer:
    """An application with this command group alone (``sysreview.cli`` wires it next to the project's commands)."""
    local = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)

    @local.callback()
    def _root() -> None:
        """sysreview"""

    _screening.register(local)
    return local


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(_app(), [str(a) for a in args])


def _toy_csv(path: Path) -> Path:
    rows = [("statin trial cholesterol", "randomised placebo ldl", 1)] * 1
    rows += [(f"statin dose {i}", "cholesterol trial ldl placebo", 1) for i in range(4)]
    rows += [(f"bird migration {i}", "estuary coast river", 0) for i in range(20)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "abstract", "label_included"])
        writer.writerows(rows)
    return path


def test_names_in_the_help_match_the_registries() -> None:
    assert set(_screening.MODEL_NAMES) == set(MODELS)
    assert set(_screening.QUERY_NAMES) == set(QUERY_STRATEGIES)


def test_importing_the_command_module_leaves_scikit_learn_unloaded() -> None:
    code = "import sys, sysreview.cli._screening; print('sklearn' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_simulate_with_reference_priors_writes_the_order_and_json(tmp_path: Path) -> None:
    """Priors of ASReview's seed-1 run on Antihistamines (rows 44 relevant, 283 irrelevant; screening_order.csv.gz)."""
    out = tmp_path / "order.csv"
    result = run(
        "screen", "simulate", benchmark(ANTIHISTAMINES), "--prior-included", "44", "--prior-excluded", "283",
        "--seed", "1", "--out", out, "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["prior_rows"] == [44, 283]
    assert payload["n_records"] == 308  # N' = 310 − 2
    assert payload["n_relevant"] == 15  # R' = 16 − 1
    assert set(payload) >= {"wss95", "wss100", "rrf10", "atd", "loss", "ndcg", "stops", "seconds_per_ranking"}
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["step", "dataset_row", "label"]
    assert len(rows) == payload["n_screened"]
    order = [int(r["dataset_row"]) for r in rows]
    assert 44 not in order
    assert 283 not in order
    assert len(set(order)) == len(order)
    assert sum(int(r["label"]) for r in rows) == 15
    assert rows[-1]["label"] == "1"


def test_simulate_text_output_and_random_priors(tmp_path: Path) -> None:
    out = tmp_path / "order.csv"
    result = run("screen", "simulate", _toy_csv(tmp_path / "toy.csv"), "--seed", "4", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "wss95" in result.stdout
    assert "hypergeometric(recall=0.95, confidence=0.95)" in result.stdout
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "step,dataset_row,label"
    # comma-separated rows are accepted too
    again = run(
        "screen", "simulate", tmp_path / "toy.csv", "--prior-included", "0,1", "--prior-excluded", "7",
        "--model", "LOGISTIC", "--out", out, "--format", "json",
    )  # fmt: skip
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["prior_rows"] == [0, 1, 7]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "bert"], "unknown model 'bert'; choose one of svm, logistic, nb, ensemble"),
        (["--prior-included", "x1", "--prior-excluded", "7"], "--prior-included: not a row number: 'x1'"),
        (["--prior-included", "0"], "give both --prior-included and --prior-excluded"),
        (["--prior-included", "7", "--prior-excluded", "8"], "prior-included row 7 is labelled irrelevant"),
        (["--prior-included", "0", "--prior-excluded", "99"], "prior-excluded row 99 is not a data row"),
        (["--format", "xml"], "unknown format 'xml'"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = run("screen", "simulate", _toy_csv(tmp_path / "toy.csv"), "--out", tmp_path / "o.csv", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_bad_file_and_bad_out(tmp_path: Path) -> None:
    missing = run("screen", "simulate", tmp_path / "none.csv", "--out", tmp_path / "o.csv")
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
    wrong = run("screen", "simulate", _toy_csv(tmp_path / "toy.csv"), "--out", tmp_path / "o.txt")
    assert wrong.exit_code == 2
    assert "--out must end in .csv" in wrong.stderr
