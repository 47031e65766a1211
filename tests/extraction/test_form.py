"""Forms: the built-in form covers seed 001's extraction items; a form file's errors name the file and the field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sysreview.errors import InputError
from sysreview.extraction import DEFAULT_FORM, Form, default_form, default_form_text, load_form

# seed 001, Methods 2.3 ("Systematic study selection and data extraction process"): the items its form extracted
SEED001_STUDY_ITEMS = (
    "year", "country", "design", "n_randomised", "funding", "age_mean", "age_sd", "male_percent", "fitzpatrick",
    "scar_type", "scar_duration_years", "follow_up", "follow_up_unit", "postoperative_care", "complication_management",
    "limitations", "author_suggestions",
)  # fmt: skip
SEED001_ARM_ITEMS = ("description", "source_tissue", "processing_method", "processing_device", "cell_concentration",
                     "cell_viability_percent", "volume_ml", "expansion_ratio", "sessions", "timing")  # fmt: skip


def test_default_form_covers_seed001s_items() -> None:
    form = default_form()
    assert form.name == DEFAULT_FORM
    study = {spec.name for spec in form.study_fields}
    arm = {spec.name for spec in form.arm_fields}
    assert set(SEED001_STUDY_ITEMS) <= study
    assert set(SEED001_ARM_ITEMS) <= arm
    assert [o.name for o in form.outcomes] == ["ecca", "scar_depth", "healing_time", "satisfaction", "adverse_events"]
    ecca = form.outcome("ecca")
    assert ecca is not None
    assert (ecca.family, ecca.minimum, ecca.maximum, ecca.direction) == (
        "continuous",
        Decimal(0),
        Decimal(168),
        "lower",
    )
    design = form.field("study", "design")
    assert design is not None
    assert design.type == "choice"
    assert {"parallel", "within-person", "cohort", "case series"} <= set(design.choices)
    assert form.within_person == ("within-person", "cross-over")
    # TIDieR items 1-12 (Hoffmann et al. 2014), then seed 001's Supplementary Table S2 items
    assert [item.item for item in form.completeness[:12]] == [f"TIDieR {i}" for i in range(1, 13)]


def test_form_round_trips_through_its_dict() -> None:
    form = default_form()
    assert Form.from_dict(form.to_dict()) == form


def test_default_form_text_loads_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "form.toml"
    path.write_text(default_form_text(), encoding="utf-8")
    assert load_form(path) == default_form()


def _form_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "form.toml"
    path.write_text('[form]\nname = "mine"\n' + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[study]]\nname = "age"\ntyp = "number"\n', "[[study]] number 1: unknown key 'typ'"),
        ('[[study]]\nname = "age"\ntype = "float"\n', "study field 'age': type must be one of text, integer"),
        ('[[study]]\nname = "kind"\ntype = "choice"\n', "study field 'kind': a choice field needs its choices"),
        ('[[study]]\nname = "kind"\ntype = "choice"\nchoices = ["a", "NR"]\n', "the choice 'NR' cannot be used"),
        ('[[study]]\nname = "n_randomised"\ntype = "number"\n', "'n_randomised' is used by the checks"),
        ('[[study]]\nname = "age"\ntype = "number"\nminimum = 5\nmaximum = 1\n', "minimum 5 is above maximum 1"),
        ('[[study]]\nname = "men"\ntype = "number"\npercent_of = "n"\n', "percent_of must name an integer study"),
        ('[[study]]\nname = "Age"\ntype = "number"\n', "lower-case letters"),
        ('[[study]]\nname = "label"\ntype = "text"\n', "a column of the spreadsheets"),
        ('[[study]]\nname = "a"\ntype = "text"\n[[study]]\nname = "a"\ntype = "text"\n', "defined twice"),
        ('[[arm]]\nname = "a"\ntype = "text"\nroles = ["treatment"]\n', "role 'treatment' is not one of"),
        ('[[outcome]]\nname = "pain"\nfamily = "ordinal"\n', "outcome 'pain': family must be one of"),
        ('[[completeness]]\nitem = "T1"\nname = "x"\nfields = ["arm.nothing"]\n', "'arm.nothing' is not a field"),
        ("[[study]]\nname = 'a'\ntype = 'text'\nrequires = ['b']\n", "requires 'b', which is not a study field"),
        ("[[study]\n", "not valid TOML"),
    ],
)
def test_form_file_errors_name_the_file_and_the_field(tmp_path: Path, body: str, message: str) -> None:
    path = _form_file(tmp_path, body)
    with pytest.raises(InputError) as caught:
        load_form(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_missing_form_table_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "form.toml"
    path.write_text('[[study]]\nname = "a"\ntype = "text"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"the \[form\] table"):
        load_form(path)
    with pytest.raises(InputError, match="no such file"):
        load_form(tmp_path / "absent.toml")


def test_tolerance_is_rounding_or_a_number(tmp_path: Path) -> None:
    path = _form_file(tmp_path, '[[study]]\nname = "age"\ntype = "number"\ntolerance = 0.05\n')
    spec = load_form(path).field("study", "age")
    assert spec is not None
    assert spec.tolerance == Decimal("0.05")
    path = _form_file(tmp_path, '[[study]]\nname = "age"\ntype = "text"\ntolerance = "rounding"\n')
    with pytest.raises(InputError, match="a tolerance is for integer and number fields"):
        load_form(path)
