"""Fail-safe N (file-drawer analysis): how many null studies would overturn the result (Rosenthal, Orwin, Rosenberg)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from sysreview._distributions import norm_isf, norm_sf
from sysreview.diagnostics._common import check_choice, plain, require_studies
from sysreview.errors import InputError
from sysreview.models import MetaResult

__all__ = ["FailSafeResult", "fail_safe_n"]

TYPES = ("Rosenthal", "Orwin", "Rosenberg")


@dataclass(frozen=True, slots=True, kw_only=True)
class FailSafeResult:
    """A fail-safe N with what it was computed from."""

    type: str  # "Rosenthal", "Orwin" or "Rosenberg"
    k: int
    n: int  # the fail-safe number of studies (0 when the observed result is not significant / below target)
    alpha: float | None  # significance level (Rosenthal, one-sided; Rosenberg, two-sided); None for Orwin
    pvalue: float | None  # p-value of the observed combined result (Rosenthal: Stouffer's, one-sided; Rosenberg)
    average: float | None  # average effect (Orwin: unweighted or weighted mean; Rosenberg: common-effect)
    target: float | None  # Orwin's target (criterion) average effect

    def to_dict(self) -> dict[str, Any]:
        """Field name → value."""
        out: dict[str, Any] = plain({f.name: getattr(self, f.name) for f in fields(self)})
        return out


def fail_safe_n(
    fit: MetaResult,
    *,
    type: str = "Rosenthal",  # metafor's name of the option, though it shadows the builtin
    alpha: float = 0.05,
    target: float | None = None,
    weighted: bool = False,
) -> FailSafeResult:
    """Fail-safe N: the number of unpublished studies averaging a null result that would overturn the result.

    - ``Rosenthal`` (1979): zᵢ = yᵢ/√vᵢ combined by Stouffer's method, Z = Σzᵢ/√k; the number N of added
      studies with z = 0 that brings Z down to the one-sided critical value z₁₋α:
      N = (Σzᵢ)²/z²₁₋α − k.
    - ``Orwin`` (1983): the number of added studies with effect 0 that brings the average effect ȳ down to
      ``target``: N = k(ȳ − target)/target; ȳ is the unweighted mean (``weighted=True``: the
      inverse-variance weighted mean); the default target is ȳ/2 (so N = k).
    - ``Rosenberg`` (2005): the number of added studies with effect 0 and the average weight Σwᵢ/k that makes
      the common-effect (inverse-variance) estimate non-significant at two-sided ``alpha``:
      N = k(Σwᵢyᵢ)²/(z²₁₋α/₂ Σwᵢ) − k.

    N is rounded up to a whole study and is 0 when the observed result already fails the criterion.

    Parameters
    ----------
    fit : MetaResult
        A fitted model; only its ``yi`` and ``vi`` are used.
    type : {"Rosenthal", "Orwin", "Rosenberg"}
    alpha : float
        Significance level (Rosenthal, Rosenberg).
    target : float, optional
        Orwin's target average effect (same scale and sign as the effects). Default: half the average.
    weighted : bool
        Orwin with the inverse-variance weighted average instead of the unweighted one.

    Returns
    -------
    FailSafeResult

    References
    ----------
    Rosenthal, R. (1979). The "file drawer problem" and tolerance for null results. *Psychological Bulletin*,
    86(3), 638–641.
    Orwin, R. G. (1983). A fail-safe N for effect size in meta-analysis. *Journal of Educational Statistics*,
    8(2), 157–159.
    Rosenberg, M. S. (2005). The file-drawer problem revisited: A general weighted method for calculating
    fail-safe numbers in meta-analysis. *Evolution*, 59(2), 464–468.
    Becker, B. J. (2005). Failsafe N or file-drawer number. In H. R. Rothstein, A. J. Sutton, & M. Borenstein
    (Eds.), *Publication bias in meta-analysis* (pp. 111–125). Wiley.
    """
    type = check_choice("type", type, TYPES)
    if not 0.0 < alpha < 1.0:
        raise InputError(f"alpha must lie between 0 and 1, got {alpha!r}")
    yi = np.asarray(fit.yi, dtype=np.float64)
    vi = np.asarray(fit.vi, dtype=np.float64)
    k = int(yi.size)
    require_studies(k, 1, "a fail-safe N")
    if type != "Orwin" or weighted:
        bad = np.flatnonzero(~(vi > 0))
        if bad.size:
            raise InputError(
                f"a fail-safe N needs positive sampling variances, got {vi[bad[0]]:g}",
                row=int(bad[0]) + 1,
                column="vi",
            )

    if type == "Rosenthal":
        z_sum = float(np.sum(yi / np.sqrt(vi)))
        z_crit = float(norm_isf(alpha))
        pvalue = float(norm_sf(abs(z_sum) / math.sqrt(k)))
        n = _whole(z_sum**2 / z_crit**2 - k)
        return FailSafeResult(type=type, k=k, n=n, alpha=alpha, pvalue=pvalue, average=None, target=None)

    if type == "Rosenberg":
        w = 1.0 / vi
        w_sum = float(np.sum(w))
        wy_sum = float(np.sum(w * yi))
        z_crit = float(norm_isf(alpha / 2.0))
        pvalue = float(2.0 * norm_sf(abs(wy_sum) / math.sqrt(w_sum)))
        n = _whole(k * wy_sum**2 / (z_crit**2 * w_sum) - k)
        return FailSafeResult(type=type, k=k, n=n, alpha=alpha, pvalue=pvalue, average=wy_sum / w_sum, target=None)

    average = float(np.sum(yi / vi) / np.sum(1.0 / vi)) if weighted else float(np.mean(yi))
    goal = average / 2.0 if target is None else float(target)
    if goal == 0.0 or not math.isfinite(goal):
        raise InputError(f"Orwin's target must be a non-zero number, got {target!r}")
    # the added studies (effect 0) pull the average towards 0; a target beyond the average, or on the other
    # side of 0, is never reached by them
    ratio = (average - goal) / goal
    n = _whole(k * ratio) if goal * average > 0 else 0
    return FailSafeResult(type=type, k=k, n=n, alpha=None, pvalue=None, average=average, target=goal)


def _whole(value: float) -> int:
    """A number of studies: rounded up, never negative."""
    return max(0, math.ceil(value - 1e-12 * max(1.0, abs(value))))
