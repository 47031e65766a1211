"""EndNote XML as EndNote (styled text), Zotero and Mendeley write it."""

from __future__ import annotations

import pytest

from sysreview.errors import InputError
from sysreview.records import MalformedRecordWarning, parse, read
from tests.records._paths import benchmark, fixture


def test_endnote_styled_xml() -> None:
    records = read(fixture("endnote_styled.xml"))
    first, second = records
    assert first.id == "57"  # rec-number
    assert first.title == (
        "Boswellia serrata: an overall assessment of in vitro, preclinical, pharmacokinetic and clinical data"
    )
    assert first.authors == ("Abdel-Tawab, M.", "Werz, O.")
    assert first.journal == "Clinical Pharmacokinetics"
    assert (first.volume, first.issue, first.pages, first.year) == ("50", "6", "349-69", 2011)
    assert first.issn == ("1179-1926", "0312-5963")
    assert first.pmid == "21553931"  # accession-num of an NLM record
    assert first.doi == "10.2165/11586800-000000000-00000"
    assert first.database == "NLM"
    assert first.type == "Journal Article"
    assert first.get("database@path") == ("C:\\Users\\me\\Review.enl",)
    assert first.get("foreign-keys/key@db-id") == ("a9xz",)
    assert first.get("dates/pub-dates/date") == ("Jun",)
    assert first.line == 4
    assert second.title == "A chapter & its title"
    assert second.get("contributors/secondary-authors/author") == ("Doe, A.",)
    assert second.authors == ("Smith, J.",)
    assert second.get("custom3") == ("Reviewer note",)
    assert second.normalized.type == "chapter"


def test_zotero_and_mendeley_xml() -> None:
    zotero = read(benchmark("asysd/format-fixtures/zotero_export.xml.gz"))
    mendeley = read(benchmark("asysd/format-fixtures/mendeley_export.xml.gz"))
    assert zotero[0].get("source-app") == ("Zotero",)
    assert zotero[0].keywords[0] == "*Dog Diseases/diagnostic imaging"
    assert mendeley[0].pmid == "35319117"  # accession-num in a library exported from PubMed
    assert mendeley[0].title == zotero[0].title
    assert mendeley[0].normalized.doi == zotero[0].normalized.doi == "10.1111/jvim.16404"


def test_broken_xml_keeps_the_records_before_the_error() -> None:
    text = "<xml><records><record><titles><title>One</title></titles></record><record><titles><title>Tw"
    with pytest.warns(MalformedRecordWarning, match="line 1: XML error"):
        records = parse(text, format="endnote_xml", name="x.xml")
    assert [r.title for r in records] == ["One", None]


def test_unreadable_xml_is_an_error() -> None:
    with pytest.raises(InputError, match=r"x\.xml: row 1: not readable EndNote XML"):
        parse("<xml><records><record", format="endnote_xml", name="x.xml")
