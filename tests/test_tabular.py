"""sysreview.tabular: reading CSV/TSV/XLSX study tables, and errors that name file, row and column.

Row numbers in every assertion are spreadsheet rows (header = row 1, first data row = row 2).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from sysreview.errors import InputError
from sysreview.tabular import Table, moderator_matrix, read_table

CSV = "study,yi,vi,alloc\nA,0.1,0.01,random\nB,-0.2,0.02,alternate\nC,0.3,0.03,random\n"


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _xlsx(tmp_path: Path, rows: list[list[object]], *, name: str = "data.xlsx", title: str = "Studies") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def _error(exc: pytest.ExceptionInfo[InputError]) -> InputError:
    err = exc.value
    assert "\n" not in str(err)
    return err


# ---------------------------------------------------------------------- formats
def test_csv_keeps_every_column_and_numbers_rows_as_a_spreadsheet(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", CSV))
    assert table.columns == ("study", "yi", "vi", "alloc")
    assert len(table) == 3
    assert table.row_numbers == (2, 3, 4)
    np.testing.assert_array_equal(table.numeric("yi"), [0.1, -0.2, 0.3])
    assert table.text("alloc") == ["random", "alternate", "random"]
    assert table.notes == ()


def test_blank_lines_are_not_studies_but_count_as_rows(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", "yi,vi\n0.1,0.01\n\n,\n0.3,0.03\n"))
    assert table.row_numbers == (2, 5)
    np.testing.assert_array_equal(table.numeric("vi"), [0.01, 0.03])


def test_quoted_cell_with_line_break_is_one_row(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", 'study,yi\n"Smith,\nJones",0.1\nLee,0.2\n'))
    assert table.text("study") == ["Smith,\nJones", "Lee"]
    assert table.row_numbers == (2, 3)


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", "\ufeffstudy,yi\nMüller,1\n"))
    assert table.columns == ("study", "yi")
    assert table.text("study") == ["Müller"]
    assert table.notes == ()


def test_latin1_falls_back_with_a_note(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", "study,yi\nMüller,1\nGarcía,2\n", encoding="latin-1")
    table = read_table(path)
    assert table.text("study") == ["Müller", "García"]
    assert len(table.notes) == 1
    assert "not valid UTF-8" in table.notes[0]
    assert "line 2" in table.notes[0]
    assert str(path) in table.notes[0]


def test_tsv_by_suffix(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.tsv", "study\tyi\nSmith, J\t0.5\n"))
    assert table.text("study") == ["Smith, J"]
    np.testing.assert_array_equal(table.numeric("yi"), [0.5])


@pytest.mark.parametrize(("delimiter", "name"), [("\t", "tab"), (";", "semicolon"), (",", "comma"), ("|", "bar")])
def test_txt_delimiter_is_sniffed(tmp_path: Path, delimiter: str, name: str) -> None:
    text = "\n".join(delimiter.join(r) for r in [["study", "yi", "vi"], ["A", "1", "0.1"], ["B", "2", "0.2"]])
    table = read_table(_write(tmp_path, f"{name}.txt", text + "\n"))
    assert table.columns == ("study", "yi", "vi")
    np.testing.assert_array_equal(table.numeric("vi"), [0.1, 0.2])


def test_csv_with_semicolons_is_read_with_a_note(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", "study;yi;vi\nA;1;0.1\n"))
    assert table.columns == ("study", "yi", "vi")
    assert any("';'" in n for n in table.notes)


def test_xlsx_first_sheet_numbers_and_text(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, [["study", "n1i", "yi"], ["A", 14, 0.25], [2021, 30, -1.5]])
    table = read_table(path)
    assert table.sheet == "Studies"
    assert table.row_numbers == (2, 3)
    np.testing.assert_array_equal(table.numeric("n1i"), [14.0, 30.0])
    # a number used as a label reads as written, not as 2021.0
    assert table.text("study") == ["A", "2021"]


def test_xlsx_sheet_by_name_and_number(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.append(["x"])
    second = book.create_sheet("Data")
    second.append(["yi", "vi"])
    second.append([0.5, 0.1])
    path = tmp_path / "two.xlsx"
    book.save(path)
    assert read_table(path, sheet="Data").columns == ("yi", "vi")
    assert read_table(path, sheet="2").columns == ("yi", "vi")
    err = _error_of(lambda: read_table(path, sheet="Nope"))
    assert "no sheet 'Nope'" in str(err)
    assert "Sheet, Data" in str(err)


def test_xlsx_header_below_empty_rows_keeps_true_row_numbers(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, [[None], [None], ["yi", "vi"], [0.1, 0.01], [None, None], [0.2, "x"]])
    table = read_table(path)
    assert table.row_numbers == (4, 6)
    err = _error_of(lambda: table.numeric("vi"))
    assert str(err) == f"{path}: row 6: column 'vi': not a number: 'x'"


# ---------------------------------------------------------------------- numbers and errors
def _error_of(call: object) -> InputError:
    with pytest.raises(InputError) as exc:
        call()  # type: ignore[operator]
    return _error(exc)


def test_non_numeric_cell_names_file_row_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "data.csv", "yi,vi\n0.1,0.01\n0.2,abc\n")
    err = _error_of(lambda: read_table(path).numeric("vi"))
    assert str(err) == f"{path}: row 3: column 'vi': not a number: 'abc'"
    assert (err.file, err.row, err.column) == (str(path), 3, "vi")


def test_empty_required_cell(tmp_path: Path) -> None:
    path = _write(tmp_path, "data.csv", "yi,vi\n0.1,0.01\n0.2,\n")
    err = _error_of(lambda: read_table(path).numeric("vi", what="variance"))
    assert str(err) == f"{path}: row 3: column 'vi': empty cell; a variance is required"


def test_optional_empty_cells_are_nan(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", "yi\n0.1\nNA\n\u2212\n"))
    # "−" alone is no number: not silently read as missing
    with pytest.raises(InputError, match="row 4: column 'yi': not a number"):
        table.numeric("yi", required=False)
    values = table.take([0, 1]).numeric("yi", required=False)
    assert values[0] == 0.1
    assert math.isnan(values[1])


def test_negative_variance(tmp_path: Path) -> None:
    path = _write(tmp_path, "data.csv", "yi,vi\n0.1,0.01\n0.2,0.02\n0.3,-0.2\n")
    err = _error_of(lambda: read_table(path).numeric("vi", minimum=0.0, what="variance"))
    assert str(err) == f"{path}: row 4: column 'vi': negative variance -0.2; must be at least 0"


def test_bounds_and_whole_numbers(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", "ni,ri\n10,0.5\n0,1.2\n2.5,0.1\n"))
    assert str(_error_of(lambda: table.numeric("ni", minimum=0, exclusive=True, what="sample size"))).endswith(
        "row 3: column 'ni': sample size 0; must be greater than 0"
    )
    assert str(_error_of(lambda: table.numeric("ri", minimum=-1, maximum=1, what="correlation"))).endswith(
        "row 3: column 'ri': correlation 1.2; must be at most 1"
    )
    assert str(_error_of(lambda: table.take([0, 2]).numeric("ni", integer=True))).endswith(
        "row 4: column 'ni': value 2.5 is not a whole number"
    )


def test_typographic_minus_and_exponent_are_numbers(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", "m1i\n\u221238.2\n1e-3\n+2\n.5\n"))
    np.testing.assert_array_equal(table.numeric("m1i"), [-38.2, 0.001, 2.0, 0.5])


@pytest.mark.parametrize("cell", ["1,5", "5%", "inf", "1_000", "0x10", "TRUE"])
def test_things_that_are_not_finite_numbers(tmp_path: Path, cell: str) -> None:
    table = read_table(_write(tmp_path, "d.tsv", f"yi\n{cell}\n"))
    with pytest.raises(InputError, match=r"row 2: column 'yi': not a (finite )?number"):
        table.numeric("yi")


def test_missing_column_lists_what_the_file_has(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", CSV))
    err = _error_of(lambda: table.require(["n1i", "m1i", "yi"], purpose="measure SMD"))
    assert str(err) == (
        f"{tmp_path / 'd.csv'}: measure SMD needs columns n1i, m1i, yi; missing n1i, m1i; "
        "the file has columns: study, yi, vi, alloc"
    )


def test_column_mapping(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", "Author,effect,variance\nA,0.1,0.01\nB,0.2,-1\n")
    table = read_table(path, columns={"yi": "effect", "vi": "variance", "study": "Author"})
    np.testing.assert_array_equal(table.numeric("yi"), [0.1, 0.2])
    assert table.text("study") == ["A", "B"]
    # errors name the user's column and the library's name for it
    err = _error_of(lambda: table.numeric("vi", minimum=0.0, what="variance"))
    assert str(err) == f"{path}: row 3: column 'variance': negative variance -1; must be at least 0 (used as 'vi')"


def test_column_mapping_to_a_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", CSV)
    err = _error_of(lambda: read_table(path, columns={"yi": "effect"}))
    assert (
        str(err) == f"{path}: column mapping yi=effect: no column 'effect'; the file has columns: study, yi, vi, alloc"
    )


def test_case_insensitive_column_names(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", "Study,YI,Vi\nA,1,2\n"))
    assert table.resolve("study") == "Study"
    np.testing.assert_array_equal(table.numeric("yi"), [1.0])


def test_duplicate_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", "yi,vi,yi\n1,2,3\n")
    err = _error_of(lambda: read_table(path))
    assert str(err) == f"{path}: row 1: duplicate column name 'yi' (columns 1 and 3 of the header)"


def test_row_longer_than_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", "yi,vi\n1,2\n1,2,3\n1,2,,\n")
    err = _error_of(lambda: read_table(path))
    assert str(err) == f"{path}: row 3: 3 cells but the header (row 1) names 2 columns; extra value '3'"


def test_unnamed_column_with_data_is_kept(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", ",yi,\n1,0.5,\n2,0.6,\n"))
    assert table.columns == ("column1", "yi")
    assert table.text("column1") == ["1", "2"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("none.csv", None, "no such file"),
        ("empty.csv", "", "the file is empty"),
        ("blank.csv", "\n\n  \n", "the file is empty"),
        ("old.xls", "x", "the old Excel .xls format is not supported"),
        ("bad.xlsx", "not a zip", "cannot read as an .xlsx workbook"),
        ("utf16.csv", "\ufeffyi,vi\n".encode("utf-16").decode("latin-1"), "looks like a binary file"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content.encode("latin-1"))
    err = _error_of(lambda: read_table(path))
    assert str(err).startswith(f"{path}: {message}")


def test_sheet_option_on_csv_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", CSV)
    assert "only be chosen in an .xlsx" in str(_error_of(lambda: read_table(path, sheet="x")))


def test_header_only_gives_an_empty_table(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", "yi,vi\n"))
    assert len(table) == 0
    assert table.numeric("yi").shape == (0,)


def test_locate_maps_library_rows_to_spreadsheet_rows(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", "yi,vi\n1,2\n\n3,4\n5,6\n"))
    # the library numbers studies 1..k in the order given
    located = table.take([1, 2]).locate(InputError("negative sampling variance -1", row=2, column="vi"))
    assert str(located) == f"{tmp_path / 'd.csv'}: row 5: column 'vi': negative sampling variance -1"


# ---------------------------------------------------------------------- moderators
def _bcg_like(tmp_path: Path) -> Table:
    text = (
        "study,ablat,alloc,grade,length\nA,44,random,2,15\nB,55,alternate,10,\nC,13,systematic,1,4\nD,19,random,2,3\n"
    )
    return read_table(_write(tmp_path, "m.csv", text))


def test_moderator_matrix_numeric_and_factor(tmp_path: Path) -> None:
    table = _bcg_like(tmp_path)
    matrix, names = moderator_matrix(table, ["ablat", "alloc"])
    # metafor: mods = ~ ablat + alloc gives ablat, allocrandom, allocsystematic (reference: alternate)
    assert names == ["ablat", "allocrandom", "allocsystematic"]
    np.testing.assert_array_equal(matrix, [[44, 1, 0], [55, 0, 0], [13, 0, 1], [19, 1, 0]])


def test_factor_of_a_numeric_column_sorts_levels_as_numbers(tmp_path: Path) -> None:
    matrix, names = moderator_matrix(_bcg_like(tmp_path), ["factor(grade)"])
    # R: levels of factor(c(2, 10, 1, 2)) are 1, 2, 10
    assert names == ["factor(grade)2", "factor(grade)10"]
    np.testing.assert_array_equal(matrix, [[1, 0], [0, 1], [0, 0], [1, 0]])


def test_moderator_with_an_empty_cell_names_the_row(tmp_path: Path) -> None:
    err = _error_of(lambda: moderator_matrix(_bcg_like(tmp_path), ["length"]))
    assert str(err) == f"{tmp_path / 'm.csv'}: row 3: column 'length': empty cell; a moderator value is required"


def test_factor_with_one_level(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", "yi,g\n1,a\n2,a\n"))
    err = _error_of(lambda: moderator_matrix(table, ["g"]))
    assert "column 'g': a factor moderator needs at least two levels; all studies have 'a'" in str(err)


def test_missing_moderator_column(tmp_path: Path) -> None:
    err = _error_of(lambda: moderator_matrix(_bcg_like(tmp_path), ["year"]))
    assert "missing column 'year'; the file has columns: study, ablat, alloc, grade, length" in str(err)


def test_decimal_comma_gets_a_hint(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", "yi;vi\n0,5;0,01\n")
    err = _error_of(lambda: read_table(path).numeric("yi"))
    assert str(err) == f"{path}: row 2: column 'yi': not a number: '0,5' (a decimal comma? write 0.5, not 0,5)"


def test_windows_line_endings(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "d.csv", "study,yi\r\nA,0.1\r\nB,0.2\r\n"))
    assert table.text("study") == ["A", "B"]
    assert table.row_numbers == (2, 3)


def test_unbalanced_quote_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", 'study,yi\n"Smith,0.1\nLee,0.2\n')
    err = _error_of(lambda: read_table(path))
    # the row where the quote opens; the reader noticed at the end of the file
    assert str(err) == f"{path}: row 2: malformed CSV text (line 3 of the file): unexpected end of data"
