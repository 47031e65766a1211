"""The distribution of a positive weighted sum of independent χ²₁ variables (a quadratic form in normal variables).

``Q = Σ λ_j χ²₁,j`` with ``λ_j > 0`` is the null distribution of a generalised Q statistic with arbitrary weights
(DerSimonian & Kacker 2007; Jackson 2013): ``Q = y'P_a y`` with ``y ~ N(Xβ, Σ)`` has the weights ``λ_j`` = the
non-zero eigenvalues of ``Σ^½ P_a Σ^½``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from sysreview._distributions import chi2_cdf, chi2_sf
from sysreview._typing import ArrayLike, FloatArray

__all__ = ["quadratic_form_weights", "weighted_chi2_sf"]

#: absolute accuracy asked of each quadrature (the probability is accurate to about 1e-11)
_EPSABS = 1e-13


def weighted_chi2_sf(q: float, lambdas: ArrayLike) -> float:
    """Upper tail ``P(Σ λ_j χ²₁ > q)`` for positive weights ``λ_j``, by Imhof's (1961) inversion formula.

    Imhof's formula (his eq. 3.2, central case, one degree of freedom per term):

    ``P(Q > q) = ½ + (1/π) ∫₀^∞ sin θ(u) / (u ρ(u)) du``, ``θ(u) = ½ Σ arctan(λ_j u) − ½ q u``,
    ``ρ(u) = Π (1 + λ_j² u²)^¼``.

    The weights are scaled to ``max λ = 1``. On ``[0, 1]`` the integrand is smooth and integrated by adaptive
    Gauss–Kronrod quadrature; on ``[1, ∞)`` it is split as ``sin(A − ωu) = sin A cos ωu − cos A sin ωu`` with
    ``A(u) = ½ Σ arctan(λ_j u)`` and ``ω = q/2``, and each part is a Fourier integral of a smooth function that
    decays like ``u^(−1−n/2)``, integrated by QUADPACK's QAWF (Piessens et al. 1983), which sums the oscillations
    over their cycles with the epsilon algorithm; so slowly decaying integrands (few terms) are handled too. Equal
    weights give the scaled χ² distribution directly.

    Parameters
    ----------
    q : float
        The point at which the upper tail is evaluated.
    lambdas : array_like
        The weights, all positive.

    Returns
    -------
    float
        ``P(Q > q)``, in [0, 1].

    References
    ----------
    Imhof, J. P. (1961). Computing the distribution of quadratic forms in normal variables. *Biometrika*, 48(3/4),
    419–426.
    Piessens, R., de Doncker-Kapenga, E., Überhuber, C. W., & Kahaner, D. K. (1983). *QUADPACK: A subroutine
    package for automatic integration*. Springer.
    """
    lam = np.asarray(lambdas, dtype=np.float64).ravel()
    if lam.size == 0:
        return 0.0 if q >= 0.0 else 1.0
    if not np.all(lam > 0.0) or not np.all(np.isfinite(lam)):
        raise ValueError("the weights of a weighted chi-square sum must be positive and finite")
    if q <= 0.0:
        return 1.0
    top = float(lam.max())
    lam = lam / top
    x = float(q) / top
    if float(lam.min()) >= 1.0 - 1e-14:
        return float(chi2_sf(x, lam.size))

    # λ_min χ²_n ≤ Q ≤ χ²_n (λ_max = 1): far in either tail the bounds give P to within 1e-13
    below = float(chi2_cdf(x / float(lam.min()), lam.size))
    if below <= 1e-13:
        return 1.0 - below
    above = float(chi2_sf(x, lam.size))
    if above <= 1e-13:
        return above

    lam2 = lam * lam
    half_sum = 0.5 * float(lam.sum())

    def angle(u: float) -> float:
        return 0.5 * float(np.arctan(lam * u).sum())

    def decay(u: float) -> float:  # 1/(u ρ(u))
        return math.exp(-0.25 * float(np.log1p(lam2 * u * u).sum())) / u

    def head(u: float) -> float:
        if u == 0.0:
            return half_sum - 0.5 * x
        return math.sin(angle(u) - 0.5 * x * u) * decay(u)

    omega = 0.5 * x
    # the head runs over the first cycles of the oscillation and past the bend of ρ at u = 1/λ_min, so that QAWF
    # sees a smooth, already decaying amplitude
    cut = max(1.0, 8.0 * math.pi / omega, 4.0 / float(lam.min()))
    near = _quad(head, 0.0, 1.0, limit=500)
    lower = 1.0
    while lower < cut:  # doubling pieces: each holds a bounded number of oscillations and a smooth amplitude
        upper = min(2.0 * lower, cut)
        near += _quad(head, lower, upper, limit=2000)
        lower = upper
    cos_part = _quad(
        lambda u: math.sin(angle(u)) * decay(u), cut, math.inf, weight="cos", wvar=omega, limlst=1000, limit=2000
    )
    sin_part = _quad(
        lambda u: math.cos(angle(u)) * decay(u), cut, math.inf, weight="sin", wvar=omega, limlst=1000, limit=2000
    )
    value = 0.5 + (near + cos_part - sin_part) / math.pi
    return min(1.0, max(0.0, value))


def _quad(func: Callable[[float], float], a: float, b: float, **options: Any) -> float:
    """One QUADPACK integral at the module's accuracy; an error estimate above 1e-10 is an error, not a warning."""
    from scipy.integrate import quad  # noqa: PLC0415 - scipy.integrate is slow to import and rarely needed

    if "weight" not in options:
        options["epsrel"] = 1e-12
    out = quad(func, a, b, epsabs=_EPSABS, full_output=1, **options)
    value, abserr = float(out[0]), float(out[1])
    if not math.isfinite(value) or abserr > 1e-10:
        raise ArithmeticError(f"Imhof quadrature did not reach its accuracy (error estimate {abserr:.1e})")
    return value


def quadratic_form_weights(P: FloatArray, sigma: FloatArray, rank: int) -> FloatArray:
    """The weights ``λ`` of ``y'Py ~ Σ λ_j χ²₁`` for ``y ~ N(Xβ, diag(sigma))`` with ``PX = 0``: the ``rank``
    largest eigenvalues of ``diag(sigma)^½ P diag(sigma)^½`` (the others are zero)."""
    root = np.sqrt(sigma)
    M = root[:, None] * P * root[None, :]
    values = np.linalg.eigvalsh(0.5 * (M + M.T))
    return np.asarray(values[::-1][:rank], dtype=np.float64)
