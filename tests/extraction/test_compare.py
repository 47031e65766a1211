"""Double extraction: conflicts item by item, tolerances only where the form grants them, a recorded consensus."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sysreview.errors import InputError
from sysreview.extraction import (
    Arm,
    Datum,
    Extraction,
    OutcomeRecord,
    Provenance,
    Resolution,
    Study,
    compare,
    consensus,
    default_form,
    read_extraction,
    read_resolutions,
    write_extraction,
    write_resolution_template,
)

FORM = default_form()
D = Decimal
T1 = Provenance(source="seed 001", table="Table 1", row="study 1")


def _data(extractor: str, *, age: str = "23.1", country: str = "Korea", sd: str = "8.1", table: str = "Table 1",
          extra_arm: bool = False, percent: str | None = None) -> Extraction:  # fmt: skip
    arms = [Arm(arm="svf", role="intervention", values={"n_randomised": Datum(value=14)})]
    if extra_arm:
        arms.append(Arm(arm="ns", role="control"))
    records = [
        OutcomeRecord(outcome="ecca", arm="svf", timepoint="10 weeks", basis="change", stats={"n": 14, "sd": D(sd)})
    ]
    if percent is not None:
        records.append(
            OutcomeRecord(outcome="satisfaction", arm="svf", timepoint="10 weeks", stats={"percent": D(percent)})
        )
    study = Study(
        study="1",
        values={
            "country": Datum(value=country, provenance=Provenance(source="seed 001", table=table)),
            "age_mean": Datum(value=D(age)),
        },
        arms=tuple(arms),
        outcomes=tuple(records),
    )
    return Extraction(form=FORM.name, extractor=extractor, studies=(study,))


def test_identical_extractions_agree_on_every_item() -> None:
    comparison = compare(_data("YZS"), _data("XDH"), form=FORM)
    assert comparison.conflicts == ()
    # items: label, country, age_mean, arm role and label, arm n_randomised, record stats n and sd
    assert (comparison.items, comparison.agreed, comparison.agreement) == (8, 8, 1.0)
    assert comparison.summary() == "YZS vs XDH: 8 items, 8 agree (100.0%), 0 to resolve, 0 settled automatically"


def test_every_difference_is_a_conflict_named_by_key() -> None:
    first = _data("YZS", country="Korea", sd="8.1", table="Table 1")
    second = _data("XDH", country="South Korea", sd="8.10", table="Table 2", extra_arm=True, percent="82.1")
    comparison = compare(first, second, form=FORM)
    assert [(c.key, c.kind, c.blocking) for c in comparison.conflicts] == [
        ("1/country", "differs", True),
        ("1/country#provenance", "provenance", False),
        ("1/arm:ns", "second only", True),
        ("1/outcome:ecca/svf/10 weeks/change/sd", "differs", True),  # 8.1 and 8.10 were reported differently
        ("1/outcome:satisfaction/svf/10 weeks/final", "second only", True),
    ]
    country = comparison.conflicts[0]
    assert str(country) == "study 1: country: 'Korea' vs 'South Korea' (differs)"
    assert country.to_dict()["first"] == "Korea"
    assert comparison.conflicts[3].to_dict()["second"] == "8.10"


def test_rounding_agrees_only_where_the_form_says_so() -> None:
    # age_mean has tolerance = "rounding" in the built-in form: 23.14 rounds to 23.1
    comparison = compare(_data("A", age="23.1"), _data("B", age="23.14"), form=FORM)
    (conflict,) = comparison.conflicts
    assert (conflict.kind, conflict.blocking, conflict.note) == (
        "within tolerance",
        False,
        "23.14 rounds to 23.1; kept 23.14",
    )
    assert compare(_data("A", age="23.1"), _data("B", age="23.16"), form=FORM).conflicts[0].kind == "differs"
    # without the form, no tolerance
    assert compare(_data("A", age="23.1"), _data("B", age="23.14")).conflicts[0].kind == "differs"


def test_consensus_records_every_resolution_with_who_and_why() -> None:
    first = _data("YZS", country="Korea", sd="8.1", age="23.1")
    second = _data("XDH", country="South Korea", sd="8.2", age="23.14", table="Table 2", extra_arm=True)
    resolutions = [
        Resolution(key="1/country", choice="first", by="XDZ", reason="the report says Korea"),
        Resolution(key="1/arm:ns", choice="second", by="XDZ", reason="the saline side is an arm"),
        Resolution(key="1/outcome:ecca/svf/10 weeks/change/sd", choice="value", value=D("8.15"), by="XDZ",
                   reason="recomputed from the CI"),
    ]  # fmt: skip
    merged = consensus(first, second, resolutions, form=FORM, extractor="XDZ")
    study = merged.study("1")
    assert study.value("country") == "Korea"
    assert str(study.value("age_mean")) == "23.14"  # the more precise of two values that agree when rounded
    assert [arm.arm for arm in study.arms] == ["svf", "ns"]
    assert str(study.outcomes[0].stats["sd"]) == "8.15"
    assert study.values["country"].provenance.table == "Table 1"  # the first extractor's, recorded below
    assert [(r.key, r.choice, r.by, r.reason) for r in merged.resolutions] == [
        ("1/country", "first", "XDZ", "the report says Korea"),
        ("1/country#provenance", "first", "sysreview", "kept the first extractor's provenance"),
        ("1/age_mean", "second", "sysreview", "23.14 rounds to 23.1; kept 23.14"),
        ("1/arm:ns", "second", "XDZ", "the saline side is an arm"),
        ("1/outcome:ecca/svf/10 weeks/change/sd", "value", "XDZ", "recomputed from the CI"),
    ]
    sd = merged.resolutions[-1]
    assert (sd.first, sd.second, sd.value) == (D("8.1"), D("8.2"), D("8.15"))
    assert merged.extractor == "XDZ"


def test_consensus_refuses_unresolved_and_stray_resolutions() -> None:
    first, second = _data("YZS"), _data("XDH", country="Japan", sd="9.1")
    with pytest.raises(InputError) as caught:
        consensus(first, second, form=FORM)
    assert str(caught.value) == (
        "2 unresolved disagreement(s) between YZS and XDH: 1/country ('Korea' vs 'Japan'); "
        "1/outcome:ecca/svf/10 weeks/change/sd (8.1 vs 9.1); record a resolution with who and why for each"
    )
    stray = Resolution(key="1/age_mean", choice="first", by="XDZ", reason="typo")
    with pytest.raises(InputError, match="1 resolution\\(s\\) of items that are not in conflict: 1/age_mean"):
        consensus(first, second, [stray], form=FORM)
    whole = Resolution(key="1/arm:ns", choice="value", value="x", by="XDZ", reason="?")
    with pytest.raises(InputError, match="choose first or second here"):
        consensus(_data("A"), _data("B", extra_arm=True), [whole], form=FORM)
    with pytest.raises(InputError, match="different forms"):
        compare(Extraction(form="a"), Extraction(form="b"))


def test_studies_only_one_extractor_has() -> None:
    only = Extraction(studies=(Study(study="7"),))
    comparison = compare(Extraction(), only)
    assert [(c.key, c.kind) for c in comparison.conflicts] == [("7", "second only")]
    kept = consensus(Extraction(), only, [Resolution(key="7", choice="second", by="XDZ", reason="eligible")])
    assert [s.study for s in kept.studies] == ["7"]
    dropped = consensus(Extraction(), only, [Resolution(key="7", choice="first", by="XDZ", reason="excluded")])
    assert dropped.studies == ()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_resolutions_template_filled_in_a_spreadsheet(tmp_path: Path, suffix: str) -> None:
    first, second = _data("YZS", sd="8.1"), _data("XDH", sd="8.2", country="Japan")
    comparison = compare(first, second, form=FORM)
    path = write_resolution_template(comparison.blocking, tmp_path / f"resolve{suffix}", form=FORM)
    # nobody filled it in: nothing is resolved
    assert read_resolutions(path, form=FORM) == ()
    if suffix == ".csv":
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        assert lines[0] == "key,choice,first,second,value,by,reason"
        assert lines[2] == "1/outcome:ecca/svf/10 weeks/change/sd,,8.1,8.2,,,"
        lines[1] = "1/country,first,Korea,Japan,,XDZ,as in the report"
        lines[2] = "1/outcome:ecca/svf/10 weeks/change/sd,value,8.1,8.2,8.15,XDZ,recomputed"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        given = read_resolutions(path, form=FORM)
        assert [(r.key, r.choice, r.value, r.by) for r in given] == [
            ("1/country", "first", None, "XDZ"),
            ("1/outcome:ecca/svf/10 weeks/change/sd", "value", D("8.15"), "XDZ"),
        ]
        merged = consensus(first, second, given, form=FORM)
        assert merged.study("1").value("country") == "Korea"


def test_a_consensus_round_trips_with_its_resolutions(tmp_path: Path) -> None:
    first, second = _data("YZS", age="23.1"), _data("XDH", age="23.14")
    merged = consensus(first, second, form=FORM)
    for name in ("c.json", "c.xlsx", "c"):
        back = read_extraction(write_extraction(merged, tmp_path / name, form=FORM), form=FORM)
        assert back == merged
        assert back.to_json() == merged.to_json()


def test_a_resolution_made_for_other_values_is_refused() -> None:
    first, second = _data("YZS", sd="8.1"), _data("XDH", sd="8.2")
    old = Resolution(key="1/outcome:ecca/svf/10 weeks/change/sd", choice="first", by="XDZ", reason="r", second=D("8.3"))
    with pytest.raises(InputError, match=r"it was made for the second value 8\.3, but the data now have 8\.2"):
        consensus(first, second, [old], form=FORM)
