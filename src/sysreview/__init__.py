"""sysreview: systematic reviews with meta-analysis, from database exports to an auditable report.

The top-level namespace holds the statistics core (numpy/scipy only); everything else lives in its subpackage.
Names are loaded on first use (PEP 562), so that ``import sysreview`` — and the command line's start-up — does not
pay for numpy and scipy until a statistic is computed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sysreview._version import __version__

if TYPE_CHECKING:
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

_LAZY = {
    "Coefficient": "sysreview.models",
    "ConvergenceError": "sysreview.errors",
    "EffectSizes": "sysreview.effects",
    "InputError": "sysreview.errors",
    "Interval": "sysreview.models",
    "MetaResult": "sysreview.models",
    "SysreviewError": "sysreview.errors",
    "escalc": "sysreview.effects",
    "rma": "sysreview.models",
    "rma_mh": "sysreview.models",
    "rma_peto": "sysreview.models",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sysreview' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
