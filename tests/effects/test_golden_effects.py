"""escalc against R metafor 3.8-1 (shared/golden/metafor_public.json): every ``effect_size`` case at RTOL.

The ``meta`` cases that compute their effect sizes from raw columns (``call.measure``) must also go through
escalc with their columns as given.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

from sysreview.effects import MEASURES, escalc
from tests._golden import RTOL, assert_close, cases_of

#: the data columns escalc takes (everything else in a case's input is a label or a moderator)
ESCALC_COLUMNS = frozenset(
    name
    for name, parameter in inspect.signature(escalc).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in {"add", "to", "drop00", "vtype"}
)

EFFECT_SIZE_CASES = cases_of("effect_size")
META_CASES_WITH_MEASURE = [
    case for case in cases_of("meta") if "measure" in case.values[0]["call"] and case.values[0]["call"]["measure"]
]


def _columns(case: dict[str, Any]) -> dict[str, Any]:
    return {name: values for name, values in case["input"].items() if name in ESCALC_COLUMNS}


def test_golden_file_covers_every_measure() -> None:
    # 24 effect_size cases, one per measure code this module implements
    measures = sorted(case.values[0]["call"]["measure"] for case in EFFECT_SIZE_CASES)
    assert len(EFFECT_SIZE_CASES) == 24
    assert measures == sorted(MEASURES)


@pytest.mark.parametrize("case", EFFECT_SIZE_CASES)
def test_effect_sizes_match_metafor(case: dict[str, Any]) -> None:
    # reference: metafor::escalc(measure, <columns>) with its defaults (add=1/2 to zero cells, "only0")
    es = escalc(case["call"]["measure"], **_columns(case))
    expected = case["expected"]
    actual = {
        "yi": [None if np.isnan(v) else float(v) for v in es.yi],
        "vi": [None if np.isnan(v) else float(v) for v in es.vi],
    }
    assert_close(actual, {"yi": expected["yi"], "vi": expected["vi"]}, rtol=RTOL, where=case["id"])
    # where metafor gives NA we give NaN with a recorded reason, never a silent gap
    for index, value in enumerate(expected["yi"]):
        if value is None:
            assert es.notes[index], f"{case['id']}: study {index + 1} is NaN without a note"


@pytest.mark.parametrize("case", META_CASES_WITH_MEASURE)
def test_meta_case_columns_are_accepted(case: dict[str, Any]) -> None:
    columns = _columns(case)
    measure = case["call"]["measure"]
    assert set(columns) <= MEASURES[measure].accepted
    es = escalc(measure, **columns)
    complete = np.all([~np.isnan(np.array(v, dtype=float)) for v in columns.values()], axis=0)
    assert es.k == len(complete)
    assert np.all(es.estimable[complete]), f"{case['id']}: {es.notes}"
