"""Tables: CSV/TSV/XLSX with ASReview, Rayyan, Covidence, Zotero, EndNote, Scopus, Embase columns, and user mappings."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from sysreview.errors import InputError
from sysreview.records import DuplicateIdWarning, MalformedRecordWarning, dumps, parse, read
from tests.records._paths import benchmark, fixture


def test_asreview_generic_columns() -> None:
    records = read(benchmark("asreview-demo-data/generic_labels.csv"), on_issue="collect")
    first = records[0]
    assert first.authors == ("Marx, Karl", "Lindgren, Astrid")  # a Python list literal in the cell
    assert first.keywords == ("Pippi", "Nordwind", "Piraten")
    assert first.issn == ("1932-6208",)
    assert (first.year, first.pages, first.type) == (2014, "e0815", "JOUR")
    assert first.get("label_included") == ("1",)  # screening labels stay in the raw columns
    assert [r.id for r in records][:2] == ["generic_labels.csv:1", "generic_labels.csv:2"]  # "id" is 12345 in all


def test_duplicate_ids_give_one_warning_naming_the_rows() -> None:
    with pytest.warns(DuplicateIdWarning, match=r"generic\.csv: record ids are not unique .*'12345' at rows 2, 3"):
        records = read(benchmark("asreview-demo-data/generic.csv"))
    assert records[0].get("id") == ("12345",)


def test_missing_and_whitespace_only_values_are_empty_fields_but_kept_raw() -> None:
    records = read(benchmark("asreview-demo-data/missing_values.csv"))
    assert [(r.title, r.abstract is not None) for r in records] == [
        ("Title of reference", False),
        (None, True),
        ("Title of reference", False),
        (None, True),
    ]
    dup = read(benchmark("asreview-demo-data/duplicate_records.csv"), on_issue="collect")
    assert dup[6].doi is None
    assert dup[6].get("doi") == ("   ",)
    assert dup[12].get("title") == ("   ",)
    assert dup[12].title is None


def test_embase_csv_source_column_is_split() -> None:
    record = read(benchmark("asreview-demo-data/embase.csv"))[0]
    assert record.get("Source") == ("Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014",)
    assert (record.journal, record.year, record.volume, record.issue, record.pages) == (
        "Endoscopic Ultrasound",
        2014,
        "3",
        "3",
        "152-160",
    )
    assert record.authors == ("Liu R.", "Adler D.G.")
    assert record.doi == "10.4103/2303-9027.138783"  # from the percent-encoded Open URL link
    assert record.keywords[1] == "bronchogenic duplication cyst (diagnosis, surgery)"
    assert record.database == "Embase"
    newpage = read(benchmark("asreview-demo-data/embase_newpage.csv"))[0]
    assert newpage.abstract is not None
    assert newpage.abstract.startswith("TEST\nGastrointestinal tract duplication")


def test_scopus_csv_export() -> None:
    records = read(fixture("scopus_export.csv"))
    first, second = records
    assert first.id == "2-s2.0-85079532227"  # EID
    assert first.authors == ("Li W.", "Dou Z.", "Cui L.")
    assert second.authors == ("Tang H.", "Geng G.", "Zhou M.")  # older comma-separated form
    assert (first.journal, first.year, first.doi) == (
        "Ecosystem Health and Sustainability",
        2020,
        "10.1080/20964129.2020.1722034",
    )
    assert first.issn == ("2096-4129",)
    assert first.keywords == ("reed restoration", "soil fauna", "wetland", "Animalia", "soil fauna")
    assert first.database == "Scopus"
    assert first.type == "Article"


def test_zotero_csv_export() -> None:
    records = read(benchmark("asysd/format-fixtures/zotero_export.csv.gz"))
    first = records[0]
    assert first.id == "ACSRAG7N"
    assert first.issn == ("1939-1676", "0891-6640")
    assert first.pmid == "35319117"  # "PMID: 35319117" in Extra
    assert first.database is None  # no Library Catalog in this export
    assert first.keywords[:2] == ("*Dog Diseases/diagnostic imaging", "*Myoclonus/veterinary")  # Manual Tags
    assert first.type == "journalArticle"


def test_endnote_tab_delimited_export() -> None:
    records = read(benchmark("asysd/format-fixtures/test_export.txt"), on_issue="collect")
    assert records[0].id == "1"  # record_id column
    assert (records[0].journal, records[0].type, records[0].database) == ("Journal 1", "Journal Article", "Source 1")


def test_latin1_table_with_line_breaks_in_cells() -> None:
    records = read(benchmark("asysd/labelled_test_set_diabetes.csv.gz"), on_issue="collect")
    assert records[0].get("isbn") == ("0957-9672 (Print)\r\n0957-9672",)
    assert records[0].issn == ("0957-9672",)
    assert records.issues[0].message.startswith("not valid UTF-8 (first at line 4); decoded as cp1252")
    assert sum(1 for r in records if r.get("source") == ("duplicate",)) == 1261  # SOURCE.md: 1261 duplicates
    assert any("©" in (r.abstract or "") for r in records)  # 0xA9 read as ©


def test_r_na_and_pandas_nan_are_no_values() -> None:
    records = parse("title,doi,pages\nA,NA,nan-nan\n", name="t.csv")
    assert (records[0].doi, records[0].pages) == (None, None)
    assert records[0].get("doi") == ("NA",)


def test_user_column_mapping() -> None:
    text = "Nr\tTitel\tAutoren\tJahr\n7\tEin Titel\tMüller, A; Meier, B\t2001\n"
    records = parse(text, name="t.csv", columns={"id": "Nr", "title": "Titel", "authors": "Autoren", "year": "Jahr"})
    assert (records[0].id, records[0].title, records[0].year) == ("7", "Ein Titel", 2001)
    assert records[0].authors == ("Müller, A", "Meier, B")
    with pytest.raises(InputError, match="columns: unknown field 'titel'; fields are: id, title"):
        parse(text, name="t.csv", columns={"titel": "Titel"})


def test_extra_cells_are_kept_and_reported() -> None:
    with pytest.warns(MalformedRecordWarning, match=r"t\.csv: row 2: row has 3 cells but the header 2"):
        records = parse("title,year\nA,2001,surplus\n", name="t.csv")
    assert records[0].raw == (("title", "A"), ("year", "2001"), ("column_3", "surplus"))


def test_xlsx(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Title", "Authors", "Publication Year", "DOI", "Label"])
    sheet.append(["A spreadsheet record", "Smith, J; Doe, A", 2019, "https://doi.org/10.1234/ABC", None])
    sheet.append([None, None, None, None, None])
    sheet.append(["Second", None, 2020.0, None, True])
    path = tmp_path / "screening.xlsx"
    workbook.save(path)
    records = read(path)
    assert len(records) == 2  # the blank row holds no record
    first, second = records
    assert (first.title, first.authors, first.year, first.doi) == (
        "A spreadsheet record",
        ("Smith, J", "Doe, A"),
        2019,
        "10.1234/ABC",
    )
    assert first.row == 2
    assert second.row == 4
    assert second.get("Label") == ("TRUE",)
    assert second.get("Publication Year") == ("2020",)
    assert records[0].format == "xlsx"


def test_csv_written_back_is_the_same_table() -> None:
    """Cell for cell; a table without an identifier column gets an ``id`` column first, so that ids survive."""
    records = read(benchmark("asreview-demo-data/embase.csv"))
    text = dumps(records, "csv")
    assert text.startswith('"id","Title","Original Title","Author Names",')
    again = parse(text, name="again.csv")
    assert [r.raw[1:] for r in again] == [r.raw for r in records]
    assert again.ids == records.ids == tuple(f"embase.csv:{n}" for n in range(1, 7))
    zotero = read(benchmark("asysd/format-fixtures/zotero_export.csv.gz"))
    assert parse(dumps(zotero, "csv"), name="z.csv")[5].raw == zotero[5].raw  # has its own "Key" column


def test_booktitle_column_is_the_venue_of_a_conference_paper() -> None:
    """bib-dedupe/CoLRev tables (digital_work) give a conference paper's proceedings in ``booktitle``, its
    ``journal`` cell empty: the venue is the booktitle, the raw cells stay as read; a journal cell wins."""
    text = (
        "ID,ENTRYTYPE,journal,title,year,pages,author,booktitle\n"
        'id_4006907,inproceedings,,Vanishing Borders in the Internet Age,2018,5156--5164,"Gong, Jing",'
        "51St Annual Hawaii International Conference On System Sciences (Hicss)\n"
        'id_9,article,MIS Quarterly,A journal article,2018,1--20,"Gong, Jing",Some Book\n'
    )
    paper, article = parse(text, name="records_pre_merged.csv")
    assert paper.journal == "51St Annual Hawaii International Conference On System Sciences (Hicss)"
    assert paper.get("booktitle") == (paper.journal,)
    assert paper.get("journal") == ("",)
    assert (article.journal, article.get("booktitle")) == ("MIS Quarterly", ("Some Book",))
