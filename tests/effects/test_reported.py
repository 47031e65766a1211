"""Reported effects (estimate with a CI or a p-value) to yi and vi on the model scale."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sysreview.effects import effects_from_reported
from sysreview.errors import InputError
from tests._golden import RTOL

Z95 = 1.959963984540054  # Φ⁻¹(0.975)


def test_ratio_with_ci_is_logged() -> None:
    # OR 0.75 (95% CI 0.60 to 0.94): yi = ln 0.75, SE = (ln 0.94 − ln 0.60)/3.92 (Handbook 6.4, 6.3.2)
    es = effects_from_reported([0.75], [0.60], [0.94], measure="OR")
    assert es.measure == "OR"
    assert math.isclose(es.yi[0], math.log(0.75), rel_tol=RTOL)
    assert math.isclose(es.vi[0], ((math.log(0.94) - math.log(0.60)) / (2 * Z95)) ** 2, rel_tol=RTOL)
    assert es.notes == (None,)


def test_difference_with_p_value() -> None:
    # Handbook 6.4, 6.3.1: risk difference 0.03 with P = 0.008 -> SE = 0.011
    es = effects_from_reported([0.03], pvalue=[0.008], measure="RD")
    assert es.yi[0] == 0.03
    assert math.sqrt(es.vi[0]) == pytest.approx(0.011, abs=0.0005)
    assert es.notes == ("standard error from the p-value",)


def test_mixed_reporting_keeps_every_study() -> None:
    es = effects_from_reported(
        [1.5, 2.0, 0.8, 1.0, 1.2],
        [1.1, np.nan, np.nan, np.nan, np.nan],
        [2.0, np.nan, np.nan, np.nan, np.nan],
        pvalue=[np.nan, 0.01, np.nan, 0.5, 1.0],
        measure="HR",
        scale="log",
    )
    assert es.measure == "HR"
    assert math.isclose(es.vi[0], ((math.log(2.0) - math.log(1.1)) / (2 * Z95)) ** 2, rel_tol=RTOL)
    assert math.isclose(es.vi[1], (math.log(2.0) / 2.5758293035489004) ** 2, rel_tol=RTOL)
    assert np.isnan(es.yi[2:]).all()
    assert es.notes[2] == "not estimable: neither a confidence interval nor a p-value"
    assert es.notes[3] == "not estimable: a null estimate or p = 1 gives no standard error"
    assert es.notes[4] == "not estimable: a null estimate or p = 1 gives no standard error"


def test_t_based_interval() -> None:
    es = effects_from_reported([3.8], [1.0], [6.6], measure="MD", df=45)
    assert math.isclose(math.sqrt(es.vi[0]), 5.6 / (2 * 2.0141033888808457), rel_tol=1e-9)


def test_asymmetric_interval_is_flagged() -> None:
    # an OR with its CI, mistakenly analysed as a difference: not symmetric about 0.5 on the identity scale
    es = effects_from_reported([0.5], [0.2], [1.25], measure="GEN", scale="identity")
    assert es.notes == ("the interval is not symmetric about the estimate on the identity scale",)
    assert np.isfinite(es.vi[0])


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([1.2], [1.0], [1.5]), {"measure": "HR"}, "scale is required for measure 'HR'"),
        (([1.2], [1.0], [1.5]), {"measure": "OR", "scale": "identity"}, "measure OR is on the log scale"),
        (([1.2], [1.0], [1.5]), {"scale": "logit"}, "scale must be one of log, identity"),
        (([1.2], [1.0]), {"measure": "OR"}, "lower and upper go together"),
        (([1.2],), {"measure": "OR"}, "give the confidence limits"),
        (([1.2],), {"measure": "ZCOR", "pvalue": [0.1]}, "on the fisher_z scale"),
    ],
)
def test_bad_calls(args: tuple[list[float], ...], kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        effects_from_reported(*args, **kwargs)


def test_estimate_outside_its_interval_names_row() -> None:
    with pytest.raises(InputError, match="must lie within its confidence interval") as err:
        effects_from_reported([1.2, 2.0], [1.0, 1.1], [1.5, 1.8], measure="RR")
    assert (err.value.row, err.value.column) == (2, "estimate")
    with pytest.raises(InputError, match="must be positive on the log scale") as err:
        effects_from_reported([1.2, -0.1], pvalue=[0.2, 0.3], measure="RR")
    assert (err.value.row, err.value.column) == (2, "estimate")
