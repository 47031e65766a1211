"""Batch fitting: every group's result equals the one-at-a-time rma, with pandas, polars, mappings and Dask."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysreview.batch import rma_batch
from sysreview.errors import InputError
from sysreview.models import BATCH_COLUMNS, fit_groups, rma
from sysreview.models._tau2 import RANDOM_EFFECTS_METHODS

FIELDS = ("estimate", "se", "statistic", "pvalue", "ci_lower", "ci_upper", "tau2", "I2", "H2", "Q", "Q_pvalue",
          "pi_lower", "pi_upper")  # fmt: skip


def _long_data(seed: int, groups: int = 60, max_k: int = 25) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ks = rng.integers(1, max_k, size=groups)
    group = np.repeat([f"g{i:03d}" for i in range(groups)], ks)
    vi = rng.uniform(0.01, 0.3, group.size)
    yi = rng.normal(0.2, np.sqrt(vi + rng.choice([0.0, 0.02, 0.2])))
    return pd.DataFrame({"analysis": group, "yi": yi, "vi": vi})


def _assert_equals_rma(frame: pd.DataFrame, data: pd.DataFrame, method: str, test: str) -> None:
    for row in frame.itertuples(index=False):
        sub = data[data["analysis"] == row.analysis]
        one = rma(sub["yi"].to_numpy(), sub["vi"].to_numpy(), method=method, test=test)
        assert row.k == one.k
        for name in FIELDS:
            expected = getattr(one, name)
            got = getattr(row, name)
            if expected is None or (isinstance(expected, float) and math.isnan(expected)):
                assert math.isnan(got), (row.analysis, name, got)
            else:
                assert got == pytest.approx(expected, rel=1e-10, abs=1e-13), (row.analysis, name)
        assert bool(row.converged) == one.converged


@pytest.mark.parametrize("method", ["FE", *RANDOM_EFFECTS_METHODS])
@pytest.mark.parametrize("test", ["z", "knha"])
def test_every_group_equals_rma(method: str, test: str) -> None:
    data = _long_data(1)
    frame = rma_batch(data, group="analysis", method=method, test=test)
    assert list(frame.columns) == ["analysis", *BATCH_COLUMNS[1:]]
    assert list(frame["analysis"]) == sorted(set(data["analysis"]))
    _assert_equals_rma(frame, data, method, test)


@given(st.integers(0, 10_000), st.sampled_from(("DL", "REML", "PM")))
def test_ragged_random_batches_equal_rma(seed: int, method: str) -> None:
    data = _long_data(seed, groups=6, max_k=12)
    _assert_equals_rma(rma_batch(data, group="analysis", method=method), data, method, "z")


def test_missing_values_are_counted_not_silently_dropped() -> None:
    data = _long_data(2, groups=3)
    first = data.index[data["analysis"] == "g000"][0]
    data.loc[first, "yi"] = np.nan
    frame = rma_batch(data, group="analysis", method="DL")
    row = frame.set_index("analysis").loc["g000"]
    assert row["n_omitted"] == 1
    assert row["k"] == (data["analysis"] == "g000").sum() - 1
    assert frame["n_omitted"].sum() == 1


def test_standard_errors_mapping_and_polars_inputs() -> None:
    pl = pytest.importorskip("polars")  # installed by `make test` (dev extra): a skip here would be a CI defect
    data = _long_data(3, groups=10)
    expected = rma_batch(data, group="analysis", method="REML")
    with_se = data.assign(sei=np.sqrt(data["vi"])).drop(columns="vi")
    pd.testing.assert_frame_equal(rma_batch(with_se, group="analysis", sei="sei"), expected, rtol=1e-12)
    mapping = {c: data[c].to_numpy() for c in data.columns}
    pd.testing.assert_frame_equal(rma_batch(mapping, group="analysis"), expected)
    polars_out = rma_batch(pl.from_pandas(data), group="analysis")
    assert type(polars_out).__module__.startswith("polars")
    pd.testing.assert_frame_equal(polars_out.to_pandas(), expected)


def test_bad_input_names_the_column_and_row() -> None:
    data = _long_data(4, groups=3)
    with pytest.raises(InputError, match=r"column\(s\) 'variance' not found"):
        rma_batch(data, group="analysis", vi="variance")
    data.loc[data.index[2], "vi"] = -0.1
    with pytest.raises(InputError) as err:
        rma_batch(data, group="analysis")
    assert (err.value.row, err.value.column) == (3, "vi")
    with pytest.raises(InputError, match="unknown engine"):
        rma_batch(data, group="analysis", engine="spark")


def test_progress_reports_every_block() -> None:
    data = _long_data(5, groups=20)
    calls: list[tuple[int, int]] = []
    fit_groups(data["yi"], data["vi"], data["analysis"], progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (20, 20)
    assert all(b >= a for (a, _), (b, _) in itertools.pairwise(calls))


def test_dask_local_cluster_gives_identical_results() -> None:
    """The same call on a 2-worker Dask LocalCluster (data partitioned by group) equals the local result."""
    pytest.importorskip("distributed")  # installed by `make test`: a skip here would be a CI defect
    data = _long_data(6, groups=40)
    local = rma_batch(data, group="analysis", method="REML", test="knha")
    distributed = rma_batch(data, group="analysis", method="REML", test="knha", engine="dask")
    pd.testing.assert_frame_equal(distributed, local, check_exact=False, rtol=1e-13)
