"""Pooling models: common-effect and random-effects (all tau² estimators), meta-regression, MH and Peto."""

from __future__ import annotations

from sysreview.models._mantel_haenszel import rma_mh, rma_peto
from sysreview.models._results import Coefficient, Interval, MetaResult
from sysreview.models._rma import Control, rma

__all__ = ["Coefficient", "Control", "Interval", "MetaResult", "rma", "rma_mh", "rma_peto"]
