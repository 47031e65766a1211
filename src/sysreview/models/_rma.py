"""rma: common-effect and random-effects models and mixed-effects meta-regression (one analysis)."""

from __future__ import annotations

from dataclasses import dataclass

from sysreview._typing import ArrayLike
from sysreview.models._results import MetaResult

__all__ = ["Control", "rma"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Control:
    """Numerical settings of the iterative estimators (defaults reproduce metafor)."""

    threshold: float = 1e-10
    maxiter: int = 1000
    tol: float = 2.220446049250313e-16**0.25
    tau2_max: float = 100.0


def rma(
    yi: ArrayLike,
    vi: ArrayLike | None = None,
    *,
    sei: ArrayLike | None = None,
    mods: ArrayLike | None = None,
    mod_names: ArrayLike | None = None,
    intercept: bool = True,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    measure: str | None = None,
    study: ArrayLike | None = None,
    tau2: float | None = None,
    control: Control | None = None,
) -> MetaResult:
    raise NotImplementedError
