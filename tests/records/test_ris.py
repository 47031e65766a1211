"""The RIS reader on the quirks of real exports, peers' regressions (rispy's KeyError on WoS ``UK``), the writer."""

from __future__ import annotations

import pytest

from sysreview.records import (
    DecodingWarning,
    MalformedRecordWarning,
    dumps,
    parse,
    read,
)
from tests.records._paths import benchmark, fixture


def test_rispy_keyerror_on_unknown_uk_tag_does_not_happen_here() -> None:
    """rispy raised KeyError on WoS's ``UK`` tag; here it is a kept tag (of a record without TY, reported)."""
    records = read(fixture("baseline_tag_and_field_definitions.ris"), on_issue="collect")
    assert len(records) == 2
    assert records[1].raw == (("UK", "Unknown Tag"),)
    assert records[1].id == "baseline_tag_and_field_definitions.ris:2"
    first = records[0]
    # every one of the 64 tag lines of record 1 (TY … ER) is kept, tabs around the dash or not ("A1\t- First …")
    assert len(first.raw) == 64
    assert first.raw[1] == ("A1", "First Authors")
    assert first.get("ID") == ("ID",)
    assert first.raw[-1] == ("ER", "End of Reference")
    assert first.authors == ("First Authors", "Authors")
    assert first.title == "Title"
    assert first.alternative_titles == ("Translated Title",)
    assert [str(i).split(": ", 1)[1] for i in records.issues][:2] == [
        "line 65: record has no 'TY  -' line",
        "line 46: field 'PY': no year in 'Publication Year'",
    ]


def test_crlf_lf_cr_and_bom_give_the_same_records() -> None:
    text = "TY  - JOUR\nTI  - A title\nAU  - Smith, J\nPY  - 2020\nER  - \n\nTY  - BOOK\nTI  - B\nER  -"
    variants = [
        text.encode(),
        text.replace("\n", "\r\n").encode(),
        text.replace("\n", "\r").encode(),
        b"\xef\xbb\xbf" + text.encode(),
        text.replace("\n", "\r\n").encode("utf-16"),
    ]
    results = [parse(v, name="x.ris", on_issue="collect") for v in variants]
    for result in results:
        assert [(r.raw, r.title, r.year) for r in result] == [(r.raw, r.title, r.year) for r in results[0]]
        assert not result.issues
    assert results[0][0].raw == (("TY", "JOUR"), ("TI", "A title"), ("AU", "Smith, J"), ("PY", "2020"))


def test_last_record_without_er_or_trailing_blank_line_is_kept_and_reported() -> None:
    with pytest.warns(MalformedRecordWarning, match=r"x\.ris: line 4: record has no 'ER  -' line \(end of file\)"):
        records = parse("TY  - JOUR\nTI  - One\nER  -\nTY  - JOUR\nTI  - Two", name="x.ris")
    assert [r.title for r in records] == ["One", "Two"]


def test_missing_er_between_records_is_reported_and_both_kept() -> None:
    with pytest.warns(MalformedRecordWarning, match="line 1: record has no 'ER  -' line; it ends where"):
        records = parse("TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\nER  -\n", name="x.ris")
    assert [r.title for r in records] == ["One", "Two"]
    assert [r.line for r in records] == [1, 3]


def test_repeated_and_blank_tags_are_kept_in_order() -> None:
    records = parse(
        "TY  - JOUR\nN1  - a\nKW  - k1\nN1  - b\nN2  -\nN1  - a\nER  - \n", name="x.ris", on_issue="collect"
    )
    assert records[0].raw == (("TY", "JOUR"), ("N1", "a"), ("KW", "k1"), ("N1", "b"), ("N2", ""), ("N1", "a"))
    assert records[0].get("N1") == ("a", "b", "a")


def test_continuation_lines_and_blank_lines_inside_a_record() -> None:
    """Rayyan writes keywords one per line under one KW; Scopus writes free text after U3 (asreview issue 1099)."""
    records = read(benchmark("asreview-demo-data/ris_issue_1099.txt"))
    assert records[0].get("U3") == ("Cited By :9\n\nExport Date: 12 May 2022\n\nArticle",)
    rayyan = read(benchmark("asreview-demo-data/ris_issue_992.txt"))
    assert rayyan[0].keywords[:3] == ("Health Facility Administration", "Joint Commission", "Standards")
    assert len(rayyan[0].keywords) == 13  # 13 lines under KW in record 1


def test_ovid_record_numbers_and_trailers_after_er() -> None:
    """Ovid numbers records ("1."), and writes ``NL`` and a full-text link after ``ER``: kept with their record."""
    records = read(benchmark("asreview-demo-data/ovid_psycinfo.ris"), on_issue="collect")
    assert len(records) == 6
    first = records[0]
    assert first.id == "2019-65183-001"
    assert first.line == 2
    nl = first.get("NL")
    assert len(nl) == 1
    assert nl[0].startswith("Clin Psychol Psychother\n\nLink to the Ovid Full Text or citation: https://")
    plain = read(benchmark("synthesisr-testdata/Ovid_ris_example.ris"))
    assert plain[0].get("")[0].startswith("Link to the Ovid Full Text or citation: http://ovidsp.ovid.com/")
    # the link after ER does not leak into the next record
    assert all(not value.startswith("Link") for tag, value in plain[1].raw if tag != "")


