"""Screening metrics: ASReview's conventions reproduced on the 51 reference runs; hand examples; invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysreview.errors import InputError
from sysreview.screening import metrics
from tests.screening._strategies import PRINTED_6, REFERENCE_RUNS, benchmark, screening_orders

METRICS = ("wss95", "wss100", "rrf10", "atd", "loss", "ndcg")


def _reference_runs() -> list[tuple[str, int, np.ndarray, pd.Series]]:
    order = pd.read_csv(benchmark(REFERENCE_RUNS / "screening_order.csv.gz"))
    table = pd.read_csv(benchmark(REFERENCE_RUNS / "metrics_per_run.csv"))
    runs = []
    for _, row in table.iterrows():
        run = order[(order["dataset"] == row["dataset"]) & (order["seed"] == row["seed"])].sort_values("step")
        labels = run.loc[run["is_prior"] == 0, "label"].to_numpy()
        runs.append((str(row["dataset"]), int(row["seed"]), labels, row))
    return runs


def test_all_51_reference_runs_are_reproduced_to_the_printed_precision() -> None:
    """metrics_per_run.csv (ASReview 3.0.8, see its SOURCE.md) from screening_order.csv.gz, every run, every metric."""
    runs = _reference_runs()
    assert len(runs) == 51
    for dataset, seed, labels, expected in runs:
        n_records = int(expected["N"]) - 2  # N' = N − 2 priors
        result = metrics.evaluate(labels, n_records=n_records)
        assert result.n_records == n_records
        assert result.n_screened + 2 == int(expected["labeled"]), (dataset, seed)
        for name in METRICS:
            got = getattr(result, name)
            assert abs(got - float(expected[name])) <= PRINTED_6, (dataset, seed, name, got, expected[name])


def test_rrf_rounds_half_to_even_as_the_reference() -> None:
    """UrinaryIncontinence has N' = 325: 10 % is 32.5 records, and the reference counts 32 (seed 1: 4/39)."""
    _, seed, labels, expected = next(r for r in _reference_runs() if r[0].endswith("UrinaryIncontinence"))
    assert seed == 1
    assert metrics.rrf(labels, 0.10, n_records=325) == pytest.approx(4 / 39, abs=1e-15)
    assert float(expected["rrf10"]) == pytest.approx(4 / 39, abs=PRINTED_6)


def test_hand_example() -> None:
    """N' = 10, relevant at positions 1, 3, 4 (R' = 3); every value worked by hand from the definitions."""
    labels = [1, 0, 1, 1, 0, 0]
    result = metrics.evaluate(labels, n_records=10)
    # recall 95 %: ceil(2.85) = 3 relevant, reached at position 4 → (10 − 4)/10 − 0.05
    assert result.wss95 == pytest.approx(0.55, abs=1e-15)
    assert result.wss100 == pytest.approx(0.6, abs=1e-15)
    # 10 % of 10 = 1 record: 1 of 3 relevant
    assert result.rrf10 == pytest.approx(1 / 3, abs=1e-15)
    # mean position (1 + 3 + 4)/3 over 10
    assert result.atd == pytest.approx(8 / 30, abs=1e-15)
    # cumsum = 1,1,2,3,3,3,3,3,3,3 (sum 25): (3·(10 − 1) − 25)/(3·7) = 2/21
    assert result.loss == pytest.approx(2 / 21, abs=1e-15)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert result.ndcg == pytest.approx((1 + 1 / math.log2(4) + 1 / math.log2(5)) / ideal, abs=1e-15)
    assert (result.n_records, result.n_relevant, result.n_screened) == (10, 3, 6)


def test_perfect_and_worst_orders() -> None:
    perfect = metrics.evaluate([1, 1, 0, 0, 0])
    assert perfect.loss == 0.0
    assert perfect.ndcg == pytest.approx(1.0)
    assert perfect.wss100 == pytest.approx(3 / 5)
    worst = metrics.evaluate([0, 0, 0, 1, 1])
    assert worst.loss == pytest.approx(1.0)
    assert worst.wss100 == 0.0


def test_recall_curve() -> None:
    np.testing.assert_allclose(metrics.recall_curve([0, 1, 1], n_records=4), [0, 0.5, 1, 1])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: metrics.evaluate([0, 0]), "no relevant record"),
        (lambda: metrics.loss([1, 1]), "every record is relevant"),
        (lambda: metrics.evaluate([1, 2]), r"0 \(irrelevant\) or 1"),
        (lambda: metrics.evaluate([1, 0, 0], n_records=2), "smaller than"),
        (lambda: metrics.wss([1, 0], 0.0), "recall must be"),
        (lambda: metrics.rrf([1, 0], 1.5), "fraction must be"),
        (lambda: metrics.evaluate(np.array([[1, 0]])), "one-dimensional"),
    ],
)
def test_input_errors(call: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()  # type: ignore[operator]


@given(screening_orders())
def test_metric_ranges(case: tuple[np.ndarray, int]) -> None:
    labels, n_records = case
    result = metrics.evaluate(labels, n_records=n_records)
    assert 0.0 <= result.loss <= 1.0 + 1e-12
    assert 0.0 < result.ndcg <= 1.0 + 1e-12
    assert 0.0 < result.atd <= 1.0
    assert 0.0 <= result.rrf10 <= 1.0
    assert -0.05 - 1e-12 <= result.wss95 <= 1.0
    assert 0.0 <= result.wss100 < 1.0
    assert result.wss95 >= result.wss100 - 0.05 - 1e-12  # 95 % recall never comes after 100 %


@given(screening_orders())
def test_padding_with_irrelevant_records_is_what_n_records_means(case: tuple[np.ndarray, int]) -> None:
    labels, n_records = case
    padded = np.concatenate([labels, np.zeros(n_records - labels.size, dtype=np.int64)])
    implicit = metrics.evaluate(labels, n_records=n_records).to_dict()
    explicit = metrics.evaluate(padded).to_dict()
    for name in METRICS:
        assert implicit[name] == explicit[name]


@given(screening_orders(), st.data())
def test_moving_a_relevant_record_earlier_never_hurts(case: tuple[np.ndarray, int], data: st.DataObject) -> None:
    labels, n_records = case
    y = np.concatenate([labels, np.zeros(n_records - labels.size, dtype=np.int64)])
    swaps = [(i, j) for i in range(y.size) for j in range(i + 1, y.size) if y[i] == 0 and y[j] == 1]
    if not swaps:
        return
    i, j = data.draw(st.sampled_from(swaps))
    better = y.copy()
    better[i], better[j] = 1, 0
    before, after = metrics.evaluate(y), metrics.evaluate(better)
    assert after.loss < before.loss
    assert after.atd < before.atd
    assert after.ndcg > before.ndcg
    assert after.wss100 >= before.wss100
    assert after.wss95 >= before.wss95
    assert after.rrf10 >= before.rrf10


@given(st.integers(1, 40), st.integers(1, 40))
def test_relevant_first_is_loss_zero_and_ndcg_one(n_relevant: int, n_irrelevant: int) -> None:
    labels = [1] * n_relevant + [0] * n_irrelevant
    assert metrics.loss(labels) == 0.0
    assert metrics.ndcg(labels) == pytest.approx(1.0, abs=1e-12)
    assert metrics.atd(labels) == pytest.approx((n_relevant + 1) / 2 / (n_relevant + n_irrelevant))
