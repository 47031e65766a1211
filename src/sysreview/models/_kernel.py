"""Batch-first kernels of the (mixed-effects) meta-analysis model ``y = Xβ + u + ε``.

Every function works on a batch of ``B`` meta-analyses at once, padded to a common number of studies ``K``
(ragged ``k`` through a boolean mask). A single meta-analysis is a batch of one. Only small ``p × p`` systems are
solved per analysis; ``K × K`` matrices are formed only where a quadratic form's variance needs them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sysreview._typing import BoolArray, FloatArray

__all__ = ["Batch", "WLSFit", "make_batch", "wls"]


@dataclass(frozen=True, slots=True)
class Batch:
    """A padded batch: ``y, v`` of shape ``(B, K)``, ``X`` of shape ``(B, K, p)``, ``mask`` ``(B, K)``."""

    y: FloatArray
    v: FloatArray
    X: FloatArray
    mask: BoolArray
    k: FloatArray  # studies per analysis, as float for arithmetic
    p: int
    #: the model is intercept-only (X is a column of ones): every kernel then uses closed-form sums, O(B·K)
    intercept_only: bool = False
    #: no padded cells (every lane has K studies): masking can be skipped
    full: bool = False

    @property
    def size(self) -> int:
        return int(self.y.shape[0])

    def take(self, lanes: BoolArray) -> Batch:
        """The sub-batch of the selected lanes."""
        return Batch(
            self.y[lanes],
            self.v[lanes],
            self.X[lanes],
            self.mask[lanes],
            self.k[lanes],
            self.p,
            self.intercept_only,
            self.full,
        )


def make_batch(y: FloatArray, v: FloatArray, X: FloatArray, mask: BoolArray) -> Batch:
    """Build a batch, zeroing padded cells (``y = 0``, ``v = 1``, ``X = 0``) so they never produce NaN."""
    mask = np.asarray(mask, dtype=bool)
    y = np.where(mask, y, 0.0)
    v = np.where(mask, v, 1.0)
    X = np.where(mask[..., None], X, 0.0)
    k = mask.sum(axis=1).astype(np.float64)
    p = int(X.shape[2])
    intercept_only = p == 1 and bool(np.all(X[..., 0][mask] == 1.0))
    return Batch(y=y, v=v, X=X, mask=mask, k=k, p=p, intercept_only=intercept_only, full=bool(mask.all()))


@dataclass(frozen=True, slots=True)
class WLSFit:
    """Weighted least squares with weights ``w`` (zero in padded cells), per lane."""

    w: FloatArray  # (B, K)
    beta: FloatArray  # (B, p)
    XtWX_inv: FloatArray  # (B, p, p)
    resid: FloatArray  # (B, K)
    rss: FloatArray  # (B,)  Σ w r²
    trP: FloatArray  # (B,)  tr(P), P = W − W X (X'WX)⁻¹ X' W

    def take(self, lanes: BoolArray) -> WLSFit:
        """The fits of the selected lanes."""
        return WLSFit(
            w=self.w[lanes],
            beta=self.beta[lanes],
            XtWX_inv=self.XtWX_inv[lanes],
            resid=self.resid[lanes],
            rss=self.rss[lanes],
            trP=self.trP[lanes],
        )


def wls(batch: Batch, w: FloatArray) -> WLSFit:
    """Fit ``y ~ X`` by weighted least squares in every lane (``w`` already zero where masked)."""
    if batch.intercept_only:
        return _wls_intercept(batch, w)
    X = batch.X
    XtW = X.transpose(0, 2, 1) * w[:, None, :]  # (B, p, K)
    XtWX = XtW @ X
    XtWy = np.einsum("bpk,bk->bp", XtW, batch.y)
    XtWX_inv: FloatArray = np.linalg.inv(XtWX).astype(np.float64, copy=False)
    beta = np.einsum("bij,bj->bi", XtWX_inv, XtWy)
    resid = np.where(batch.mask, batch.y - np.einsum("bkp,bp->bk", X, beta), 0.0)
    rss = np.einsum("bk,bk->b", w, resid * resid)
    # tr(P) = Σ w − tr((X'WX)⁻¹ X'W²X)
    XtW2X = (XtW * w[:, None, :]) @ X
    trP = w.sum(axis=1) - np.einsum("bij,bji->b", XtWX_inv, XtW2X)
    return WLSFit(w=w, beta=beta, XtWX_inv=XtWX_inv, resid=resid, rss=rss, trP=trP)


def _wls_intercept(batch: Batch, w: FloatArray) -> WLSFit:
    """The weighted mean: the closed form of :func:`wls` for an intercept-only model."""
    sw = w.sum(axis=1)
    mu = np.einsum("bk,bk->b", w, batch.y) / sw
    resid = batch.y - mu[:, None]
    if not batch.full:
        resid = np.where(batch.mask, resid, 0.0)
    wr = w * resid
    rss = np.einsum("bk,bk->b", wr, resid)
    trP = sw - np.einsum("bk,bk->b", w, w) / sw
    return WLSFit(w=w, beta=mu[:, None], XtWX_inv=(1.0 / sw)[:, None, None], resid=resid, rss=rss, trP=trP)


def weights(batch: Batch, tau2: FloatArray) -> FloatArray:
    """Inverse-variance weights ``1/(v + τ²)``, zero in padded cells."""
    w = 1.0 / (batch.v + tau2[:, None])
    return w if batch.full else np.where(batch.mask, w, 0.0)


def projection(batch: Batch, fit: WLSFit) -> FloatArray:
    """The residual-forming matrix ``P = W − W X (X'WX)⁻¹ X' W`` of every lane, shape ``(B, K, K)``."""
    WX = batch.X * fit.w[:, :, None]
    P = -(WX @ fit.XtWX_inv @ WX.transpose(0, 2, 1))
    idx = np.arange(batch.y.shape[1])
    P[:, idx, idx] += fit.w
    return P


def trace_PP(batch: Batch, fit: WLSFit) -> FloatArray:
    """``tr(P P)`` without forming ``P`` (needed by REML's Fisher information)."""
    w = fit.w
    if batch.intercept_only:
        sw = w.sum(axis=1)
        w2 = w * w
        s2 = w2.sum(axis=1)
        return s2 - 2.0 * (w2 * w).sum(axis=1) / sw + (s2 / sw) ** 2
    XtW = batch.X.transpose(0, 2, 1) * w[:, None, :]
    XtW2X = (XtW * w[:, None, :]) @ batch.X
    XtW3X = (XtW * (w * w)[:, None, :]) @ batch.X
    A = fit.XtWX_inv
    AM = A @ XtW2X
    return (w * w).sum(axis=1) - 2.0 * np.einsum("bij,bji->b", A, XtW3X) + np.einsum("bij,bji->b", AM, AM)


def py_p_py(batch: Batch, fit: WLSFit) -> FloatArray:
    """``y'PPPy = u'Pu`` with ``u = Py = w∘r`` (the observed information of the likelihoods of τ² needs it)."""
    u = fit.w * fit.resid
    wuu = np.einsum("bk,bk->b", fit.w, u * u)
    if batch.intercept_only:
        wu = np.einsum("bk,bk->b", fit.w, u)
        return wuu - wu * wu / fit.w.sum(axis=1)
    XtWu = np.einsum("bkp,bk->bp", batch.X, fit.w * u)
    return wuu - np.einsum("bi,bij,bj->b", XtWu, fit.XtWX_inv, XtWu)


def residual_quadratic_form_variance(batch: Batch, fit: WLSFit, sigma: FloatArray) -> FloatArray:
    """``Var(y'Py) = 2 tr(PΣPΣ)`` for the residual-forming ``P`` of ``fit`` and ``Σ = diag(sigma)``.

    For an intercept-only model ``P = W − w w'/Σw``; with ``a = w ∘ σ``:
    ``tr(PΣPΣ) = Σa² − 2 Σ w a² / Σw + (Σ w a)² / (Σw)²``.
    """
    if batch.intercept_only:
        w = fit.w
        sw = w.sum(axis=1)
        a = w * sigma
        return 2.0 * ((a * a).sum(axis=1) - 2.0 * (w * a * a).sum(axis=1) / sw + ((w * a).sum(axis=1) / sw) ** 2)
    return quadratic_form_variance(projection(batch, fit), sigma)


def quadratic_form_variance(P: FloatArray, sigma: FloatArray) -> FloatArray:
    """``Var(y'Py) = 2 tr(PΣPΣ)`` for ``y ~ N(Xβ, Σ)``, ``Σ = diag(sigma)`` and ``PX = 0``."""
    PS = P * sigma[:, None, :]
    return 2.0 * np.einsum("bij,bji->b", PS, PS)
