"""The ``sysreview extract`` commands: JSON contracts, exit codes, one-line errors naming file, sheet, row, column."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner, Result

from sysreview.cli._extraction import register

FIXTURE = Path(__file__).parent / "fixtures" / "seed001_extraction.json"


def _app() -> typer.Typer:
    # the command group on an application of its own (the lead wires it into sysreview.cli.app)
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)

    @app.callback()
    def _root() -> None:
        """sysreview (test application)."""

    register(app)
    return app


APP = _app()
RUNNER = CliRunner()


def run(*args: str | Path) -> Result:
    return RUNNER.invoke(APP, ["extract", *(str(a) for a in args)])


def run_json(*args: str | Path, code: int = 0) -> dict[str, Any]:
    result = run(*args, "--format", "json")
    assert result.exit_code == code, result.stderr or result.stdout
    payload = json.loads(result.stdout)
    assert isinstance(payload, dict)
    return payload


def one_line_error(result: Result, *parts: str) -> str:
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def test_validate_seed001_lists_its_problems_and_exits_1() -> None:
    result = run("validate", FIXTURE)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{FIXTURE}: 18 studies, 32 error(s), 3 warning(s) (form regenerative-dermatology)"
    assert any(line.startswith("error [sum-of-arms]: study 11: n_randomised: the arms add up to 145") for line in lines)
    payload = run_json("validate", FIXTURE, code=1)
    assert (payload["valid"], payload["errors"], payload["warnings"]) == (False, 32, 3)
    first = payload["issues"][0]
    assert (first["study"], first["field"], first["location"]["pointer"]) == (
        "1",
        "percent",
        "studies[0].outcomes[3].stats.percent",
    )


def test_export_and_import_give_back_the_same_json(tmp_path: Path) -> None:
    workbook = tmp_path / "seed001.xlsx"
    result = run("export", FIXTURE, workbook)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == f"wrote {workbook} (18 studies, 84 outcome records)"
    back = tmp_path / "back.json"
    assert run("import", workbook, back).exit_code == 0
    assert back.read_text(encoding="utf-8") == FIXTURE.read_text(encoding="utf-8")
    folder = tmp_path / "csv"
    assert run("export", back, folder).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "about.csv", "arms.csv", "outcomes.csv", "resolutions.csv", "studies.csv", "values.csv",
    ]  # fmt: skip
    again = tmp_path / "again.json"
    assert run("import", folder, again).exit_code == 0
    assert again.read_text(encoding="utf-8") == FIXTURE.read_text(encoding="utf-8")


def test_import_writes_json_only(tmp_path: Path) -> None:
    one_line_error(run("import", FIXTURE, tmp_path / "x.xlsx"), "import writes JSON")


def test_template_of_a_sheet_and_of_the_form(tmp_path: Path) -> None:
    sheet = tmp_path / "t.xlsx"
    result = run("template", sheet, "--study", "1", "--study", "2", "--arm", "svf=intervention", "--arm", "ns=control")
    assert result.exit_code == 0, result.stderr
    payload = run_json("validate", sheet, code=1)
    required = {(i["study"], i["item"], i["field"]) for i in payload["issues"] if i["check"] == "required"}
    assert ("1", None, "country") in required
    assert ("2", "arm 'svf'", "n_randomised") in required
    form = tmp_path / "form.toml"
    assert run("template", form).exit_code == 0
    assert run("validate", sheet, "--form", form).exit_code == 1
    one_line_error(run("template", sheet, "--arm", "svf"), "--arm 'svf': expected ID=ROLE")


def _items(data: dict[str, Any]) -> int:
    """Items compared: each study's label and values, each arm's role, label and values, each record's statistics."""
    return sum(
        1
        + len(study["values"])
        + sum(2 + len(arm.get("values", {})) for arm in study["arms"])
        + sum(len(record["stats"]) for record in study["outcomes"])
        for study in data["studies"]
    )


