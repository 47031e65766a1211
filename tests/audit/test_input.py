"""Bad claims: every error names the file, the line (YAML) and the path of the field, in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sysreview.audit import load_claims
from sysreview.errors import InputError

_STUDY = """\
sysreview_claims: 1
studies:
  - id: S1
    n: 14
    arms: [14, 14]
"""


def _write(tmp_path: Path, text: str, name: str = "claims.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_claims(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_unknown_field_names_file_line_and_path(tmp_path: Path) -> None:
    path = _write(tmp_path, _STUDY + "    nn: 3\n")
    message = _error(path)
    assert message.startswith(f"{path}: line 6: studies[0].nn: unknown field")
    assert "expected one of id, label" in message


def test_bad_count_in_a_list(tmp_path: Path) -> None:
    path = _write(tmp_path, _STUDY.replace("[14, 14]", "[14, x]"))
    assert (
        _error(path)
        == f"{path}: line 5: studies[0].arms[1]: 'x' is not a number (write e.g. -1.40, <0.001, 2,548 or 65%)"
    )


def test_fractional_sample_size(tmp_path: Path) -> None:
    path = _write(tmp_path, _STUDY.replace("[14, 14]", "[14, 13.5]"))
    assert "studies[0].arms[1]: must be a whole number (a count), got '13.5'" in _error(path)


def test_unknown_study_in_data(tmp_path: Path) -> None:
    text = _STUDY + "data:\n  - study: S9\n    outcome: pain\n    arms:\n      - {n: 10, mean: 1.0, sd: 2.0}\n"
    message = _error(_write(tmp_path, text))
    assert "line 7: data[0].study: study 'S9' is not among the studies (ids: S1)" in message


def test_mean_without_sd(tmp_path: Path) -> None:
    text = _STUDY + "data:\n  - study: S1\n    outcome: pain\n    arms:\n      - {n: 10, mean: 1.0}\n"
    assert "data[0].arms[0]: mean and sd go together" in _error(_write(tmp_path, text))


def test_percentage_above_100(tmp_path: Path) -> None:
    text = "sysreview_claims: 1\npercentages:\n  - {value: 120.5, n: 10}\n"
    assert "line 3: percentages[0].value: a percentage must lie between 0 and 100, got 120.5" in _error(
        _write(tmp_path, text)
    )


def test_p_value_out_of_range(tmp_path: Path) -> None:
    text = "sysreview_claims: 1\nanalyses:\n  - {id: a, outcome: o, measure: SMD, estimate: 0.5, pvalue: 1.5}\n"
    assert "analyses[0].pvalue: a p-value lies between 0 and 1, got 1.5" in _error(_write(tmp_path, text))


def test_unknown_method_lists_the_choices(tmp_path: Path) -> None:
    text = "sysreview_claims: 1\nanalyses:\n  - {id: a, outcome: o, measure: SMD, estimate: 0.5, method: DSL}\n"
    message = _error(_write(tmp_path, text))
    assert "analyses[0].method: unknown method 'DSL'; choose one of FE, EE, CE" in message


def test_unknown_judgement_names_the_column(tmp_path: Path) -> None:
    text = _STUDY + (
        "risk_of_bias:\n  - tool: RoB 2\n    columns: [Randomization process, Deviations]\n    rows:\n"
        "      - {study: S1, judgements: [Low, Moderate], overall: Low}\n"
    )
    message = _error(_write(tmp_path, text))
    assert "risk_of_bias[0].rows[0].judgements: item 2 (Deviations): unknown RoB 2 judgement 'Moderate'" in message


def test_wrong_number_of_judgements(tmp_path: Path) -> None:
    text = _STUDY + (
        "risk_of_bias:\n  - tool: RoB 2\n    columns: [A, B, C]\n    rows:\n"
        "      - {study: S1, judgements: [Low, Low], overall: Low}\n"
    )
    assert "2 judgements for 3 columns (A, B, C)" in _error(_write(tmp_path, text))


def test_duplicate_key(tmp_path: Path) -> None:
    path = _write(tmp_path, _STUDY + "    n: 15\n")
    assert _error(path) == f"{path}: line 6: key 'n' appears twice in a mapping"


def test_duplicate_study_id(tmp_path: Path) -> None:
    path = _write(tmp_path, _STUDY + "  - id: S1\n")
    assert "line 6: studies[1]: study id 'S1' is given twice" in _error(path)


def test_invalid_yaml(tmp_path: Path) -> None:
    path = _write(tmp_path, "sysreview_claims: 1\nstudies: [\n")
    assert _error(path).startswith(f"{path}: line 3: not valid YAML")


def test_wrong_version(tmp_path: Path) -> None:
    path = _write(tmp_path, "sysreview_claims: 2\n")
    assert "sysreview_claims: this sysreview reads claims format 1, not 2" in _error(path)


def test_not_a_claims_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "title: something\n")
    assert "not a claims file" in _error(path)


def test_missing_file(tmp_path: Path) -> None:
    assert _error(tmp_path / "nope.yaml").endswith("nope.yaml: no such file")


def test_wrong_suffix(tmp_path: Path) -> None:
    assert "claims must be a .yaml, .yml or .json file" in _error(_write(tmp_path, "x", "claims.txt"))


def test_json_errors_name_the_path(tmp_path: Path) -> None:
    doc = {"sysreview_claims": 1, "studies": [{"id": "S1", "n": -3}]}
    path = _write(tmp_path, json.dumps(doc), "claims.json")
    assert _error(path) == (
        f"{path}: studies[0].n: must be a whole number of participants (∼500 for an approximate one), got '-3'"
    )


def test_json_keeps_printed_precision(tmp_path: Path) -> None:
    doc = '{"sysreview_claims": 1, "percentages": [{"value": 82.10, "n": 14}]}'
    claims = load_claims(_write(tmp_path, doc, "claims.json"))
    assert claims.percentages[0].value.decimals == 2


def test_results_with_negative_variance(tmp_path: Path) -> None:
    doc = {"analyses": [{"id": "a", "estimate": 0.1, "studies": [{"study": "x", "yi": 0.1, "vi": -0.2}]}]}
    path = _write(tmp_path, json.dumps(doc), "results.json")
    assert _error(path) == f"{path}: analyses[0].studies[0].vi: a sampling variance cannot be negative, got -0.2"
