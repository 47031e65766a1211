"""Begg and Mazumdar's rank correlation test for funnel-plot asymmetry (Kendall's τ)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from sysreview._distributions import norm_sf
from sysreview._typing import FloatArray
from sysreview.diagnostics._common import plain, require_intercept_only, require_studies
from sysreview.errors import InputError
from sysreview.models import MetaResult

__all__ = ["BeggResult", "begg_test", "kendall_tau_test"]

#: below this many studies (and without ties) the p-value is exact, as in R's cor.test and metafor
EXACT_BELOW = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class BeggResult:
    """Kendall's τ between standardized effects and sampling variances, with its two-sided p-value."""

    k: int
    tau: float  # Kendall's τ_b
    pvalue: float
    exact: bool  # p from the exact null distribution (no ties, k < 50) or the normal approximation

    def to_dict(self) -> dict[str, Any]:
        """Field name → value."""
        out: dict[str, Any] = plain({f.name: getattr(self, f.name) for f in fields(self)})
        return out


def begg_test(fit: MetaResult, *, exact: bool | None = None) -> BeggResult:
    """Begg and Mazumdar's rank correlation test for funnel-plot asymmetry.

    Each effect is standardized against the common-effect estimate θ̂ (inverse-variance weights):
    y*ᵢ = (yᵢ − θ̂)/√(vᵢ − Var(θ̂)), and Kendall's τ between y*ᵢ and vᵢ is tested against 0 (two-sided).

    Parameters
    ----------
    fit : MetaResult
        A fitted intercept-only model (its ``yi`` and ``vi`` are used; the common-effect standardization does
        not depend on the fit's τ² estimator).
    exact : bool, optional
        Exact p-value from the null distribution of Kendall's statistic (permutations without ties) or the
        normal approximation with the variance corrected for ties. Default: exact when k < 50 and there
        are no ties. Ties always give the normal approximation.

    Returns
    -------
    BeggResult

    References
    ----------
    Begg, C. B., & Mazumdar, M. (1994). Operating characteristics of a rank correlation test for publication
    bias. *Biometrics*, 50(4), 1088–1101.
    Kendall, M. G. (1970). *Rank correlation methods* (4th ed.). Griffin.
    """
    require_intercept_only(fit, "Begg's test")
    require_studies(fit.k, 3, "Begg's test")
    yi, vi = fit.yi, fit.vi
    if np.any(vi <= 0):
        raise InputError("Begg's test needs positive sampling variances", column="vi")
    w = 1.0 / vi
    theta = float(np.sum(w * yi) / np.sum(w))
    v_theta = 1.0 / float(np.sum(w))
    standardized = (yi - theta) / np.sqrt(vi - v_theta)
    tau, pvalue, used_exact = kendall_tau_test(standardized, vi, exact=exact)
    return BeggResult(k=fit.k, tau=tau, pvalue=pvalue, exact=used_exact)


def kendall_tau_test(x: FloatArray, y: FloatArray, *, exact: bool | None = None) -> tuple[float, float, bool]:
    """Kendall's τ_b of x and y and its two-sided p-value; also whether the p-value is exact.

    The exact p-value counts permutations: with T the number of concordant pairs, p = 2·P(T ≤ t) below the
    null mean n(n − 1)/4 and 2·P(T ≥ t) above it (capped at 1). The normal approximation uses
    S = C − D with the variance corrected for ties in both variables (Kendall 1970, eq. 4.3), without a
    continuity correction.
    """
    n = int(x.size)
    from scipy.stats import kendalltau  # noqa: PLC0415 - scipy.stats costs a second to import; only Begg needs it

    tau = float(kendalltau(x, y, variant="b").statistic)
    ties_x = _tie_sizes(x)
    ties_y = _tie_sizes(y)
    has_ties = ties_x.size > 0 or ties_y.size > 0
    use_exact = (n < EXACT_BELOW) if exact is None else exact
    use_exact = use_exact and not has_ties
    if not math.isfinite(tau):
        return math.nan, math.nan, False
    if use_exact:
        pairs = n * (n - 1) / 2.0
        concordant = round((tau + 1.0) * pairs / 2.0)
        cdf = np.cumsum(_inversion_distribution(n))
        # the tail on the observed side of the null mean n(n − 1)/4
        tail = 1.0 - float(cdf[concordant - 1]) if concordant > pairs / 2.0 else float(cdf[concordant])
        return tau, min(1.0, 2.0 * tail), True
    n0 = n * (n - 1) / 2.0
    n1 = float(np.sum(ties_x * (ties_x - 1))) / 2.0
    n2 = float(np.sum(ties_y * (ties_y - 1))) / 2.0
    s = tau * math.sqrt((n0 - n1) * (n0 - n2))
    v0 = n * (n - 1) * (2 * n + 5)
    vt = float(np.sum(ties_x * (ties_x - 1) * (2 * ties_x + 5)))
    vu = float(np.sum(ties_y * (ties_y - 1) * (2 * ties_y + 5)))
    v1 = float(np.sum(ties_x * (ties_x - 1))) * float(np.sum(ties_y * (ties_y - 1)))
    v2 = float(np.sum(ties_x * (ties_x - 1) * (ties_x - 2))) * float(np.sum(ties_y * (ties_y - 1) * (ties_y - 2)))
    var_s = (v0 - vt - vu) / 18.0 + v1 / (2.0 * n * (n - 1)) + v2 / (9.0 * n * (n - 1) * (n - 2))
    z = s / math.sqrt(var_s)
    return tau, float(2.0 * norm_sf(abs(z))), False


def _tie_sizes(values: FloatArray) -> FloatArray:
    """Sizes of the groups of tied values (groups of one left out)."""
    _, counts = np.unique(values, return_counts=True)
    return counts[counts > 1].astype(np.float64)


def _inversion_distribution(n: int) -> FloatArray:
    """P(I = j), j = 0 … n(n − 1)/2, for the number of inversions I of a uniformly random permutation of n.

    Adding the m-th element to a permutation of m − 1 adds 0 … m − 1 inversions with equal probability, so the
    distribution is the convolution of the uniform distributions on {0, …, m − 1}, m = 1 … n. Concordant
    (and discordant) pairs of two untied rankings follow this distribution under independence.
    """
    dist = np.ones(1)
    for m in range(2, n + 1):
        dist = np.convolve(dist, np.full(m, 1.0 / m))
    return dist
