"""Pooling models: common-effect and random-effects (all tau² estimators), meta-regression, MH and Peto."""

from __future__ import annotations

from sysreview.models._mantel_haenszel import rma_mh, rma_peto
from sysreview.models._results import Coefficient, Interval, MetaResult
from sysreview.models._rma import METHODS, TESTS, Control, rma
from sysreview.models._subgroup import SubgroupResult, dummy_code, subgroup_analysis

__all__ = [
    "METHODS",
    "TESTS",
    "Coefficient",
    "Control",
    "Interval",
    "MetaResult",
    "SubgroupResult",
    "dummy_code",
    "rma",
    "rma_mh",
    "rma_peto",
    "subgroup_analysis",
]
