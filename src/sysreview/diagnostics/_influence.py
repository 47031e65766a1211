"""Outlier and influence diagnostics of a fitted model (Viechtbauer & Cheung 2010) and Baujat coordinates."""

from __future__ import annotations

import math
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
from sysreview.diagnostics._refit import fit_design_subsets, fit_subsets
from sysreview.diagnostics._sensitivity import is_meta_regression, not_estimable_notes
from sysreview.errors import InputError
from sysreview.models import MetaResult

__all__ = ["BaujatResult", "InfluenceResult", "baujat", "influence"]


@dataclass(frozen=True, slots=True, kw_only=True)
class InfluenceResult:
    """Case-deletion diagnostics, one entry per study (data order), of a model with or without moderators.

    ``(−i)`` below means "from the model refitted without study i" (τ² re-estimated).
    """

    method: str
    test: str
    study: tuple[str, ...]
    coefficients: tuple[str, ...]  # names of the columns of ``dfbetas``
    #: externally studentized residual: (yᵢ − xᵢb₍₋ᵢ₎) / √(s²₍₋ᵢ₎(vᵢ + τ²₍₋ᵢ₎) + xᵢ'V(b₍₋ᵢ₎)xᵢ)
    rstudent: FloatArray
    #: DFFITS: (xᵢb − xᵢb₍₋ᵢ₎) / √(s²₍₋ᵢ₎ hᵢ (τ²₍₋ᵢ₎ + vᵢ))
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
    #: DFBETAS, shape (k, p): (b − b₍₋ᵢ₎) / √(s²₍₋ᵢ₎ diag (X'W₍₋ᵢ₎X)⁻¹), all k studies weighted at τ²₍₋ᵢ₎
    dfbetas: FloatArray
    #: flagged by any of the cut-offs of Viechtbauer & Cheung (2010), see :func:`influence`
    influential: BoolArray
    #: False where the model cannot be refitted without the study (its deletion measures are NaN)
    estimable: BoolArray
    #: names the studies without which the model cannot be refitted
    notes: tuple[str, ...] = ()

    @property
    def decided(self) -> BoolArray:
        """Where ``influential`` is known: a refit exists, or the hat value alone exceeds its cut-off (elsewhere
        metafor's flag is NA; ``influential`` is then False)."""
        out: BoolArray = self.estimable | self.influential
        return out

    def to_dict(self) -> dict[str, Any]:
        """Field name → value (arrays as lists, ``dfbetas`` as one list per study, NaN as None; ``influential``
        None where it is not decided)."""
        out: dict[str, Any] = plain({f.name: getattr(self, f.name) for f in fields(self)})
        out["influential"] = [
            bool(flag) if known else None for flag, known in zip(self.influential, self.decided, strict=True)
        ]
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

    Each study is deleted in turn and the model refitted (method, test and, for a meta-regression, the model
    matrix of ``fit``; τ² re-estimated). With b, V(b) the coefficients of ``fit`` and their covariance (including
    a knha/adhoc factor), W = diag(1/(vᵢ + τ²)), hᵢ the diagonal of the hat matrix X(X'WX)⁻¹X'W, and b₍₋ᵢ₎,
    V(b₍₋ᵢ₎), τ²₍₋ᵢ₎ those of the model without study i (Viechtbauer & Cheung 2010):

    * externally studentized residual: (yᵢ − xᵢ'b₍₋ᵢ₎) / √(s²₍₋ᵢ₎(vᵢ + τ²₍₋ᵢ₎) + xᵢ'V(b₍₋ᵢ₎)xᵢ);
    * DFFITS: xᵢ'(b − b₍₋ᵢ₎) / √(s²₍₋ᵢ₎ hᵢ(τ²₍₋ᵢ₎ + vᵢ));
    * Cook's distance: (b − b₍₋ᵢ₎)' V(b)⁻¹ (b − b₍₋ᵢ₎);
    * COVRATIO: det V(b₍₋ᵢ₎) / det V(b);
    * DFBETAS, per coefficient j: (bⱼ − bⱼ₍₋ᵢ₎) / √(s²₍₋ᵢ₎ [(X'W₍₋ᵢ₎X)⁻¹]ⱼⱼ), where W₍₋ᵢ₎ = diag(1/(vⱼ + τ²₍₋ᵢ₎))
      weights all k studies — the analogue of Belsley, Kuh & Welsch's (1980) scaling by (X'X)⁻¹ of all
      observations and the deleted error variance.

    s²₍₋ᵢ₎ is the Knapp–Hartung factor of the refit under ``test="knha"`` (at least 1 under ``adhoc``; Knapp &
    Hartung 2003), by which the model's variances are scaled, and 1 under ``z`` and ``t``.

    For a GENQ/GENQM fit (user weights A = diag(a), as metafor's ``influence()`` computes it) the refits weight the
    remaining studies by their user weights; hᵢ is the diagonal of X(X'AX)⁻¹X'A, and DFFITS and DFBETAS are scaled by
    the sandwich covariance (X'AX)⁻¹X'A(V + τ²₍₋ᵢ₎I)AX(X'AX)⁻¹ of all k studies at τ²₍₋ᵢ₎ (its xᵢ-quadratic form and
    its diagonal), times s²₍₋ᵢ₎.

    A study is flagged ``influential`` when any of the cut-offs of Viechtbauer & Cheung (2010) is exceeded
    (p coefficients, k studies): \\|DFFITS\\| > 3√(p/(k − p)); Cook's distance above the median of χ²(p);
    hat > 3p/k; any \\|DFBETAS\\| > 1.

    Parameters
    ----------
    fit : MetaResult
        A model fitted by :func:`sysreview.models.rma` to k ≥ 2 studies (k ≥ p + 1 with p coefficients), with or
        without moderators.

    Returns
    -------
    InfluenceResult
        ``dfbetas`` has one column per coefficient (``coefficients``). Where the model cannot be refitted
        without a study (its removal leaves the model matrix rank-deficient, e.g. the only study of a factor
        level), every deletion measure of that study is NaN, with a note; its hat value and weight are those
        of the full fit (as metafor reports them), and its flag follows from the hat value alone.

    References
    ----------
    Viechtbauer, W., & Cheung, M. W.-L. (2010). Outlier and influence diagnostics for meta-analysis.
    *Research Synthesis Methods*, 1(2), 112–125.
    Belsley, D. A., Kuh, E., & Welsch, R. E. (1980). *Regression diagnostics: Identifying influential data and
    sources of collinearity*. Wiley.
    Cook, R. D. (1977). Detection of influential observation in linear regression. *Technometrics*, 19, 15–18.
    Knapp, G., & Hartung, J. (2003). Improved tests for a random effects meta-regression with a single covariate.
    *Statistics in Medicine*, 22(17), 2693–2710.
    """
    require_refittable(fit, "influence diagnostics")
    require_studies(fit.k, 2, "influence diagnostics")
    k, p = fit.k, fit.p
    yi, vi = fit.yi, fit.vi
    b = np.array([c.estimate for c in fit.coefficients])
    notes: tuple[str, ...] = ()
    if not is_meta_regression(fit):
        X = np.ones((k, p))
        vb = np.array([[fit.coefficients[0].se ** 2]])  # the fit's V(b), including a knha/adhoc factor
        deleted = fit_subsets(fit, ~np.eye(k, dtype=bool))
        b_del = deleted.estimate[:, None]  # (k, p)
        vb_del = (deleted.se**2)[:, None, None]  # (k, p, p)
        tau2_del, q_del = deleted.tau2, deleted.Q
        estimable = np.ones(k, dtype=bool)
    else:
        if k < p + 1:
            raise InputError(
                f"influence diagnostics of a meta-regression with {p} coefficients need at least {p + 1} studies, "
                f"got k = {k}"
            )
        if fit.X is None or fit.vcov is None:
            raise InputError("influence diagnostics need the model matrix and covariance of the fit (rma results)")
        X = np.asarray(fit.X, dtype=np.float64)
        vb = np.asarray(fit.vcov, dtype=np.float64)
        design = fit_design_subsets(fit, ~np.eye(k, dtype=bool))
        b_del, vb_del, tau2_del, q_del = design.beta, design.vb, design.tau2, design.Q
        estimable = np.asarray(design.estimable, dtype=bool)
        notes = not_estimable_notes(fit, estimable)

    if fit.user_weights is None:
        w = 1.0 / (vi + fit.tau2)
        XtWX_inv = np.linalg.inv((X.T * w) @ X)
        hat = np.einsum("ij,jk,ik->i", X, XtWX_inv, X) * w
        # the deleted fits' Knapp–Hartung factor s²₍₋ᵢ₎ (1 under z and t) and (X'W₍₋ᵢ₎X)⁻¹ over all k studies
        s2_del, full_inv_del = _deleted_scales(fit, X, b_del, tau2_del)
    else:
        # GENQ/GENQM: the hat matrix and the coefficients' covariance of the weighted least-squares fit with the
        # user weights (sandwich), as metafor's influence() scales them
        hat, s2_del, full_inv_del = _weighted_deleted_scales(fit, X, tau2_del)
    fitted_del = np.einsum("ip,ip->i", X, b_del)
    pred_var_del = np.einsum("ip,ipq,iq->i", X, vb_del, X)
    diff = b[None, :] - b_del  # (k, p)
    finite = np.isfinite(vb_del).all(axis=(1, 2))
    cooks = np.full(k, np.nan)
    covratio = np.full(k, np.nan)
    det_vb = float(np.linalg.det(vb))
    # (0/0 where knha's factor is 0: a perfect fit has no variance to studentize by; those measures are NaN)
    with np.errstate(divide="ignore", invalid="ignore"):
        rstudent = (yi - fitted_del) / np.sqrt(s2_del * (vi + tau2_del) + pred_var_del)
        if fit.user_weights is None:
            dffits = np.einsum("ip,ip->i", X, diff) / np.sqrt(s2_del * hat * (tau2_del + vi))
        else:
            dffits = np.einsum("ip,ip->i", X, diff) / np.sqrt(s2_del * np.einsum("ip,ipq,iq->i", X, full_inv_del, X))
        dfbetas = diff / np.sqrt(s2_del[:, None] * np.einsum("ipp->ip", full_inv_del))
        if det_vb > 0.0 and math.isfinite(det_vb):
            cooks = np.einsum("ip,pq,iq->i", diff, np.linalg.inv(vb), diff)
            covratio[finite] = np.linalg.det(vb_del[finite]) / det_vb
    rstudent, dffits, dfbetas = (np.where(np.isfinite(a), a, np.nan) for a in (rstudent, dffits, dfbetas))

    with np.errstate(invalid="ignore"):  # NaN rows (no refit possible) are judged by their hat value alone
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
        tau2_deleted=readonly(tau2_del),
        Q_deleted=readonly(q_del),
        hat=readonly(hat),
        weight=readonly(fit.weights),
        dfbetas=readonly(dfbetas),
        influential=readonly(flagged, dtype=bool),
        estimable=readonly(estimable, dtype=bool),
        notes=notes,
    )


def _deleted_scales(
    fit: MetaResult, X: FloatArray, b_del: FloatArray, tau2_del: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Per deleted study i: the Knapp–Hartung factor s²₍₋ᵢ₎ of the refit (Σⱼ≠ᵢ wⱼ rⱼ² / (k − 1 − p) at τ²₍₋ᵢ₎,
    at least 1 under ``adhoc``, and 1 under ``z`` and ``t``) and (X'W₍₋ᵢ₎X)⁻¹ with all k rows of X weighted by
    W₍₋ᵢ₎ = diag(1/(vⱼ + τ²₍₋ᵢ₎)) — the full design at the deleted fit's τ², as Belsley et al.'s DFBETAS scale the
    change of each coefficient by (X'X)⁻¹ of all observations and the deleted estimate of the error variance.

    Computed in blocks of deleted studies so that the (block, k) weight matrices stay small.
    """
    k, p = X.shape
    yi, vi = fit.yi, fit.vi
    s2 = np.ones(k)
    full_inv = np.full((k, p, p), np.nan)
    knha = fit.test in {"knha", "adhoc"}
    step = max(1, _BLOCK_CELLS // max(1, k * p))
    for start in range(0, k, step):
        rows = np.arange(start, min(k, start + step))
        ok = np.isfinite(tau2_del[rows]) & np.isfinite(b_del[rows]).all(axis=1)
        rows = rows[ok]
        if rows.size == 0:
            continue
        w = 1.0 / (vi[None, :] + tau2_del[rows, None])  # (block, k)
        full_inv[rows] = np.linalg.inv(np.einsum("kp,bk,kq->bpq", X, w, X))
        if knha:
            resid = yi[None, :] - b_del[rows] @ X.T
            w_out = w.copy()
            w_out[np.arange(rows.size), rows] = 0.0  # the deleted study is not part of its refit
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.einsum("bk,bk->b", w_out, resid * resid) / (k - 1 - p)
            s2[rows] = np.maximum(1.0, factor) if fit.test == "adhoc" else factor
    s2[~(np.isfinite(tau2_del) & np.isfinite(b_del).all(axis=1))] = np.nan
    return s2, full_inv


def _weighted_deleted_scales(
    fit: MetaResult, X: FloatArray, tau2_del: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The GENQ/GENQM counterparts of the hat values and of :func:`_deleted_scales`, with A = diag(user weights)
    and B = (X'AX)⁻¹: the leverages diag(X B X'A); per deleted study i, the Knapp–Hartung factor s²₍₋ᵢ₎ of the
    refit (the generalised Q statistic with inverse-variance weights at τ²₍₋ᵢ₎ of the other studies, over
    k − 1 − p, at least 1 under ``adhoc``, and 1 under ``z`` and ``t``), and the sandwich covariance
    B X'A (V + τ²₍₋ᵢ₎ I) A X B of the weighted fit with all k studies at the deleted fit's τ²."""
    k, p = X.shape
    yi, vi = fit.yi, fit.vi
    a = np.asarray(fit.user_weights, dtype=np.float64)
    AX = X * a[:, None]
    B = np.linalg.inv(X.T @ AX)
    hat = np.einsum("ij,jk,ik->i", X, B, AX)
    ok = np.isfinite(tau2_del)
    sigma = vi[None, :] + np.where(ok, tau2_del, np.nan)[:, None]  # (k deleted, k)
    full = np.einsum("pq,jq,ij,jr,rs->ips", B, AX, sigma, AX, B)
    s2 = np.ones(k)
    if fit.test in {"knha", "adhoc"}:
        for i in np.flatnonzero(ok):
            keep = np.arange(k) != i
            w, Xi, yk = 1.0 / sigma[i, keep], X[keep], yi[keep]
            with np.errstate(divide="ignore", invalid="ignore"):
                b_iv = np.linalg.lstsq(Xi * np.sqrt(w)[:, None], yk * np.sqrt(w), rcond=None)[0]
                factor = float(np.sum(w * (yk - Xi @ b_iv) ** 2)) / (k - 1 - p)
            s2[i] = max(1.0, factor) if fit.test == "adhoc" else factor
    s2[~ok] = np.nan
    return hat, s2, full


_BLOCK_CELLS = 4_000_000  # deleted studies × k × p per block of _deleted_scales


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
