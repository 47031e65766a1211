"""sysreview: systematic reviews with meta-analysis, from database exports to an auditable report.

The top-level namespace holds the statistics core only (numpy/scipy); everything else lives in its subpackage.
"""

from __future__ import annotations

from sysreview._version import __version__
from sysreview.effects import EffectSizes, escalc
from sysreview.errors import ConvergenceError, InputError, SysreviewError
from sysreview.models import Coefficient, Interval, MetaResult, rma, rma_mh, rma_peto

__all__ = [
    "Coefficient",
    "ConvergenceError",
    "EffectSizes",
    "InputError",
    "Interval",
    "MetaResult",
    "SysreviewError",
    "__version__",
    "escalc",
    "rma",
    "rma_mh",
    "rma_peto",
]
