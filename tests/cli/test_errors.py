"""Bad input: every case exits 2 with one line on stderr naming file, row and column (rows are spreadsheet rows,
header = row 1), and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli._helpers import assert_one_line_error, run

YI_VI = "study,yi,vi\nA,0.1,0.01\nB,0.2,0.02\nC,0.3,0.03\n"
SMD = "study,n1i,m1i,sd1i,n2i,m2i,sd2i\nA,10,1.0,1.0,10,2.0,1.0\nB,12,1.5,1.2,11,2.5,1.1\nC,20,1.1,0.9,21,2.0,1.3\n"
TWO_BY_TWO = "study,ai,bi,ci,di\nA,4,119,11,128\nB,6,300,29,274\nC,3,228,11,209\n"


def _file(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# (id, file text, command line after DATA, parts of the message: file name is always checked)
CELL_ERRORS = [
    (
        "negative-variance",
        "study,yi,vi\nA,0.1,0.01\nB,0.2,0.02\nC,0.3,-0.2\n",
        ["meta"],
        ["row 4: column 'vi': negative variance -0.2"],
    ),
    ("non-numeric-yi", "study,yi,vi\nA,0.1,0.01\nB,abc,0.02\n", ["meta"], ["row 3: column 'yi': not a number: 'abc'"]),
    (
        "non-numeric-n",
        SMD.replace("12,1.5", "twelve,1.5"),
        ["meta", "--measure", "SMD"],
        ["row 3: column 'n1i': not a number: 'twelve'"],
    ),
    (
        "negative-count",
        TWO_BY_TWO.replace("6,300", "-6,300"),
        ["meta", "--measure", "OR"],
        ["row 3: column 'ai': negative count -6"],
    ),
    (
        "negative-count-MH",
        TWO_BY_TWO.replace("3,228", "3,-228"),
        ["meta", "--method", "MH"],
        ["row 4: column 'bi': negative count -228"],
    ),
    (
        "zero-sample-size",
        SMD.replace("20,1.1", "0,1.1"),
        ["effects", "--measure", "SMD"],
        ["row 4: column 'n1i': sample size 0; must be greater than 0"],
    ),
    (
        "negative-sd",
        SMD.replace("1.5,1.2", "1.5,-1.2"),
        ["effects", "--measure", "MD"],
        ["row 3: column 'sd1i': negative standard deviation -1.2"],
    ),
    (
        "correlation-above-1",
        "study,ri,ni\nA,0.5,20\nB,1.5,30\n",
        ["effects", "--measure", "ZCOR"],
        ["row 3: column 'ri': correlation 1.5; must be at most 1"],
    ),
    # found by escalc (the library numbers studies 1..k; the command maps that to the spreadsheet row)
    (
        "events-exceed-n",
        "study,xi,ni\nA,5,10\nB,12,10\n",
        ["effects", "--measure", "PR"],
        ["row 3: column 'xi'", "exceed"],
    ),
    (
        "mapped-column",
        "study,effect,variance\nA,0.1,0.01\nB,0.2,-1\n",
        ["meta", "--col", "yi=effect", "--col", "vi=variance"],
        ["row 3: column 'variance': negative variance -1", "(used as 'vi')"],
    ),
]


@pytest.mark.parametrize(("text", "args", "parts"), [pytest.param(t, a, p, id=i) for i, t, a, p in CELL_ERRORS])
def test_cell_errors_name_file_row_and_column(tmp_path: Path, text: str, args: list[str], parts: list[str]) -> None:
    path = _file(tmp_path, text)
    command, *options = args
    line = assert_one_line_error(run(command, path, *options), str(path), *parts)
    assert line.startswith(f"error: {path}: row ")


# A study with some of its values missing is left out of the analysis, as metafor leaves it out (its effect size
# is NA), and a note names its row and the empty cells: nothing is dropped silently.
LEFT_OUT = [
    ("empty-vi-with-yi", "study,yi,vi\nA,0.1,0.01\nB,0.2,\nC,0.3,0.03\n", [], "row 3 (study B) left out: empty vi"),
    (
        "partly-empty-arm",
        SMD.replace("21,2.0,1.3", "21,,1.3"),
        ["-m", "SMD"],
        "row 4 (study",
    ),
    (
        "moderator-empty",
        "study,yi,vi,x\nA,0.1,0.01,1\nB,0.2,0.02,\nC,0.3,0.03,2\nD,0.4,0.01,3\n",
        ["--mods", "x"],
        "row 3 (study B) left out: empty x",
    ),
    (
        "subgroup-empty",
        "study,yi,vi,g\nA,0.1,0.01,a\nB,0.2,0.02,\nC,0.3,0.03,b\nD,0.2,0.02,a\nE,0.3,0.03,b\n",
        ["--subgroup", "g"],
        "row 3 (study B) left out: empty g",
    ),
]


@pytest.mark.parametrize(("text", "options", "note"), [pytest.param(*c[1:], id=c[0]) for c in LEFT_OUT])
def test_studies_with_empty_cells_are_left_out_with_a_note(
    tmp_path: Path, text: str, options: list[str], note: str
) -> None:
    path = _file(tmp_path, text)
    result = run("meta", path, "--format", "json", *options)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert any(note in line for line in payload["notes"]), payload["notes"]
    assert len(payload["omitted"]) == 1
    rows = text.strip().count("\n")  # data rows
    k = payload["k"] if "k" in payload else sum(g["k"] for g in payload["subgroups"].values())
    assert k == rows - 1


def test_the_example_message_of_the_contract(tmp_path: Path) -> None:
    path = _file(tmp_path, "study,yi,vi\nA,0.1,0.01\nB,0.2,0.02\nC,0.3,-0.2\n")
    line = assert_one_line_error(run("meta", path, "--format", "json"))
    assert line.startswith(f"error: {path}: row 4: column 'vi': negative variance -0.2")


COLUMN_ERRORS = [
    (
        "missing-raw-column",
        SMD.replace(",sd2i", "").replace(",1.0\n", "\n").replace(",1.1\n", "\n").replace(",1.3\n", "\n"),
        ["meta", "--measure", "SMD"],
        [
            "measure SMD needs columns n1i, m1i, sd1i, n2i, m2i, sd2i",
            "missing sd2i",
            "the file has columns: study, n1i, m1i, sd1i, n2i, m2i",
        ],
    ),
    (
        "missing-2x2-effects",
        TWO_BY_TWO.replace(",di", "").replace(",128\n", "\n").replace(",274\n", "\n").replace(",209\n", "\n"),
        ["effects", "--measure", "OR"],
        [
            "measure OR needs columns ai, bi, ci, di",
            "or ai, n1i, ci, n2i",
            "missing di",
            "the file has columns: study, ai, bi, ci",
        ],
    ),
    (
        "missing-MH-columns",
        YI_VI,
        ["meta", "--method", "MH"],
        ["method MH needs columns ai, bi, ci, di", "the file has columns: study, yi, vi"],
    ),
    ("no-effect-sizes", "study,x\nA,1\n", ["meta"], ["no effect sizes", "the file has columns: study, x"]),
    (
        "yi-without-vi",
        "study,yi\nA,1\n",
        ["meta"],
        ["column yi needs its sampling variances vi", "the file has columns: study, yi"],
    ),
    (
        "missing-moderator",
        YI_VI,
        ["meta", "--mods", "year"],
        ["missing column 'year'", "the file has columns: study, yi, vi"],
    ),
    ("missing-subgroup", YI_VI, ["meta", "--subgroup", "region"], ["missing column 'region'"]),
    (
        "mapping-to-missing",
        YI_VI,
        ["meta", "--col", "vi=variance"],
        ["column mapping vi=variance: no column 'variance'"],
    ),
    ("k0-header-only", "study,yi,vi\n", ["meta"], ["no studies to pool (k = 0)"]),
    ("k0-all-empty", "study,yi,vi\nA,,\nB,NA,NA\n", ["meta"], ["no studies to pool (k = 0)"]),
    ("k0-MH", "study,ai,bi,ci,di\nA,,,,\n", ["meta", "--method", "PETO"], ["no studies to pool (k = 0)"]),
]


@pytest.mark.parametrize(("text", "args", "parts"), [pytest.param(t, a, p, id=i) for i, t, a, p in COLUMN_ERRORS])
def test_column_errors_name_file_and_list_columns(tmp_path: Path, text: str, args: list[str], parts: list[str]) -> None:
    path = _file(tmp_path, text)
    command, *options = args
    assert_one_line_error(run(command, path, *options), str(path), *parts)


OPTION_ERRORS = [
    ("unknown-measure", ["meta", "--measure", "XYZ"], ["unknown measure 'XYZ'; choose one of", "SMD", "OR"]),
    ("unknown-measure-effects", ["effects", "--measure", "G"], ["unknown measure 'G'"]),
    ("no-measure-effects", ["effects"], ["--measure is required; choose one of", "SMD"]),
    ("unknown-method", ["meta", "--method", "XYZ"], ["unknown method 'XYZ'; choose one of", "REML", "MH", "PETO"]),
    ("unknown-test", ["meta", "--test", "wald"], ["unknown test 'wald'; choose one of z, t, knha, adhoc"]),
    ("unknown-format", ["meta", "--format", "xml"], ["unknown format 'xml'; choose one of text, json"]),
    ("level-not-a-number", ["meta", "--level", "high"], ["--level 'high' is not a number"]),
    ("level-out-of-range", ["meta", "--level", "150"], ["--level '150' must lie between 0 and 1 (or 0 and 100)"]),
    ("level-zero", ["meta", "--level", "0"], ["must lie between 0 and 1"]),
    ("col-without-equals", ["meta", "--col", "yi"], ["--col 'yi': expected NAME=COLUMN"]),
    ("col-twice", ["meta", "--col", "yi=a", "--col", "yi=b"], ["--col yi is given twice"]),
    ("tau2-negative", ["meta", "--tau2", "-1"], ["--tau2 '-1' must be a finite number at least 0"]),
    (
        "subgroup-with-mods",
        ["meta", "--subgroup", "study", "--mods", "ai"],
        ["--subgroup and --mods cannot be combined"],
    ),
    ("mods-with-MH", ["meta", "--method", "MH", "--mods", "x"], ["need an inverse-variance method, not MH"]),
    ("knha-with-PETO", ["meta", "--method", "PETO", "--test", "knha"], ["method PETO has a z-test only"]),
    ("MH-measure", ["meta", "--method", "MH", "--measure", "SMD"], ["method MH pools measure OR or RR or RD, not SMD"]),
    ("PETO-measure", ["meta", "--method", "PETO", "--measure", "OR"], ["method PETO pools measure PETO, not OR"]),
    ("add-not-a-number", ["effects", "--measure", "OR", "--add", "half"], ["--add 'half' is not a number"]),
    ("bad-to", ["effects", "--measure", "OR", "--to", "sometimes"], ["sometimes"]),
]


@pytest.mark.parametrize(("args", "parts"), [pytest.param(a, p, id=i) for i, a, p in OPTION_ERRORS])
def test_option_errors(tmp_path: Path, args: list[str], parts: list[str]) -> None:
    # valid data of both kinds (yi, vi and a 2×2 table): only the option is wrong
    path = _file(tmp_path, "study,yi,vi,ai,bi,ci,di\nA,0.1,0.01,4,119,11,128\nB,0.2,0.02,6,300,29,274\n")
    command, *options = args
    assert_one_line_error(run(command, path, *options), *parts)


UNREADABLE = [
    ("does-not-exist", "missing.csv", None, "no such file"),
    ("empty", "empty.csv", b"", "the file is empty"),
    ("binary", "data.csv", b"\x00\x01\x02PK\x00", "looks like a binary file"),
    ("not-a-workbook", "data.xlsx", b"yi,vi\n1,2\n", "cannot read as an .xlsx workbook"),
    ("old-excel", "data.xls", b"\xd0\xcf\x11\xe0", "the old Excel .xls format is not supported"),
    ("ragged", "data.csv", b"yi,vi\n1,2\n1,2,3\n", "row 3: 3 cells but the header (row 1) names 2 columns"),
    ("duplicate-header", "data.csv", b"yi,vi,vi\n1,2,3\n", "row 1: duplicate column name 'vi'"),
]


@pytest.mark.parametrize(("name", "content", "part"), [pytest.param(n, c, p, id=i) for i, n, c, p in UNREADABLE])
@pytest.mark.parametrize("command", ["meta", "effects"])
def test_unreadable_files(tmp_path: Path, command: str, name: str, content: bytes | None, part: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert_one_line_error(run(command, path, "--measure", "OR"), f"{path}: {part}")


def test_directory_is_not_a_data_file(tmp_path: Path) -> None:
    assert_one_line_error(run("meta", tmp_path), f"{tmp_path}: is a directory")


def test_missing_sheet(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["yi", "vi"])
    sheet.append([0.1, 0.01])
    path = tmp_path / "data.xlsx"
    book.save(path)
    assert_one_line_error(
        run("meta", path, "--sheet", "Results"), f"{path}: no sheet 'Results'; the workbook has sheets: Sheet"
    )


def test_errors_exit_2_as_a_real_process(tmp_path: Path) -> None:
    # the installed console script: one line on stderr, exit code 2, no traceback
    import subprocess
    import sys

    path = _file(tmp_path, "study,yi,vi\nA,0.1,0.01\nB,0.2,0.02\nC,0.3,-0.2\n")
    proc = subprocess.run(
        [sys.executable, "-c", "from sysreview.cli import main; main()", "meta", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"error: {path}: row 4: column 'vi': negative variance -0.2; must be at least 0\n"