def test_text_before_the_first_record_is_reported() -> None:
    with pytest.warns(
        MalformedRecordWarning, match="line 1: text before the first record ignored: 'Exported from somewhere'"
    ):
        records = parse("Exported from somewhere\nTY  - JOUR\nER  -\n", name="x.ris")
    assert len(records) == 1


def test_field_dialects() -> None:
    embase = read(benchmark("asreview-demo-data/embase.ris"))
    assert embase[0].issn == ("2226-7190",)  # SN given twice
    assert embase[0].database == "Embase"
    assert embase[1].pmid == "15368318"  # Embase RIS: C5 = PubMed id
    assert embase[1].get("DB") == ("Embase", "Medline")
    pubmed = read(benchmark("asreview-demo-data/pubmed_endnote.txt"))
    assert pubmed[0].pmid == "21553931"  # AN of a record from DP NLM
    assert pubmed[0].pages == "349-69"
    assert pubmed[0].normalized.pages == "349-369"
    proquest = read(benchmark("asreview-demo-data/proquest.ris"))
    assert proquest[0].doi == "10.1002/jts.22387"  # from "http://dx.doi.org/10.1002/jts.22387"
    assert proquest[0].issn == ("0894-9867",)  # "0894-9867, 0894-9867"
    scopus = read(benchmark("asreview-demo-data/ris_issue_1099.txt"))
    assert scopus[0].issn == ("1336-1376",)  # "13361376"
    wos = read(benchmark("asreview-demo-data/web_of_science.txt"))
    assert wos[0].database == "Web of Science"  # from AN "WOS:000444108200009"
    assert wos[0].issn == ("2211-3681", "2211-369X")
    lens = read(benchmark("synthesisr-testdata/citesource_issue_24.ris"))
    assert lens[-1].pmid == "33245809"  # from a pubmed.ncbi.nlm.nih.gov URL in a multi-line UR
    assert lens[-1].issn == ("1523-1739", "0888-8892")
    assert lens[-1].keywords[-1] == "系统综述"


def test_wos_ris_with_bare_carriage_returns() -> None:
    """wos_test.ris separates some tags by a bare CR: each is its own tag line."""
    records = read(benchmark("asysd/format-fixtures/wos_test.ris"))
    assert records[0].get("AD") == (
        "Kansas State Univ, Coll Vet Med, Dept Clin Sci, Manhattan, KS 66506 USA",
        "Kansas State Univ, Coll Vet Med, Dept Anat & Physiol, Manhattan, KS 66506 USA",
    )


def test_latin1_file_is_decoded_and_reported() -> None:
    data = "TY  - JOUR\nAU  - Rodríguez-Pastor, Ruth\nTI  - Café © 2020\nER  -\n".encode("latin-1")
    with pytest.warns(DecodingWarning, match=r"line 2: not valid UTF-8 \(first at line 2\); decoded as cp1252"):
        records = parse(data, name="latin.ris")
    assert records[0].authors == ("Rodríguez-Pastor, Ruth",)
    assert records[0].title == "Café © 2020"
    explicit = parse(data, name="latin.ris", encoding="latin-1", on_issue="collect")
    assert not explicit.issues
    assert explicit[0].title == "Café © 2020"


def test_chinese_gb18030_export_is_recognised() -> None:
    text = (
        "TY  - JOUR\nAU  - 张三；李四；\nTI  - 针刺治疗慢性疼痛的随机对照试验研究\nT2  - 中国针灸\nPY  - 2019\n"
        "KW  - 针刺;疼痛\nER  -\n"
    )
    with pytest.warns(DecodingWarning, match="decoded as gb18030"):
        records = parse(text.encode("gb18030"), name="cnki.ris")
    assert records[0].authors == ("张三", "李四")
    assert records[0].title == "针刺治疗慢性疼痛的随机对照试验研究"
    assert records[0].keywords == ("针刺", "疼痛")
    assert records[0].normalized.authors == ("张三", "李四")


def test_written_ris_is_read_back_identically() -> None:
    records = read(benchmark("asreview-demo-data/ovid_psycinfo.ris"), on_issue="collect")
    again = parse(dumps(records, "ris"), name="again.ris", on_issue="collect")
    assert [r.raw for r in again] == [r.raw for r in records]
    assert [r.fields() for r in again] == [r.fields() for r in records]
    text = dumps(records, "ris")
    assert text.startswith("TY  - JOUR\r\nID  - 2019-65183-001\r\n")
    assert "\r\nER  - \r\nLink" not in text  # the NL trailer went before ER, with its link text


def test_a_changed_record_is_written_from_its_fields_keeping_other_tags() -> None:
    from dataclasses import replace

    record = read(benchmark("asreview-demo-data/embase.ris"))[0]
    changed = replace(record, title="Corrected title")
    again = parse(dumps([changed], "ris"), name="c.ris", on_issue="collect")[0]
    assert again.title == "Corrected title"
    assert again.get("U2") == ("L373791783",)  # a tag no field holds
    assert again.get("LK") == record.get("LK")
    assert again.authors == record.authors
    assert again.id == record.id
