"""Pooling models: common-effect and random-effects (all tau² estimators), meta-regression, MH and Peto."""

from __future__ import annotations

from sysreview.models._batch import BATCH_COLUMNS, BatchResult, fit_groups
from sysreview.models._checks import METHODS
from sysreview.models._fit import TESTS
from sysreview.models._mantel_haenszel import ChiSquareTest, MHTests, mh_tests, rma_mh, rma_peto
from sysreview.models._permutation import PermutationResult, permutation_test
from sysreview.models._results import Coefficient, Interval, MetaResult, Prediction
from sysreview.models._rma import Control, rma
from sysreview.models._subgroup import SubgroupResult, dummy_code, factor_levels, subgroup_analysis

__all__ = [
    "BATCH_COLUMNS",
    "METHODS",
    "TESTS",
    "BatchResult",
    "ChiSquareTest",
    "Coefficient",
    "Control",
    "Interval",
    "MHTests",
    "MetaResult",
    "PermutationResult",
    "Prediction",
    "SubgroupResult",
    "dummy_code",
    "factor_levels",
    "fit_groups",
    "mh_tests",
    "permutation_test",
    "rma",
    "rma_mh",
    "rma_peto",
    "subgroup_analysis",
]
