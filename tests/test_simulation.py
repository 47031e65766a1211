"""Simulation helpers: data under a known model, and the known operating characteristics come back."""

from __future__ import annotations

import numpy as np
import pytest

from sysreview.batch import rma_batch
from sysreview.errors import InputError
from sysreview.simulation import conditions, evaluate, simulate


def test_conditions_are_the_full_factorial_grid() -> None:
    grid = conditions(k=[5, 10], tau2=[0.0, 0.1, 0.2], mu=[0.3])
    assert len(grid) == 6
    assert grid[0] == {"condition": 0, "k": 5, "tau2": 0.0, "mu": 0.3}
    assert grid[-1] == {"condition": 5, "k": 10, "tau2": 0.2, "mu": 0.3}


def test_simulated_data_follow_the_model() -> None:
    grid = conditions(k=[10], tau2=[0.2], mu=[0.5])
    data = simulate(grid, replications=3000, seed=3)
    assert len(data) == 30_000
    assert data["replication"].nunique() == 3000
    theta = data["theta"].to_numpy()
    # θ ~ N(0.5, 0.2): mean and variance within 4 Monte Carlo standard errors
    assert abs(theta.mean() - 0.5) < 4 * np.sqrt(0.2 / theta.size)
    assert abs(theta.var() - 0.2) < 4 * 0.2 * np.sqrt(2 / theta.size)
    resid = (data["yi"] - data["theta"]) / np.sqrt(data["vi"])
    assert abs(resid.mean()) < 4 / np.sqrt(resid.size)
    assert abs(resid.var() - 1.0) < 4 * np.sqrt(2 / resid.size)


def test_known_operating_characteristics_are_recovered() -> None:
    """Under the normal–normal model with k = 20 and τ² = 0.1, REML is nearly unbiased for μ and the Knapp–Hartung
    interval covers close to 95 % (IntHout et al. 2014); with τ² = 0 the FE interval is exact."""
    grid = conditions(k=[20], tau2=[0.0, 0.1], mu=[0.3])
    data = simulate(grid, replications=2000, seed=11)
    fits = {
        "REML/knha": rma_batch(data, group="replication", method="REML", test="knha"),
        "FE/z": rma_batch(data, group="replication", method="FE"),
    }
    table = evaluate(fits, data).set_index(["method", "tau2"])
    for key in [("REML/knha", 0.1), ("FE/z", 0.0)]:
        row = table.loc[key]
        assert abs(row["bias"]) < 4 * row["bias_mcse"]
        assert abs(row["coverage"] - 0.95) < 4 * row["coverage_mcse"]
        assert row["converged"] == 1.0
    # the FE interval ignores τ² = 0.1 and under-covers badly
    assert table.loc[("FE/z", 0.1), "coverage"] < 0.8


def test_smd_sampling_gives_hedges_g_with_dependent_variances() -> None:
    data = simulate(conditions(k=[8], tau2=[0.0], mu=[0.0]), replications=50, sampling="smd", seed=5)
    assert {"n1i", "n2i"} <= set(data.columns)
    expected_vi = 1 / data["n1i"] + 1 / data["n2i"] + data["yi"] ** 2 / (2 * (data["n1i"] + data["n2i"]))
    np.testing.assert_allclose(data["vi"], expected_vi, rtol=1e-12)


def test_bad_conditions() -> None:
    with pytest.raises(InputError, match="lacks 'tau2'"):
        simulate([{"k": 5, "mu": 0.0}], replications=2)
    with pytest.raises(InputError, match="unknown sampling"):
        simulate(conditions(k=[5], mu=[0], tau2=[0]), replications=2, sampling="binary")
