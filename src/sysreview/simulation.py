"""Simulation studies of meta-analytic methods: generate data under a model, fit thousands of analyses with the
batch engine, and summarise bias, RMSE and coverage per condition.

A typical study::

    from sysreview.batch import rma_batch
    from sysreview.simulation import conditions, evaluate, simulate

    grid = conditions(k=[5, 10, 20], tau2=[0.0, 0.05, 0.2], mu=[0.3])
    data = simulate(grid, replications=2000, seed=1)               # long format, one row per study
    fits = {m: rma_batch(data, group="replication", method=m, test=t)
            for m, t in [("DL", "z"), ("REML", "knha")]}
    table = evaluate(fits, data)                                     # one row per condition and method
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sysreview.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SAMPLINGS", "conditions", "evaluate", "simulate"]

SAMPLINGS = ("normal", "smd")


def conditions(**factors: Iterable[Any]) -> list[dict[str, Any]]:
    """The full factorial grid of the named factors (``k``, ``mu``, ``tau2`` and any others), as a list of dicts
    numbered by ``condition`` (0, 1, …)."""
    if not factors:
        raise InputError("give at least one factor, e.g. conditions(k=[5, 10], tau2=[0, 0.1])")
    names = list(factors)
    grid = []
    for i, values in enumerate(itertools.product(*(list(v) for v in factors.values()))):
        grid.append({"condition": i, **dict(zip(names, values, strict=True))})
    return grid


def simulate(
    grid: Sequence[Mapping[str, Any]],
    *,
    replications: int,
    sampling: str = "normal",
    vi_range: tuple[float, float] = (0.01, 0.2),
    n_range: tuple[int, int] = (20, 200),
    seed: int | None = None,
) -> pd.DataFrame:
    """Long-format data for every condition × replication: one row per study.

    Each condition needs ``k``, ``mu`` (average effect) and ``tau2`` (between-study variance). True study effects
    are θᵢ ~ N(μ, τ²). ``sampling="normal"``: yᵢ ~ N(θᵢ, vᵢ) with vᵢ uniform on ``vi_range`` (the normal–normal
    model). ``sampling="smd"``: two arms of nᵢ per group (uniform on ``n_range``) drawn from N(θᵢ, 1) and N(0, 1),
    and yᵢ, vᵢ the Hedges' g and its variance computed from the simulated means and SDs (so that yᵢ and vᵢ are
    dependent, as in real SMD data). Columns: ``condition``, ``replication`` (unique across conditions, the
    group to fit), the condition's factors, ``theta``, ``yi``, ``vi`` (and ``n1i``, ``n2i`` for SMD).
    """
    import pandas as pd

    if sampling not in SAMPLINGS:
        raise InputError(f"unknown sampling {sampling!r}; choose one of {', '.join(SAMPLINGS)}")
    if replications < 1:
        raise InputError(f"replications must be positive, got {replications}")
    rng = np.random.default_rng(seed)
    frames: list[pd.DataFrame] = []
    offset = 0
    for cond in grid:
        try:
            k, mu, tau2 = int(cond["k"]), float(cond["mu"]), float(cond["tau2"])
        except KeyError as exc:
            raise InputError(f"condition {dict(cond)} lacks {exc.args[0]!r} (each needs k, mu and tau2)") from None
        if k < 1 or tau2 < 0:
            raise InputError(f"condition {dict(cond)}: k must be ≥ 1 and tau2 ≥ 0")
        size = replications * k
        theta = mu + np.sqrt(tau2) * rng.standard_normal(size)
        columns: dict[str, Any] = {}
        if sampling == "normal":
            vi = rng.uniform(*vi_range, size)
            yi = theta + np.sqrt(vi) * rng.standard_normal(size)
        else:
            from sysreview.effects import escalc

            n1 = rng.integers(n_range[0], n_range[1] + 1, size)
            n2 = rng.integers(n_range[0], n_range[1] + 1, size)
            # sample means and SDs of normal arms, drawn from their exact sampling distributions
            m1 = theta + rng.standard_normal(size) / np.sqrt(n1)
            m2 = rng.standard_normal(size) / np.sqrt(n2)
            sd1 = np.sqrt(rng.chisquare(n1 - 1) / (n1 - 1))
            sd2 = np.sqrt(rng.chisquare(n2 - 1) / (n2 - 1))
            es = escalc("SMD", n1i=n1, m1i=m1, sd1i=sd1, n2i=n2, m2i=m2, sd2i=sd2)
            yi, vi = np.asarray(es.yi), np.asarray(es.vi)
            columns = {"n1i": n1, "n2i": n2}
        frame = pd.DataFrame(
            {
                "condition": cond.get("condition", len(frames)),
                "replication": offset + np.repeat(np.arange(replications), k),
                **{key: value for key, value in cond.items() if key != "condition"},
                "theta": theta,
                "yi": yi,
                "vi": vi,
                **columns,
            }
        )
        frames.append(frame)
        offset += replications
    return pd.concat(frames, ignore_index=True)


def evaluate(fits: Mapping[str, pd.DataFrame] | pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    """Bias, RMSE and coverage per condition (and method) from ``rma_batch`` results on ``simulate`` data.

    For the average effect: mean estimate, bias, RMSE, coverage of the confidence interval, mean CI width,
    rejection rate of H0: μ = 0 at the fits' level, coverage of the prediction interval for a new study's θ (drawn
    from N(μ, τ²) as the expected proportion); for τ²: mean, bias, RMSE; and the share of fits that converged.
    Monte Carlo standard errors are given for bias and coverage.
    """
    import pandas as pd

    named = {"": fits} if not isinstance(fits, Mapping) else dict(fits)
    truth = (
        data.groupby("replication", sort=True)
        .first()[["condition", "mu", "tau2"]]
        .rename(columns={"tau2": "tau2_true"})
    )
    rows = []
    for method, fit in named.items():
        if "replication" not in fit.columns:
            raise InputError("fits must come from rma_batch(..., group='replication')", column="replication")
        merged = fit.join(truth, on="replication")
        for cond, part in merged.groupby("condition", sort=True):
            est, mu = part["estimate"].to_numpy(), part["mu"].to_numpy()
            covered = (part["ci_lower"] <= part["mu"]) & (part["mu"] <= part["ci_upper"])
            pi_cov = _pi_coverage(part)
            n = len(part)
            rows.append(
                {
                    "method": method,
                    "condition": cond,
                    "replications": n,
                    "mean_estimate": float(np.nanmean(est)),
                    "bias": float(np.nanmean(est - mu)),
                    "bias_mcse": float(np.nanstd(est - mu, ddof=1) / np.sqrt(n)),
                    "rmse": float(np.sqrt(np.nanmean((est - mu) ** 2))),
                    "coverage": float(covered.mean()),
                    "coverage_mcse": float(np.sqrt(covered.mean() * (1 - covered.mean()) / n)),
                    "ci_width": float(np.nanmean(part["ci_upper"] - part["ci_lower"])),
                    "rejection_rate": float((part["pvalue"] < 0.05).mean()),
                    "pi_coverage": pi_cov,
                    "mean_tau2": float(np.nanmean(part["tau2"])),
                    "tau2_bias": float(np.nanmean(part["tau2"] - part["tau2_true"])),
                    "tau2_rmse": float(np.sqrt(np.nanmean((part["tau2"] - part["tau2_true"]) ** 2))),
                    "converged": float(part["converged"].mean()),
                }
            )
    out = pd.DataFrame(rows)
    factors = data.drop_duplicates("condition").set_index("condition")
    factor_cols = [c for c in factors.columns if c not in {"replication", "theta", "yi", "vi", "n1i", "n2i"}]
    return out.join(factors[factor_cols], on="condition")


def _pi_coverage(part: Any) -> float:
    """Expected proportion of new studies' true effects θ ~ N(μ, τ²) inside the prediction interval."""
    from scipy.special import ndtr

    lo, hi = part["pi_lower"].to_numpy(), part["pi_upper"].to_numpy()
    mu, tau = part["mu"].to_numpy(), np.sqrt(part["tau2_true"].to_numpy())
    ok = np.isfinite(lo) & np.isfinite(hi)
    if not ok.any():
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = np.where(
            tau > 0,
            ndtr((hi - mu) / np.where(tau > 0, tau, 1.0)) - ndtr((lo - mu) / np.where(tau > 0, tau, 1.0)),
            ((lo <= mu) & (mu <= hi)).astype(float),
        )
    return float(np.mean(inside[ok]))
