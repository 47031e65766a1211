"""robvis tables: the examples round-trip, their overall judgements check out, seed 001's Table 2 does not.

robvis examples: shared/data/benchmarks/robvis-examples (mcguinlu/robvis, data_raw/*.csv, see its SOURCE.md).
Seed 001, Table 2: tests/appraisal/fixtures/seed001_table2_rob2.csv (see the README beside it).
Rules: RoB 2, Sterne et al. 2019 (Table 2); ROBINS-I, Sterne et al. 2016 (Table 3).
"""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest

from sysreview.appraisal import RobRow, check_robvis, read_robvis, table_from_rows, write_robvis
from sysreview.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"
SEED001 = FIXTURES / "seed001_table2_rob2.csv"


def _shared() -> Path:
    env = os.environ.get("SYSREVIEW_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared"


ROBVIS = _shared() / "data" / "benchmarks" / "robvis-examples"
EXAMPLES = [("data_rob2.csv", "rob2"), ("data_rob2_cluster.csv", "rob2"), ("data_robins_i.csv", "robins-i")]


@pytest.mark.parametrize(("name", "tool"), EXAMPLES)
def test_robvis_examples_round_trip_byte_for_byte(name: str, tool: str, tmp_path: Path) -> None:
    source = ROBVIS / name
    table = read_robvis(source, tool=tool)
    out = write_robvis(table, tmp_path / name)
    assert out.read_bytes() == source.read_bytes()
    again = read_robvis(out, tool=tool)
    assert again.rows == table.rows
    assert again.domains == table.domains


def test_robvis_rob2_example_is_consistent() -> None:
    # data_rob2.csv, Study 3: D1 No information (counted as some concerns) and D3 Some concerns: reported
    # "Some concerns"; the rule allows Some concerns or High
    check = read_robvis(ROBVIS / "data_rob2.csv", tool="rob2").check()
    assert [s.reported for s in check.studies] == [
        "Low", "Some concerns", "Some concerns", "High", "High", "High", "High", "Some concerns", "High"
    ]  # fmt: skip
    assert [s.algorithm for s in check.studies] == [s.reported for s in check.studies]
    assert check.studies[2].allowed == ("Some concerns", "High")
    assert check.inconsistent == ()


def test_robvis_cluster_example_skips_not_applicable_domains() -> None:
    table = read_robvis(ROBVIS / "data_rob2_cluster.csv", tool="rob2")
    assert table.domains == ("D1", "D1b", "D2", "D3", "D4", "D5")
    assert table.rows[0].judgements[1] == "Not applicable"
    assert table.notes == ()  # D1b is the cluster template's extra domain, not a surprise
    assert table.check().inconsistent == ()


def test_robvis_robins_i_example() -> None:
    check = read_robvis(ROBVIS / "data_robins_i.csv", tool="robins-i").check()
    assert [s.algorithm for s in check.studies] == [
        "Critical", "No information", "Serious", "Serious", "Critical",
        "Serious", "Serious", "Serious", "Serious", "Serious",
    ]  # fmt: skip
    study2 = check.studies[1]  # D2 "No information", others Low/Moderate; reported Moderate
    assert (study2.reported, study2.allowed, study2.consistent) == ("Moderate", ("No information", "Moderate"), True)
    assert check.inconsistent == ()


def test_seed001_table2_flags_its_ten_inconsistent_studies() -> None:
    # every study has D2 (deviations from intended interventions) High, so RoB 2 gives High overall;
    # Table 2 reports "Some concerns" for studies 1, 3, 4, 6, 7, 8, 11, 12, 13 and 14
    table = read_robvis(SEED001, tool="rob2")
    assert table.domains == ("D1", "D2", "D3", "D4", "D5", "Other")
    assert any("RoB 2 has 5 domains; the table has 6" in note for note in table.notes)
    check = check_robvis(table)
    assert all(s.algorithm == "High" for s in check.studies)
    assert [s.study for s in check.inconsistent] == [f"Study {n}" for n in (1, 3, 4, 6, 7, 8, 11, 12, 13, 14)]
    assert all(s.reported == "Some concerns" for s in check.inconsistent)
    assert check.studies[0].rule == "high risk of bias in 1 domain (D2)"
    # study 18: High, High, N/A, Some concerns, Some concerns, High (Other)
    assert check.studies[17].rule == "high risk of bias in 3 domains (D1, D2, Other)"
    assert check.to_dict()["inconsistent"] == 10


# ---------------------------------------------------------------------- real tables vary
def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_columns_found_by_name(tmp_path: Path) -> None:
    table = read_robvis(
        _write(
            tmp_path / "t.csv",
            '"","Study ID","Author (Year)",Randomization process,Deviations,Missing data,Measurement,Selection,'
            "Overall risk of bias,Weight,Notes\n"
            "1,1,Smith 2001,Low risk,high risk,Low,Low,Low,High risk of bias,12.5,x\n"
            "2,2,Jones 2005,Some concerns,Unclear,low,LOW,Low (registered),Some Concerns,7,\n",
        ),
        tool="rob2",
    )
    assert table.study_column == "Author (Year)"  # preferred to "Study ID" as the label
    assert table.domains == ("Randomization process", "Deviations", "Missing data", "Measurement", "Selection")
    assert (table.overall_column, table.weight_column) == ("Overall risk of bias", "Weight")
    assert [r.study for r in table.rows] == ["Smith 2001", "Jones 2005"]
    assert table.rows[1].judgements == ("Some concerns", "Some concerns", "Low", "Low", "Low")
    assert [r.weight for r in table.rows] == [12.5, 7.0]
    assert any("Notes" in note for note in table.notes)
    check = table.check()
    assert [(s.reported, s.algorithm, s.consistent) for s in check.studies] == [
        ("High", "High", True),
        ("Some concerns", "Some concerns", True),
    ]


def test_xlsx_tables(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["Study", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "Overall"],
                ["A", "Low", "Moderate", "Low", "Low", "Low", "Low", "Low", "Low"]):  # fmt: skip
        sheet.append(row)
    book.save(tmp_path / "t.xlsx")
    check = read_robvis(tmp_path / "t.xlsx", tool="robins-i").check()
    assert [(s.reported, s.algorithm, s.consistent) for s in check.studies] == [("Low", "Moderate", False)]


def test_an_empty_overall_is_not_reported(tmp_path: Path) -> None:
    table = read_robvis(
        _write(tmp_path / "t.csv", "Study,D1,D2,D3,D4,D5,Overall\nA,Low,Low,High,Low,Low,\n"), tool="rob2"
    )
    assert table.rows[0].overall is None
    assert any("no overall judgement reported on row(s) 2" in n for n in table.notes)
    study = table.check().studies[0]
    assert (study.reported, study.algorithm, study.consistent) == (None, "High", None)


BAD_TABLES = [
    ("Study,D1,D2,Overall\nA,Low,Lowish,Low\n", 2, "D2", "unknown RoB 2 judgement 'Lowish'"),
    ("Study,D1,D2,Overall\nA,Low,Low,Low\nB,Low,,Low\n", 3, "D2", "empty judgement"),
    ("Study,D1,D2,Overall\nA,Low,Moderate,Low\n", 2, "D2", "is a ROBINS-I judgement"),
    ("Study,D1,D2,Overall\nA,Low,Low,Not applicable\n", 2, "Overall", "cannot be 'Not applicable'"),
    ("Study,D1,D2,Overall\nA,N/A,NA,Low\n", 2, None, "every domain is 'Not applicable'"),
    ("Study,D1,D2,Overall,Weight\nA,Low,Low,Low,heavy\n", 2, "Weight", "not a number: 'heavy'"),
    ("Study,D1,D2,Overall,Weight\nA,Low,Low,Low,-1\n", 2, "Weight", "a weight must be a finite number ≥ 0"),
    ("Study,D1,D2,Judgement\nA,Low,Low,Low\n", None, None, "no Overall column"),
    ("Study,Overall\nA,Low\n", None, None, "no domain columns between 'Study' and 'Overall'"),
    ("Study,D1,D2,Overall\n", None, None, "no studies"),
]


@pytest.mark.parametrize(("text", "row", "column", "message"), BAD_TABLES, ids=[b[3] for b in BAD_TABLES])
def test_bad_tables_name_file_row_and_column(
    tmp_path: Path, text: str, row: int | None, column: str | None, message: str
) -> None:
    path = _write(tmp_path / "bad.csv", text)
    with pytest.raises(InputError) as info:
        read_robvis(path, tool="rob2")
    err = info.value
    assert err.file == str(path)
    assert (err.row, err.column) == (row, column)
    assert message in err.message


def test_tables_built_in_code_round_trip(tmp_path: Path) -> None:
    rows = [
        RobRow(study="A, 2001", judgements=("Low", "Some concerns"), overall="Some concerns", weight=0.25),
        RobRow(study='B "quoted"', judgements=("High", "Low"), overall=None, weight=None),
    ]
    table = table_from_rows(rows, tool="rob2")
    path = write_robvis(table, tmp_path / "t.tsv")
    assert path.read_text(encoding="utf-8").splitlines()[0] == "Study\tD1\tD2\tOverall\tWeight"
    again = read_robvis(path, tool="rob2")
    assert [(r.study, r.judgements, r.overall, r.weight) for r in again.rows] == [
        (r.study, r.judgements, r.overall, r.weight) for r in rows
    ]
    with pytest.raises(InputError, match="has 1 domain judgements, not 2"):
        table_from_rows([rows[0], RobRow(study="C", judgements=("Low",), overall="Low")], tool="rob2")


@pytest.mark.parametrize(
    ("text", "study_column", "labels", "domains"),
    [
        ("ID,Study,D1,D2,Overall\n7,Smith 2001,Low,Low,Low\n", "Study", ["Smith 2001"], ("D1", "D2")),
        (",D1,D2,Overall\nSmith 2001,Low,Low,Low\n", "column1", ["Smith 2001"], ("D1", "D2")),
        ("Trial,D1,D2,Overall,Weight\nT1,Low,High,High,1\n", "Trial", ["T1"], ("D1", "D2")),
        ("Name,D1,D2,Overall\nT1,Low,High,High\n", "Name", ["T1"], ("D1", "D2")),
    ],
)
def test_study_column_variants(
    tmp_path: Path, text: str, study_column: str, labels: list[str], domains: tuple[str, ...]
) -> None:
    table = read_robvis(_write(tmp_path / "t.csv", text), tool="rob2")
    assert table.study_column == study_column
    assert [r.study for r in table.rows] == labels
    assert table.domains == domains
