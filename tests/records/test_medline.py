"""PubMed/MEDLINE (.nbib) and Web of Science field-tagged and tab-delimited exports."""

from __future__ import annotations

import pytest

from sysreview.records import MalformedRecordWarning, parse, read
from tests.records._paths import benchmark, fixture


def test_nbib_last_record_without_trailing_blank_line_is_not_dropped() -> None:
    """nbib dropped the last record of a file that does not end with a blank line; PubMed_example.txt is one."""
    data = fixture("PubMed_example.txt").read_bytes()
    assert not data.endswith(b"\n\n")
    records = read(fixture("PubMed_example.txt"))
    assert [r.pmid for r in records] == ["28441597", "30868313", "29967742"]  # the PMID- lines 1, 92, 190
    last = records[-1]
    assert last.get("SO") == ("PeerJ. 2018 Jun 25;6:e5082. doi: 10.7717/peerj.5082. eCollection 2018.",)


def test_medline_fields() -> None:
    first = read(fixture("PubMed_example.txt"))[0]
    assert first.id == "28441597"
    assert first.title == (
        "Differences in nitrate and phosphorus export between wooded and grassed riparian zones from farmland to "
        "receiving waterways under varying rainfall conditions."
    )
    # wrapped lines are kept as lines in the raw value, joined by blanks in the field
    assert first.get("TI")[0].count("\n") == 1
    assert first.authors[0] == "Neilen, Amanda D"  # FAU, not AU "Neilen AD"
    assert first.journal == "The Science of the total environment"
    assert (first.volume, first.pages, first.year) == ("598", "188-197", 2017)
    assert first.doi == "10.1016/j.scitotenv.2017.04.075"  # LID "... [doi]", not LID "... [pii]"
    assert first.issn == ("1879-1026", "0048-9697")
    assert first.language == "eng"
    assert first.database == "PubMed"
    assert first.type == "Journal Article"


def test_medline_record_boundary_without_blank_line() -> None:
    text = "PMID- 1\nTI  - One\nPMID- 2\nTI  - Two\n      continued"
    records = parse(text, name="x.nbib", on_issue="collect")
    assert [(r.id, r.title) for r in records] == [("1", "One"), ("2", "Two continued")]


def test_wos_tagged_fields() -> None:
    records = read(benchmark("synthesisr-testdata/WoS_txt_example.txt"))
    first = records[0]
    assert first.id == "WOS:000514379300001"
    assert first.authors[:2] == ("Li, Wei", "Dou, Zhiguo")  # AF, one per continuation line
    assert len(first.authors) == 10
    assert first.journal == "ECOSYSTEM HEALTH AND SUSTAINABILITY"
    assert first.pages == "UNSP 1722034"  # article number when there are no pages
    assert first.issn == ("2096-4129", "2332-8878")
    assert first.database == "Web of Science"
    assert records[-1].database == "MEDLINE"  # UT "MEDLINE:31858815"
    assert records[-1].pmid == "31858815"
    zoorec = read(benchmark("synthesisr-testdata/zoorec_wos_tagged.txt"))
    assert zoorec[0].database == "Zoological Record"
    assert zoorec[0].authors[0] == "Stillman, Andrew N. (andrew.stillman@uconn.edu)"
    assert zoorec[0].normalized.authors[0] == "stillman an"


def test_wos_record_without_er_is_kept() -> None:
    with pytest.warns(MalformedRecordWarning, match="line 3: record has no 'ER' line; it ends at the next 'PT'"):
        records = parse("FN Clarivate\nVR 1.0\nPT J\nTI One\nPT J\nTI Two\nER\nEF\n", format="wos", name="w.txt")
    assert [r.title for r in records] == ["One", "Two"]


def test_wos_tab_delimited_export() -> None:
    records = read(fixture("wos_tab_delimited.txt"))
    assert len(records) == 2
    first, second = records
    assert first.id == "WOS:000514379300001"
    assert first.authors == ("Li, Wei", "Dou, Zhiguo", "Cui, Lijuan")
    assert first.keywords == ("soil fauna", "reed restoration", "wetland", "COMMUNITY", "DIVERSITY")
    assert first.pages == "1722034"
    assert (second.pages, second.pmid, second.year) == ("315-324", "31858815", 2020)
    assert first.format == "csv"
    assert first.row == 2
