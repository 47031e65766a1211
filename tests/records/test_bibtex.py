"""BibTeX: peers' failures (bibtexparser rejecting a repeated field), macros, LaTeX, broken entries, the writer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysreview.records import MalformedRecordWarning, dumps, parse, read
from tests.records._paths import benchmark, fixture


def test_repeated_field_is_kept_not_rejected() -> None:
    """bibtexparser rejects the Scopus entry with ``funding_details`` twice; both values are kept here, in order."""
    records = read(fixture("Scopus_bib_example.bib"))
    assert len(records) == 3
    funding = records[0].get("funding_details")
    assert len(funding) == 2
    assert funding[0] == "University of TwenteUniversity of Twente"  # line 16
    assert funding[1].startswith("Special Fund for Forest Scientific Research in the Public Welfare")  # line 17
    # Scopus writes "funding_text 1" with a no-break space in the field name: kept as written
    assert records[0].get("funding_text\u00a01")[0].startswith("The Special Fund for Forest Scientific Research")
    assert records[0].keywords[:2] == ("Environmental factors", "Lake Taihu")  # author_keywords, ";"-separated


def test_bibtex_values_macros_and_latex() -> None:
    text = r"""
@string{jvim = "Journal of Veterinary " # "Internal Medicine"}
@comment{jabref-meta: databaseType:bibtex;}
@Article{key1,
  author = {M{\"u}ller, J{\"o}rg and {World Health Organization} and Garc\'{\i}a, Ana},
  title = {The {Cocker} {Spaniel}: \textalpha{} \& $\beta$-blockers},
  journal = jvim,
  month = aug,
  year = 1999,
  pages = {134--137},
  keywords = {dogs, heart; spaniels},
}
"""
    record = parse(text, name="x.bib")[0]
    assert record.id == "key1"
    assert record.authors == ("Müller, Jörg", "World Health Organization", "García, Ana")
    assert record.journal == "Journal of Veterinary Internal Medicine"
    assert record.get("month") == ("aug",)
    assert record.get("title") == (r"The {Cocker} {Spaniel}: \textalpha{} \& $\beta$-blockers",)
    assert record.title == r"The Cocker Spaniel: \textalpha & β-blockers"
    assert (record.year, record.pages) == (1999, "134-137")
    assert record.keywords == ("dogs", "heart", "spaniels")
    assert record.type == "Article"
    assert record.normalized.type == "article"


def test_broken_entry_keeps_what_was_read_and_the_next_entry() -> None:
    text = "@article{a,\n  title = {Good},\n  year = {2001\n\n@article{b,\n  title = {Next},\n}\n"
    with pytest.warns(MalformedRecordWarning, match=r"x\.bib: line 3: unbalanced braces"):
        records = parse(text, name="x.bib")
    assert [(r.id, r.title) for r in records] == [("a", "Good"), ("b", "Next")]


def test_entry_without_key_is_kept() -> None:
    with pytest.warns(MalformedRecordWarning, match="line 1: entry has no key"):
        records = parse("@article{title = {No key}, year = 2000}\n", name="x.bib")
    assert records[0].title == "No key"
    assert records[0].id == "x.bib:1"


def test_written_bibtex_is_read_back_identically() -> None:
    records = read(benchmark("synthesisr-testdata/Scopus_bib_example.bib"))
    again = parse(dumps(records, "bibtex"), name="again.bib")
    assert [r.raw for r in again] == [r.raw for r in records]
    zotero = read(benchmark("asysd/format-fixtures/zotero_export.bib.gz"))
    again = parse(dumps(zotero, "bibtex"), name="again.bib")
    assert [r.raw for r in again] == [r.raw for r in zotero]
    assert [r.fields() for r in again] == [r.fields() for r in zotero]


@given(
    st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\ue000\ue001\ue002\ue003\ue004\ue005\ue006")
    )
)
def test_text_written_to_bibtex_reads_back_as_the_same_text(text: str) -> None:
    """Fields written from another format are LaTeX-escaped (``&``, ``%``, ``_``, braces …) and read back unchanged."""
    from sysreview.records._bibtex import _brace_safe, _latex_escape, latex_to_text

    assert latex_to_text(_brace_safe(_latex_escape(text))) == text


def test_ris_to_bibtex_escapes_latex_specials() -> None:
    record = parse("TY  - JOUR\nID  - r1\nTI  - 50% of A & B_c {x}\nT2  - Psychology & Psychotherapy\nER  -\n",
                   name="x.ris")  # fmt: skip
    text = dumps(record, "bibtex")
    assert r"title = {50\% of A \& B\_c \{x\}}," in text
    assert r"journal = {Psychology \& Psychotherapy}," in text
    again = parse(text, name="x.bib")[0]
    assert (again.title, again.journal) == ("50% of A & B_c {x}", "Psychology & Psychotherapy")