def test_compare_and_resolve(tmp_path: Path) -> None:
    first = json.loads(FIXTURE.read_text(encoding="utf-8"))
    second = json.loads(FIXTURE.read_text(encoding="utf-8"))
    second["extractor"] = "XDH"
    second["studies"][0]["values"]["country"]["value"] = "South Korea"
    second["studies"][1]["outcomes"][2]["stats"]["sd"] = 5.9
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    first["extractor"] = "YZS"
    a.write_text(json.dumps(first), encoding="utf-8")
    b.write_text(json.dumps(second), encoding="utf-8")
    template = tmp_path / "resolve.csv"
    result = run("compare", a, b, "--resolutions-template", template, "--strict")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "[resolve] 1/country: study 1: country: 'Korea' vs 'South Korea' (differs)",
        (
            "[resolve] 2/outcome:ecca/intervention/12 months/change/sd: study 2: outcome ecca, arm 'intervention', "
            "12 months (change): sd: 5.8 vs 5.9 (differs)"
        ),
        f"YZS vs XDH: {_items(first)} items, {_items(first) - 2} agree (99.7%), 2 to resolve, 0 settled automatically",
    ]
    payload = run_json("compare", a, b)
    assert [c["key"] for c in payload["conflicts"]] == ["1/country", "2/outcome:ecca/intervention/12 months/change/sd"]
    output = tmp_path / "consensus.json"
    one_line_error(run("resolve", a, b, "--output", output), "2 unresolved disagreement(s) between YZS and XDH")
    rows = list(csv.reader(template.read_text(encoding="utf-8-sig").splitlines()))
    rows[1][1:7] = ["first", "Korea", "South Korea", "", "XDZ", "Table 1 says Korea"]
    rows[2][1:7] = ["first", "5.8", "5.9", "", "XDZ", "Table 3 says 5.8"]
    with template.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    result = run("resolve", a, b, "--resolutions", template, "--output", output)
    assert result.exit_code == 0, result.stderr
    assert "2 resolutions recorded, 0 settled automatically" in result.stderr
    merged = json.loads(output.read_text(encoding="utf-8"))
    assert merged["extractor"] == "consensus of YZS and XDH"
    assert [r["by"] for r in merged["resolutions"]] == ["XDZ", "XDZ"]


def test_effects_with_their_path_and_a_csv_for_meta(tmp_path: Path) -> None:
    output = tmp_path / "ecca.csv"
    payload = run_json("effects", FIXTURE, "--outcome", "ecca", "--within-person-r", "0.7", "--output", output)
    assert payload["assumptions"] == {"change_r": 0.5, "within_person_r": 0.7, "paired": True}
    assert [row["study"] for row in payload["rows"]] == ["1", "2", "3", "4", "5", "6"]
    assert payload["rows"][0]["assumed"] == ["within_person_r = 0.7"]
    assert payload["rows"][4]["yi"] is None
    with output.open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert table[1]["study"] == "2"
    assert float(table[1]["yi"]) == payload["rows"][1]["yi"]
    text = run("effects", FIXTURE, "--outcome", "ecca", "--independent")
    assert text.exit_code == 0
    assert "within-person designs as independent groups" in text.stdout.splitlines()[0]
    assert "note: 32 validation error(s)" in text.stderr


def test_effects_option_errors_are_one_line() -> None:
    one_line_error(run("effects", FIXTURE), "--outcome NAME is required")
    one_line_error(
        run("effects", FIXTURE, "--outcome", "ecca", "--change-r", "2"), "--change-r '2' must be a correlation"
    )
    one_line_error(run("effects", FIXTURE, "--outcome", "ecca", "--basis", "delta"), "unknown basis 'delta'")
    one_line_error(run("effects", FIXTURE, "--outcome", "pain"), "unknown outcome 'pain'")
    one_line_error(run("effects", FIXTURE, "--outcome", "ecca", "--measure", "rr"), "got 'RR'")


def test_completeness_table() -> None:
    result = run("completeness", FIXTURE)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1].startswith("TIDieR 1 Brief name")
    payload = run_json("completeness", FIXTURE)
    assert payload["summary"][0] == {
        "item": "TIDieR 1",
        "name": "Brief name",
        "counts": {"reported": 18, "partly": 0, "not reported": 0, "not extracted": 0, "not applicable": 0},
        "assessed": 18,
        "percent_reported": 100.0,
    }


def test_input_errors_name_the_place(tmp_path: Path) -> None:
    one_line_error(run("validate", tmp_path / "absent.xlsx"), "absent.xlsx", "no such file or folder")
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "studies.csv").write_text("study,colour\n1,red\n", encoding="utf-8")
    one_line_error(run("validate", folder), "studies.csv: row 1: column 'colour': unknown column 'colour'")
    bad_form = tmp_path / "form.toml"
    bad_form.write_text('[form]\nname = "x"\n[[study]]\nname = "age"\ntype = "float"\n', encoding="utf-8")
    one_line_error(run("validate", FIXTURE, "--form", bad_form), "form.toml", "study field 'age': type must be one of")
    one_line_error(run("resolve", FIXTURE, FIXTURE), "--output FILE is required")
