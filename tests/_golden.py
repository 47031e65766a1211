"""Access to the R metafor reference cases in ../shared/golden and the tolerances we hold ourselves to.

Every numeric comparison with metafor uses one of the tolerances below (one per kind of quantity).
"""

from __future__ import annotations

import json
import math
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

#: relative tolerance for point estimates, standard errors, statistics, p-values, heterogeneity (issue 2)
RTOL = 1e-6
#: relative tolerance for Q-profile intervals (tau2_ci, I2_ci, H2_ci) and tau2_se (issue 2)
RTOL_QPROFILE = 1e-4
#: absolute floor used when the reference value is (near) zero
ATOL = 1e-10


def shared_dir() -> Path:
    """The shared folder beside the work tree (``SYSREVIEW_SHARED`` overrides)."""
    env = os.environ.get("SYSREVIEW_SHARED")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared"


GOLDEN_FILE = shared_dir() / "golden" / "metafor_public.json"


@cache
def golden_cases() -> tuple[dict[str, Any], ...]:
    with GOLDEN_FILE.open(encoding="utf-8") as fh:
        return tuple(json.load(fh)["cases"])


def cases_of(kind: str) -> list[Any]:
    """pytest params (id = case id) of every golden case of one ``call.kind``."""
    return [pytest.param(case, id=case["id"]) for case in golden_cases() if case["call"]["kind"] == kind]


def assert_close(actual: Any, expected: Any, *, rtol: float = RTOL, atol: float = ATOL, where: str = "") -> None:
    """Compare numbers, lists and dicts recursively; ``None`` in the reference must be ``None`` (or NaN) here."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}: missing {key!r}"
            assert_close(actual[key], value, rtol=rtol, atol=atol, where=f"{where}.{key}")
        return
    if isinstance(expected, list):
        assert actual is not None, f"{where}: expected {expected!r}, got None"
        assert len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, rtol=rtol, atol=atol, where=f"{where}[{i}]")
        return
    if expected is None:
        assert actual is None or (isinstance(actual, float) and math.isnan(actual)), (
            f"{where}: expected None, got {actual!r}"
        )
        return
    if isinstance(expected, str):
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
        return
    assert actual is not None, f"{where}: expected {expected!r}, got None"
    assert math.isclose(float(actual), float(expected), rel_tol=rtol, abs_tol=atol), (
        f"{where}: {actual!r} != {expected!r} (rel. error {abs(actual - expected) / max(abs(expected), 1e-300):.2e})"
    )
