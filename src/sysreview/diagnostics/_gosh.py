"""GOSH: the model fitted to all (or a random sample of) subsets of the studies (Olkin et al. 2012)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from sysreview._typing import BoolArray, FloatArray
from sysreview.diagnostics._common import plain, readonly, require_intercept_only, require_refittable
from sysreview.diagnostics._refit import fit_subsets
from sysreview.errors import InputError
from sysreview.models import MetaResult

__all__ = ["GoshResult", "gosh", "gosh_subsets"]

#: metafor's default: exhaustive up to 10⁶ subsets (k ≤ 19), a random sample of 10⁶ beyond
DEFAULT_SUBSETS = 1_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class GoshResult:
    """One row per subset: which studies it holds and the model's results for it."""

    method: str
    study: tuple[str, ...]
    exhaustive: bool  # every non-empty subset (True) or a random sample of subsets (False)
    subsets: BoolArray  # (n_subsets, k): study j is in subset i
    k: npt.NDArray[np.int64]
    estimate: FloatArray
    tau2: FloatArray
    I2: FloatArray  # percent
    H2: FloatArray
    Q: FloatArray

    def to_dict(self) -> dict[str, Any]:
        """Field name → value (arrays as lists; ``subsets`` as 0/1 rows, NaN as None)."""
        out: dict[str, Any] = plain({f.name: getattr(self, f.name) for f in fields(self)})
        out["subsets"] = self.subsets.astype(np.int8).tolist()
        return out


def gosh_subsets(
    k: int, *, subsets: int = DEFAULT_SUBSETS, random_state: int | np.random.Generator | None = None
) -> tuple[BoolArray, bool]:
    """The subsets a GOSH analysis of k studies fits, and whether they are all of them.

    When 2ᵏ − 1 ≤ ``subsets`` every non-empty subset is returned (in binary counting order: row ``i`` holds
    study ``j`` when bit ``j`` of ``i + 1`` is set); otherwise ``subsets`` subsets drawn independently, each
    study included with probability 1/2 and empty draws redrawn (duplicates possible), from ``random_state``.
    """
    if k < 1:
        raise InputError(f"GOSH needs at least one study, got k = {k}")
    if isinstance(subsets, bool) or not isinstance(subsets, int | np.integer) or subsets < 1:
        raise InputError(f"subsets must be a positive whole number, got {subsets!r}")
    if k < 63 and 2**k - 1 <= subsets:
        codes = np.arange(1, 2**k, dtype=np.int64)
        bits = (codes[:, None] >> np.arange(k, dtype=np.int64)[None, :]) & 1
        return bits.astype(bool), True
    rng = np.random.default_rng(random_state)
    draws = rng.random((int(subsets), k)) < 0.5
    empty = ~draws.any(axis=1)
    while empty.any():
        draws[empty] = rng.random((int(empty.sum()), k)) < 0.5
        empty = ~draws.any(axis=1)
    return draws, False


def gosh(
    fit: MetaResult,
    *,
    subsets: int = DEFAULT_SUBSETS,
    random_state: int | np.random.Generator | None = None,
) -> GoshResult:
    """GOSH (graphical display of study heterogeneity): fit the model to subsets of the studies.

    All 2ᵏ − 1 non-empty subsets are fitted when there are at most ``subsets`` of them (k ≤ 19 with the
    default), a random sample of ``subsets`` subsets otherwise (reproducible through ``random_state``).
    Each fit uses the method of ``fit``; a single study gives a common-effect fit.

    Parameters
    ----------
    fit : MetaResult
        An intercept-only model fitted by :func:`sysreview.models.rma`.
    subsets : int
        Most subsets to fit (default 10⁶, as metafor).
    random_state : int or numpy.random.Generator, optional
        Seed of the sample drawn when not all subsets are fitted.

    Returns
    -------
    GoshResult

    Notes
    -----
    Until the models package exposes its batched kernel every subset is a separate model fit, so large
    exhaustive analyses (2¹⁹ subsets) take long; lower ``subsets`` to sample instead.

    References
    ----------
    Olkin, I., Dahabreh, I. J., & Trikalinos, T. A. (2012). GOSH – a graphical display of study heterogeneity.
    *Research Synthesis Methods*, 3(3), 214–223.
    """
    require_refittable(fit, "GOSH")
    require_intercept_only(fit, "GOSH")
    chosen, exhaustive = gosh_subsets(fit.k, subsets=subsets, random_state=random_state)
    res = fit_subsets(fit, chosen)
    return GoshResult(
        method=fit.method,
        study=fit.study,
        exhaustive=exhaustive,
        subsets=readonly(chosen, dtype=bool),
        k=res.k,
        estimate=res.estimate,
        tau2=res.tau2,
        I2=res.I2,
        H2=res.H2,
        Q=res.Q,
    )
