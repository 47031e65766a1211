"""Outlier and influence diagnostics of a fitted model (Viechtbauer & Cheung 2010) and Baujat coordinates."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from sysreview._distributions import chi2_cdf
from sysreview._typing import BoolArray, FloatArray
from sysreview.diagnostics._common import (
    plain,
    readonly,
    require_intercept_only,
    require_refittable,
    require_studies,
)
from sysreview.diagnostics._refit import fit_subsets
from sysreview.errors import InputError
from sysreview.models import MetaResult

__all__ = ["BaujatResult", "InfluenceResult", "baujat", "influence"]


@dataclass(frozen=True, slots=True, kw_only=True)
class InfluenceResult:
    """Case-deletion diagnostics, one entry per study (data order).

    ``(−i)`` below means "from the model refitted without study i" (τ² re-estimated).
    """

    method: str
    test: str
    study: tuple[str, ...]
    coefficients: tuple[str, ...]  # names of the columns of ``dfbetas``
    #: externally studentized residual: (yᵢ − xᵢb₍₋ᵢ₎) / √(vᵢ + τ²₍₋ᵢ₎ + xᵢ'V(b₍₋ᵢ₎)xᵢ)
    rstudent: FloatArray
    #: DFFITS: (xᵢb − xᵢb₍₋ᵢ₎) / √(hᵢ (τ²₍₋ᵢ₎ + vᵢ))
    dffits: FloatArray
    #: Cook's distance: (b − b₍₋ᵢ₎)' V(b)⁻¹ (b − b₍₋ᵢ₎)
    cooks_distance: FloatArray
    #: COVRATIO: det V(b₍₋ᵢ₎) / det V(b)
    covratio: FloatArray
    #: τ² of the model without study i
    tau2_deleted: FloatArray
    #: Cochran's Q (QE) of the model without study i
    Q_deleted: FloatArray
    #: leverage: diagonal of the hat matrix X (X'WX)⁻¹ X'W, W = diag(1/(vᵢ + τ²))
    hat: FloatArray
    #: weight of each study in the fit, percent
    weight: FloatArray
    #: DFBETAS, shape (k, p): (b − b₍₋ᵢ₎) / √diag V(b₍₋ᵢ₎)
    dfbetas: FloatArray
    #: flagged by any of the cut-offs of Viechtbauer & Cheung (2010), see :func:`influence`
    influential: BoolArray

    def to_dict(self) -> dict[str, Any]:
        """Field name → value (arrays as lists, ``dfbetas`` as one list per study, NaN as None)."""
        out: dict[str, Any] = plain({f.name: getattr(self, f.name) for f in fields(self)})
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class BaujatResult:
    """Coordinates of the Baujat plot, one point per study (data order)."""

    study: tuple[str, ...]
    #: x: the study's contribution to Cochran's Q, (yᵢ − θ̂)² / vᵢ (common-effect θ̂); sums to Q
    contribution: FloatArray
    #: y: its influence on the pooled result, (θ̂ − θ̂₍₋ᵢ₎)² / Var(θ̂₍₋ᵢ₎) (common-effect fits)
    influence: FloatArray

    def to_dict(self) -> dict[str, Any]:
        """Field name → value (arrays as lists)."""
        out: dict[str, Any] = plain({f.name: getattr(self, f.name) for f in fields(self)})
        return out


def influence(fit: MetaResult) -> InfluenceResult:
    """Outlier and influence diagnostics of a fitted model by deleting one study at a time.

    Each study is deleted in turn and the model refitted (method and test of ``fit``; τ² re-estimated).
    A study is flagged ``influential`` when any of the cut-offs of Viechtbauer & Cheung (2010) is exceeded:
    \\|DFFITS\\| > 3√(p/(k − p)); Cook's distance above the median of χ²(p); hat > 3p/k; any \\|DFBETAS\\| > 1.

    Parameters
    ----------
    fit : MetaResult
        A model fitted by :func:`sysreview.models.rma` to k ≥ 2 studies. For now only models without
        moderators (the result does not carry the model matrix of a meta-regression).

    Returns
    -------
    InfluenceResult

    References
    ----------
    Viechtbauer, W., & Cheung, M. W.-L. (2010). Outlier and influence diagnostics for meta-analysis.
    *Research Synthesis Methods*, 1(2), 112–125.
    Belsley, D. A., Kuh, E., & Welsch, R. E. (1980). *Regression diagnostics*. Wiley.
    Cook, R. D. (1977). Detection of influential observation in linear regression. *Technometrics*, 19, 15–18.
    """
    require_refittable(fit, "influence diagnostics")
    require_intercept_only(fit, "influence diagnostics (meta-regression is not supported yet)")
    require_studies(fit.k, 2, "influence diagnostics")
    k, p = fit.k, 1
    yi, vi = fit.yi, fit.vi
    X = np.ones((k, p))
    b = np.array([c.estimate for c in fit.coefficients])
    vb = np.array([[fit.coefficients[0].se ** 2]])  # the fit's V(b), including a knha/adhoc factor

    w = 1.0 / (vi + fit.tau2)
    XtWX_inv = np.linalg.inv((X.T * w) @ X)
    hat = np.einsum("ij,jk,ik->i", X, XtWX_inv, X) * w

    deleted = fit_subsets(fit, ~np.eye(k, dtype=bool))
    b_del = deleted.estimate[:, None]  # (k, p)
    vb_del = (deleted.se**2)[:, None, None]  # (k, p, p)
    tau2_del = deleted.tau2

    fitted_del = np.einsum("ip,ip->i", X, b_del)
    pred_var_del = np.einsum("ip,ipq,iq->i", X, vb_del, X)
    rstudent = (yi - fitted_del) / np.sqrt(vi + tau2_del + pred_var_del)
    diff = b[None, :] - b_del  # (k, p)
    dffits = np.einsum("ip,ip->i", X, diff) / np.sqrt(hat * (tau2_del + vi))
    cooks = np.einsum("ip,pq,iq->i", diff, np.linalg.inv(vb), diff)
    covratio = np.linalg.det(vb_del) / np.linalg.det(vb)
    dfbetas = diff / np.sqrt(np.einsum("ipp->ip", vb_del))

    flagged = (
        (np.abs(dffits) > 3.0 * np.sqrt(p / (k - p)) if k > p else np.zeros(k, dtype=bool))
        | (chi2_cdf(cooks, p) > 0.5)
        | (hat > 3.0 * p / k)
        | (np.abs(dfbetas) > 1.0).any(axis=1)
    )
    return InfluenceResult(
        method=fit.method,
        test=fit.test,
        study=fit.study,
        coefficients=tuple(c.name for c in fit.coefficients),
        rstudent=readonly(rstudent),
        dffits=readonly(dffits),
        cooks_distance=readonly(cooks),
        covratio=readonly(covratio),
        tau2_deleted=tau2_del,
        Q_deleted=deleted.Q,
        hat=readonly(hat),
        weight=readonly(fit.weights),
        dfbetas=readonly(dfbetas),
        influential=readonly(flagged, dtype=bool),
    )


def baujat(fit: MetaResult) -> BaujatResult:
    """Baujat coordinates: each study's contribution to heterogeneity against its influence on the result.

    Both coordinates use the common-effect (inverse-variance) model, as Baujat et al. (2002) define them,
    whatever τ² estimator ``fit`` used: x = (yᵢ − θ̂)²/vᵢ, the study's term of Cochran's Q, and
    y = (θ̂ − θ̂₍₋ᵢ₎)²/Var(θ̂₍₋ᵢ₎), the squared standardized change of the pooled estimate when the study
    is left out.

    Parameters
    ----------
    fit : MetaResult
        An intercept-only model of k ≥ 2 studies with positive sampling variances.

    Returns
    -------
    BaujatResult

    References
    ----------
    Baujat, B., Mahé, C., Pignon, J.-P., & Hill, C. (2002). A graphical method for exploring heterogeneity in
    meta-analyses: Application to a meta-analysis of 65 trials. *Statistics in Medicine*, 21(18), 2641–2652.
    """
    require_intercept_only(fit, "the Baujat plot")
    require_studies(fit.k, 2, "the Baujat plot")
    yi, vi = fit.yi, fit.vi
    if np.any(vi <= 0):
        raise InputError("the Baujat plot needs positive sampling variances", column="vi")
    w = 1.0 / vi
    w_sum = w.sum()
    wy_sum = (w * yi).sum()
    theta = wy_sum / w_sum
    theta_del = (wy_sum - w * yi) / (w_sum - w)
    var_del = 1.0 / (w_sum - w)
    return BaujatResult(
        study=fit.study,
        contribution=readonly(w * (yi - theta) ** 2),
        influence=readonly((theta - theta_del) ** 2 / var_del),
    )
