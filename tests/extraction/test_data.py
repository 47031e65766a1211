"""Extraction data objects: what they refuse to hold, their plain-data and JSON forms, errors naming the JSON path."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from sysreview.errors import InputError
from sysreview.extraction import NR, Arm, Datum, Extraction, OutcomeRecord, Provenance, Resolution, Study


def _record(**changes: object) -> OutcomeRecord:
    fields: dict[str, object] = {"outcome": "ecca", "arm": "svf", "timepoint": "10 weeks", "stats": {"n": 14}}
    fields.update(changes)
    return OutcomeRecord(**fields)  # type: ignore[arg-type]


def test_a_record_keeps_its_statistics_in_the_vocabularys_order() -> None:
    record = _record(stats={"sd": 8.1, "n": 14, "mean": Decimal("-38.2")})
    assert list(record.stats) == ["n", "mean", "sd"]
    assert record.stats["sd"] == Decimal("8.1")
    assert record.key == ("ecca", "svf", None, "10 weeks", "final")
    assert record.describe() == "outcome ecca, arm 'svf', 10 weeks (final)"
    comparison = _record(comparator="ns", stats={"estimate": -1.4, "measure": "SMD"})
    assert comparison.describe() == "outcome ecca, 'svf' vs 'ns', 10 weeks (final)"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stats": {"average": 3}}, "unknown statistic 'average'"),
        ({"stats": {}}, "no statistics"),
        ({"basis": "delta"}, "basis must be one of final, change"),
        ({"timepoint": "baseline", "basis": "change"}, "cannot be at the baseline"),
        ({"comparator": "svf"}, "cannot be compared with itself"),
        ({"arm": "a/b"}, "contains '/'"),
        ({"stats": {"mean": float("inf")}}, "finite"),
    ],
)
def test_records_refuse_what_they_cannot_hold(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        _record(**changes)


def test_studies_refuse_duplicate_arms_and_records() -> None:
    with pytest.raises(InputError, match="study 1: arm 'a' is given twice"):
        Study(study="1", arms=(Arm(arm="a", role="control"), Arm(arm="a", role="intervention")))
    with pytest.raises(InputError, match=r"study 1: outcome ecca, arm 'svf', 10 weeks \(final\) is given twice"):
        Study(study="1", outcomes=(_record(), _record()))
    with pytest.raises(InputError, match="role must be one of intervention, control"):
        Arm(arm="a", role="placebo")
    with pytest.raises(InputError, match="study 1 is given twice"):
        Extraction(studies=(Study(study="1"), Study(study="1")))


def test_resolutions_need_who_and_why() -> None:
    with pytest.raises(InputError, match="'by' is required"):
        Resolution(key="1/age_mean", choice="first", by=" ", reason="typo")
    with pytest.raises(InputError, match="'reason' is required"):
        Resolution(key="1/age_mean", choice="first", by="SZ", reason="")
    with pytest.raises(InputError, match="choice 'value' needs the value"):
        Resolution(key="1/age_mean", choice="value", by="SZ", reason="recomputed")


def test_provenance_describes_itself() -> None:
    provenance = Provenance(source="seed 001", table="Table 3", page="6", row="study 1, SVF", note="ECCA change")
    assert provenance.describe() == "seed 001, Table 3, p. 6, row study 1, SVF (ECCA change)"
    assert Provenance(note=" ").empty
    assert Provenance().describe() == "(no provenance)"


def test_plain_data_keeps_types_and_marks_missing_values() -> None:
    study = Study(
        study="1",
        values={
            "age_mean": Datum(value=Decimal("23.10"), provenance=Provenance(table="Table 1")),
            "age_sd": Datum(value=NR),
            "fitzpatrick": Datum(value=("III", "IV")),
        },
        outcomes=(_record(stats={"n": 14, "percent": Decimal("82.1")}),),
    )
    data = Extraction(form="regenerative-dermatology", extractor="YZ S", studies=(study,)).to_dict()
    values = data["studies"][0]["values"]
    assert values["age_mean"] == {"value": Decimal("23.10"), "provenance": {"table": "Table 1"}}
    assert values["age_sd"] == {"value": {"missing": "NR"}}
    assert values["fitzpatrick"] == {"value": ["III", "IV"]}
    text = Extraction.from_dict(data).to_json()
    assert '"value": 23.10' in text  # the trailing zero as reported
    assert json.loads(text)["studies"][0]["outcomes"][0]["stats"] == {"n": 14, "percent": 82.1}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["studies"][0].update(colour=1), "studies[0]: unknown key 'colour'"),
        (lambda d: d["studies"][0]["values"].update(age_mean={"valeu": 3}), "studies[0].values.age_mean: unknown key"),
        (
            lambda d: d["studies"][0]["values"].update(age_mean={"value": None}),
            "studies[0].values.age_mean.value: null",
        ),
        (lambda d: d["studies"][0]["values"].update(age_mean={"value": {"missing": "?"}}), "expected a value"),
        (lambda d: d["studies"][0]["outcomes"][0].pop("timepoint"), "studies[0].outcomes[0]: 'timepoint' is required"),
        (lambda d: d.update(format="other"), "not extraction data"),
        (lambda d: d.update(version=2), "version 2 is not supported"),
    ],
)
def test_json_errors_name_the_path(edit: object, message: str) -> None:
    study = Study(study="1", values={"age_mean": Datum(value=23)}, outcomes=(_record(),))
    data = json.loads(Extraction(studies=(study,)).to_json())
    edit(data)  # type: ignore[operator]
    with pytest.raises(InputError, match=r"^data\.json: ") as caught:
        Extraction.from_json(json.dumps(data), source="data.json")
    assert message in str(caught.value)


def test_invalid_json_text_names_line_and_column() -> None:
    with pytest.raises(InputError, match=r"data.json: not valid JSON: .* \(line 1, column 2\)"):
        Extraction.from_json("{,}", source="data.json")
    with pytest.raises(InputError, match="NaN is not a number"):
        Extraction.from_json('{"studies": [{"study": "1", "values": {"a": {"value": NaN}}}]}')


def test_origin_is_not_data() -> None:
    from sysreview.extraction import Location

    a = Datum(value=1, origin=Location(file="a.xlsx", sheet="values", row=3, column="value"))
    b = Datum(value=1)
    assert a == b
    assert "origin" not in a.to_dict()
    assert str(a.origin) == "a.xlsx, sheet 'values', row 3, column 'value'"
