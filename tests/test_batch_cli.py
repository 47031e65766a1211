"""``sysreview batch``: one row per analysis written to CSV or Parquet, one-line errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sysreview.batch import rma_batch
from sysreview.cli import app

runner = CliRunner()


@pytest.fixture
def long_csv(tmp_path):
    rng = np.random.default_rng(11)
    ks = rng.integers(1, 15, size=25)
    group = np.repeat(np.arange(25), ks)
    vi = rng.uniform(0.01, 0.2, group.size)
    data = pd.DataFrame({"set": group, "effect": rng.normal(0.3, np.sqrt(vi + 0.03)), "variance": vi})
    path = tmp_path / "long.csv"
    data.to_csv(path, index=False)
    return path, data


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_batch_writes_one_row_per_group(long_csv, tmp_path, suffix) -> None:
    path, data = long_csv
    out = tmp_path / f"results{suffix}"
    args = ["batch", str(path), "--group", "set", "--yi", "effect", "--vi", "variance", "--method", "PM"]
    result = runner.invoke(app, [*args, "--test", "knha", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
    expected = rma_batch(data, group="set", yi="effect", vi="variance", method="PM", test="knha")
    pd.testing.assert_frame_equal(written, expected, check_dtype=False, rtol=1e-12)
    assert "25 meta-analyses written" in result.output


def test_batch_errors_are_one_line_with_file_row_and_column(long_csv, tmp_path) -> None:
    path, data = long_csv
    data.loc[3, "variance"] = -1.0
    data.to_csv(path, index=False)
    out = tmp_path / "r.csv"
    result = runner.invoke(app, ["batch", str(path), "--group", "set", "--yi", "effect", "--vi", "variance",
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 2
    # data row 4 is spreadsheet row 5 (the header is row 1)
    assert result.output.strip() == f"error: {path}: row 5: column 'variance': negative sampling variance -1"
    result = runner.invoke(app, ["batch", str(path), "--group", "set", "--out", str(tmp_path / "r.json")])
    assert result.exit_code == 2
    assert "--out must end in .csv or .parquet" in result.output
