"""Vectorised Brent root finding (one independent search per lane of a batch).

The algorithm is Brent's (1973) zero finder in the form of the classical ``zeroin`` routine (bisection,
secant and inverse quadratic interpolation with Brent's acceptance tests). It is the same algorithm R's
``uniroot`` runs; running it with R's default tolerance ``.Machine$double.eps^0.25`` therefore reproduces, to
rounding, the roots metafor reports for the Paule–Mandel type estimators and the Q-profile intervals, whose
searches stop at that tolerance.

References
----------
Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, ch. 4. Prentice-Hall.
Forsythe, G. E., Malcolm, M. A., & Moler, C. B. (1977). *Computer Methods for Mathematical Computations*,
section 7.2 (``zeroin``). Prentice-Hall.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sysreview._typing import BoolArray, FloatArray

__all__ = ["R_UNIROOT_TOL", "brent_zeroin"]

_EPS = float(np.finfo(np.float64).eps)
#: R's default ``uniroot`` tolerance, ``.Machine$double.eps^0.25``
R_UNIROOT_TOL = _EPS**0.25


def brent_zeroin(
    func: Callable[[FloatArray, BoolArray], FloatArray],
    lower: FloatArray,
    upper: FloatArray,
    f_lower: FloatArray,
    f_upper: FloatArray,
    *,
    tol: float = R_UNIROOT_TOL,
    maxiter: int = 1000,
) -> tuple[FloatArray, BoolArray, FloatArray]:
    """Find a root of ``func`` in ``[lower, upper]`` for every lane of a batch.

    ``func(x, active)`` evaluates the function at ``x`` (shape ``(B,)``); lanes where ``active`` is False may be
    given any value and their result is ignored. The function values at the ends must have opposite signs (or
    be zero). Returns ``(root, converged, iterations)``.
    """
    a = np.asarray(lower, dtype=np.float64).copy()
    b = np.asarray(upper, dtype=np.float64).copy()
    fa = np.asarray(f_lower, dtype=np.float64).copy()
    fb = np.asarray(f_upper, dtype=np.float64).copy()
    c = a.copy()
    fc = fa.copy()
    n = a.shape[0]
    root = np.full(n, np.nan)
    iterations = np.zeros(n)
    done = np.zeros(n, dtype=bool)
    # a root at an end point
    at_a = fa == 0.0
    root[at_a] = a[at_a]
    done |= at_a
    at_b = (fb == 0.0) & ~done
    root[at_b] = b[at_b]
    done |= at_b

    for _ in range(maxiter + 1):
        if done.all():
            break
        act = ~done
        prev_step = b - a
        swap = act & (np.abs(fc) < np.abs(fb))
        # a <- b, b <- c, c <- a (old b)
        a = np.where(swap, b, a)
        b = np.where(swap, c, b)
        c = np.where(swap, a, c)
        fa = np.where(swap, fb, fa)
        fb = np.where(swap, fc, fb)
        fc = np.where(swap, fa, fc)

        tol_act = 2.0 * _EPS * np.abs(b) + tol / 2.0
        new_step = (c - b) / 2.0

        finished = act & ((np.abs(new_step) <= tol_act) | (fb == 0.0))
        root[finished] = b[finished]
        done |= finished
        act = ~done
        if not act.any():
            break

        interp = act & (np.abs(prev_step) >= tol_act) & (np.abs(fa) > np.abs(fb))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            cb = c - b
            linear = a == c
            t1_lin = fb / fa
            p_lin = cb * t1_lin
            q_lin = 1.0 - t1_lin
            q0 = fa / fc
            t1 = fb / fc
            t2 = fb / fa
            p_quad = t2 * (cb * q0 * (q0 - t1) - (b - a) * (t1 - 1.0))
            q_quad = (q0 - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            p = np.where(linear, p_lin, p_quad)
            q = np.where(linear, q_lin, q_quad)
            q = np.where(p > 0.0, -q, q)
            p = np.abs(p)
            accept = (p < (0.75 * cb * q - np.abs(tol_act * q) / 2.0)) & (p < np.abs(prev_step * q / 2.0))
            interp_step = p / q
        new_step = np.where(interp & accept, interp_step, new_step)
        small = np.abs(new_step) < tol_act
        new_step = np.where(small, np.where(new_step > 0.0, tol_act, -tol_act), new_step)

        a = np.where(act, b, a)
        fa = np.where(act, fb, fa)
        b = np.where(act, b + new_step, b)
        fb_new = func(b, act)
        fb = np.where(act, fb_new, fb)
        iterations[act] += 1
        same_sign = act & (((fb > 0.0) & (fc > 0.0)) | ((fb < 0.0) & (fc < 0.0)))
        c = np.where(same_sign, a, c)
        fc = np.where(same_sign, fa, fc)

    converged = done.copy()
    root[~done] = b[~done]
    return root, converged, iterations
