"""Sensitivity analyses and small-study / publication-bias diagnostics of fitted meta-analyses.

Sensitivity: :func:`leave_one_out`, :func:`influence` (Viechtbauer & Cheung 2010), :func:`cumulative`,
:func:`gosh`, :func:`baujat`. Small-study effects and publication bias: :func:`egger_test`, :func:`begg_test`,
:func:`trim_and_fill`, :func:`fail_safe_n`, :func:`pet_peese`, :func:`peters_test`.

Every function takes the fitted model (:class:`sysreview.models.MetaResult`) as its one positional argument
(Peters' test takes the 2×2 counts) and reuses its settings (τ² estimator, test, level) where it refits.
"""

from __future__ import annotations

from sysreview.diagnostics._failsafe import FailSafeResult, fail_safe_n
from sysreview.diagnostics._gosh import GoshResult, gosh
from sysreview.diagnostics._influence import BaujatResult, InfluenceResult, baujat, influence
from sysreview.diagnostics._rank import BeggResult, begg_test
from sysreview.diagnostics._regression import (
    PetPeeseResult,
    RegressionTestResult,
    egger_test,
    pet_peese,
    peters_test,
)
from sysreview.diagnostics._sensitivity import CumulativeResult, LeaveOneOutResult, cumulative, leave_one_out
from sysreview.diagnostics._trimfill import TrimFillResult, trim_and_fill

__all__ = [
    "BaujatResult",
    "BeggResult",
    "CumulativeResult",
    "FailSafeResult",
    "GoshResult",
    "InfluenceResult",
    "LeaveOneOutResult",
    "PetPeeseResult",
    "RegressionTestResult",
    "TrimFillResult",
    "baujat",
    "begg_test",
    "cumulative",
    "egger_test",
    "fail_safe_n",
    "gosh",
    "influence",
    "leave_one_out",
    "pet_peese",
    "peters_test",
    "trim_and_fill",
]
