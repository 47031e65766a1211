"""Bad input to rma gives an InputError that names the row and the column; nothing is silently dropped."""

from __future__ import annotations

import numpy as np
import pytest

from sysreview.errors import InputError
from sysreview.models import rma


def test_negative_variance_names_row_and_column() -> None:
    with pytest.raises(InputError) as err:
        rma([0.1, 0.2, 0.3], [0.01, -0.02, 0.03])
    assert (err.value.row, err.value.column) == (2, "vi")
    assert str(err.value) == "row 2: column 'vi': negative sampling variance -0.02"


def test_negative_standard_error() -> None:
    with pytest.raises(InputError) as err:
        rma([0.1, 0.2], sei=[0.1, -0.2])
    assert (err.value.row, err.value.column) == (2, "sei")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"method": "XYZ"}, "unknown method 'XYZ'; choose one of FE, EE, CE, DL"),
        ({"test": "wald"}, "unknown test 'wald'; choose one of z, t, knha, adhoc"),
        ({"level": 0}, "level must lie between 0 and 1"),
    ],
)
def test_bad_options_list_the_choices(kwargs, fragment) -> None:
    with pytest.raises(InputError, match=fragment):
        rma([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], **kwargs)


def test_k_zero_and_length_mismatch() -> None:
    with pytest.raises(InputError, match=r"k = 0"):
        rma([], [])
    with pytest.raises(InputError, match=r"yi has 3 values but vi has 2"):
        rma([0.1, 0.2, 0.3], [0.01, 0.02])
    with pytest.raises(InputError, match=r"give the sampling variances"):
        rma([0.1, 0.2])


def test_missing_values_are_omitted_with_a_note_naming_the_study() -> None:
    r = rma([0.1, np.nan, 0.3, 0.2], [0.01, 0.02, 0.03, 0.02], study=["A", "B", "C", "D"], method="DL")
    assert r.k == 3
    assert r.study == ("A", "C", "D")
    assert r.notes == ("1 study omitted for missing values: B",)


def test_linearly_dependent_moderators() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(InputError, match=r"linearly dependent"):
        rma([0.1, 0.2, 0.3, 0.4], [0.01] * 4, mods=np.column_stack([x, 2 * x]))


def test_single_study_falls_back_to_common_effect_with_a_note() -> None:
    r = rma([0.4], [0.04], method="REML")
    assert r.estimate == pytest.approx(0.4)
    assert r.tau2 == 0.0
    assert any("common-effect model was fitted" in n for n in r.notes)
