"""Permutation tests for meta-analysis and meta-regression models, refitting every permutation as one batch."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sysreview._typing import FloatArray
from sysreview.errors import InputError
from sysreview.models._fit import fit_batch
from sysreview.models._kernel import make_batch
from sysreview.models._results import MetaResult
from sysreview.models._rma import Control
from sysreview.models._tau2 import COMMON_EFFECT_METHODS

__all__ = ["PermutationResult", "permutation_test"]

_CHUNK = 4096  # permutations refitted per batch (bounds memory for large k)
_TIE = 1e-10  # relative tolerance below which a permuted statistic counts as a tie with the observed one


@dataclass(frozen=True, slots=True, kw_only=True)
class PermutationResult:
    """Permutation p-values for each coefficient (two-sided) and for the omnibus moderator test."""

    names: tuple[str, ...]
    statistic: tuple[float, ...]
    pvalue: tuple[float, ...]
    QM: float | None
    QM_pvalue: float | None
    permutations: int
    exact: bool
    seed: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "coefficients": [
                {"name": n, "statistic": s, "pvalue": p}
                for n, s, p in zip(self.names, self.statistic, self.pvalue, strict=True)
            ],
            "QM": self.QM,
            "QM_pvalue": self.QM_pvalue,
            "permutations": self.permutations,
            "exact": self.exact,
            "seed": self.seed,
        }


def permutation_test(
    result: MetaResult,
    *,
    iterations: int = 1000,
    exact: bool | None = None,
    seed: int | None = None,
    control: Control | None = None,
) -> PermutationResult:
    """Permutation test of a fitted ``rma`` model (Follmann & Proschan 1999; Higgins & Thompson 2004).

    An intercept-only model is tested by flipping the signs of the effect sizes (under H0: μ = 0 the effects are
    symmetric about zero); a meta-regression by permuting the rows of the moderators against the effect sizes.
    Every permuted data set is refitted with the same τ² estimator and test, all at once through the batch
    kernel. The test is exact (all 2^k sign patterns or all k! orderings) when ``exact=True`` or, by default, when
    their number does not exceed ``iterations``; otherwise ``iterations`` random permutations are drawn with
    ``seed`` and the p-value is (b + 1)/(m + 1) (Phipson & Smyth 2010).

    References
    ----------
    Follmann, D. A., & Proschan, M. A. (1999). Valid inference in random effects meta-analysis. *Biometrics*,
    55(3), 732–737.
    Higgins, J. P. T., & Thompson, S. G. (2004). Controlling the risk of spurious findings from meta-regression.
    *Statistics in Medicine*, 23(11), 1663–1682.
    Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be zero. *Statistical Applications in
    Genetics and Molecular Biology*, 9(1), Article 39.
    """
    if result.X is None or result.method in {"MH", "PETO"}:
        raise InputError(f"a permutation test needs an inverse-variance model, not {result.method}")
    if iterations < 1:
        raise InputError(f"iterations must be positive, got {iterations}")
    control = control or Control()
    settings = control.settings()
    y = np.asarray(result.yi, dtype=np.float64)
    v = np.asarray(result.vi, dtype=np.float64)
    X = np.asarray(result.X, dtype=np.float64)
    k, p = X.shape
    names = tuple(c.name for c in result.coefficients)
    intercept_only = p == 1 and names[0] == "intrcpt"
    has_intercept = names[0] == "intrcpt"
    observed_stat = np.array([c.statistic for c in result.coefficients], dtype=np.float64)
    observed_qm = result.QM

    n_exact = 2**k if intercept_only else math.factorial(k)
    use_exact = exact if exact is not None else n_exact <= iterations
    if use_exact and n_exact > 10_000_000:
        raise InputError(f"an exact test needs {n_exact} permutations; use random permutations (exact=False)")
    rng = np.random.default_rng(seed)

    def batches() -> Any:
        if intercept_only:
            if use_exact:
                for start in range(0, n_exact, _CHUNK):
                    codes = np.arange(start, min(n_exact, start + _CHUNK))
                    signs = 1.0 - 2.0 * ((codes[:, None] >> np.arange(k)[None, :]) & 1)
                    yield y[None, :] * signs, np.broadcast_to(X, (codes.size, k, p))
            else:
                for start in range(0, iterations, _CHUNK):
                    m = min(iterations, start + _CHUNK) - start
                    signs = rng.choice(np.array([-1.0, 1.0]), size=(m, k))
                    yield y[None, :] * signs, np.broadcast_to(X, (m, k, p))
        elif use_exact:
            perms = itertools.permutations(range(k))
            while True:
                chunk = list(itertools.islice(perms, _CHUNK))
                if not chunk:
                    break
                idx = np.array(chunk)
                yield np.broadcast_to(y, (idx.shape[0], k)), _permuted_design(X, idx, has_intercept)
        else:
            for start in range(0, iterations, _CHUNK):
                m = min(iterations, start + _CHUNK) - start
                idx = np.argsort(rng.random((m, k)), axis=1)
                yield np.broadcast_to(y, (m, k)), _permuted_design(X, idx, has_intercept)

    exceed = np.zeros(p)
    exceed_qm = 0
    total = 0
    tau2_fixed_method = result.method in COMMON_EFFECT_METHODS
    for yb, Xb in batches():
        m = yb.shape[0]
        batch = make_batch(np.array(yb), np.broadcast_to(v, (m, k)).copy(), np.array(Xb), np.ones((m, k), dtype=bool))
        fit = fit_batch(
            batch,
            method="FE" if tau2_fixed_method else result.method,
            test=result.test,
            level=result.level,
            settings=settings,
            intercept=has_intercept,
        )
        stat = np.abs(fit.statistic)
        exceed += (stat >= np.abs(observed_stat)[None, :] * (1 - _TIE)).sum(axis=0)
        if observed_qm is not None:
            exceed_qm += int((observed_qm * (1 - _TIE) <= fit.QM).sum())
        total += m
    if use_exact:
        pvalues = exceed / total
        qm_p = exceed_qm / total if observed_qm is not None else None
    else:
        pvalues = (exceed + 1.0) / (total + 1.0)
        qm_p = (exceed_qm + 1.0) / (total + 1.0) if observed_qm is not None else None
    return PermutationResult(
        names=names,
        statistic=tuple(float(s) for s in observed_stat),
        pvalue=tuple(float(x) for x in pvalues),
        QM=observed_qm,
        QM_pvalue=None if qm_p is None else float(qm_p),
        permutations=total,
        exact=bool(use_exact),
        seed=seed,
    )


def _permuted_design(X: FloatArray, idx: np.ndarray, has_intercept: bool) -> FloatArray:
    """Rows of the moderator columns permuted by ``idx`` (B, k); the intercept column stays."""
    out = X[idx]  # (B, k, p)
    if has_intercept:
        out[:, :, 0] = 1.0
    return out
