"""Normal forms for matching: DOI, PMID, ISSN, pages, names, titles, journals, languages, types."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysreview.records import (
    Record,
    fold_text,
    journals_match,
    normalize_author,
    normalize_doi,
    normalize_issn,
    normalize_journal,
    normalize_language,
    normalize_pages,
    normalize_pmid,
    normalize_title,
    normalize_type,
    start_page,
    strip_title_flags,
)


@pytest.mark.parametrize(
    "value",
    [
        "10.1002/cpp.2398",
        "10.1002/CPP.2398",
        "doi:10.1002/cpp.2398",
        "DOI: 10.1002/cpp.2398.",
        "https://doi.org/10.1002/cpp.2398",
        "http://dx.doi.org/10.1002/cpp.2398",
        "10.1002/cpp.2398 [doi]",
        "https://www.scopus.com/record.uri?eid=2-s2.0-1&doi=10.1002%2fcpp.2398&partnerID=40",
        "http://sfx.example.org/?sid=EMBASE&id=doi:10.1002%2FCPP.2398&atitle=x",
        "(see 10.1002/cpp.2398)",
    ],
)
def test_doi_forms(value: str) -> None:
    assert normalize_doi(value) == "10.1002/cpp.2398"


def test_doi_edge_cases() -> None:
    assert (
        normalize_doi("10.1892/0891-6640(2006)20[894:HDAACO]2.0.CO;2")
        == "10.1892/0891-6640(2006)20[894:hdaaco]2.0.co;2"
    )
    assert normalize_doi("10.1016/S0002-9440(10)63182-3") == "10.1016/s0002-9440(10)63182-3"
    assert normalize_doi("DOI 1") is None
    assert normalize_doi("10.3") is None
    assert normalize_doi("10.1000/.") is None
    assert normalize_doi("") is None
    sici = "10.1002/(SICI)1097-0258(19980430)17:8&lt;857::AID-SIM777&gt;3.0.CO;2-E"
    assert normalize_doi(sici) == "10.1002/(sici)1097-0258(19980430)17:8<857::aid-sim777>3.0.co;2-e"
    assert normalize_doi('<a href="x">10.1000/xyz</a>') == "10.1000/xyz"


def test_pmid_forms() -> None:
    assert normalize_pmid("21553931") == "21553931"
    assert normalize_pmid("PMID: 021553931") == "21553931"
    assert normalize_pmid("https://pubmed.ncbi.nlm.nih.gov/33245809/") == "33245809"
    assert normalize_pmid("33245809 [pubmed]") == "33245809"
    assert normalize_pmid("L373791783") is None


def test_issn_forms() -> None:
    assert normalize_issn("0964-6906 (Print)0964-6906") == ("0964-6906",)
    assert normalize_issn("15231739\n08888892") == ("1523-1739", "0888-8892")
    assert normalize_issn("2211-369x") == ("2211-369X",)
    assert normalize_issn("1234-5678") == ()  # wrong check digit
    assert normalize_issn("978-3-030-58167-1") == ()  # an ISBN


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("123-9", "123-129"),
        ("123-129", "123-129"),
        ("1535-41", "1535-1541"),
        ("1645--1654", "1645-1654"),
        ("221–8", "221-228"),
        ("e16881", "e16881"),
        ("S12-S15", "s12-s15"),
        ("S12-5", "s12-s15"),
        ("349 - 69", "349-369"),
        ("334-334", "334"),
        ("No-Specified", None),
        ("", None),
    ],
)
def test_pages(value: str, expected: str | None) -> None:
    assert normalize_pages(value) == expected


def test_start_page() -> None:
    assert start_page("1535-41") == "1535"
    assert start_page(None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("van de Schoot, Rens", "van de schoot r"),
        ("Liu R.", "liu r"),
        ("Eloubeidi M.A.", "eloubeidi ma"),
        ("McGuinness LA", "mcguinness la"),
        ("McGuinness, Luke A", "mcguinness la"),
        ("Luke A. McGuinness", "mcguinness la"),
        ("Jean-Pierre Dupont", "dupont jp"),
        ("Dupont, J.-P.", "dupont jp"),
        ("Rodríguez-Pastor, Ruth", "rodriguez pastor r"),
        ("Häggström, Jens", "haggstrom j"),
        ("Ludwig van Beethoven", "van beethoven l"),
        ("Smith, John, Jr.", "smith j"),
        ("Stillman, Andrew N. (andrew.stillman@uconn.edu)", "stillman an"),
        ("XU Ya-qiong", "xu yq"),
        ("Wenjie JIANG", "jiang w"),
        ("张三", "张三"),
        ("World Health Organization", "organization wh"),  # corporate names have no right answer
    ],
)
def test_author_forms(value: str, expected: str) -> None:
    assert normalize_author(value) == expected


def test_title_key_unifies_the_forms_databases_write() -> None:
    forms = [
        "Effect of acupuncture on chronic pain: a randomized controlled trial",
        "[Effect of acupuncture on chronic pain: a randomized controlled trial].",  # MEDLINE translated title
        "Effect of acupuncture on chronic pain: a randomized controlled trial. [Chinese]",  # Ovid/Embase flag
        "Effect of acupuncture on chronic pain: a randomized controlled trial [Article in Chinese]",
        "EFFECT OF ACUPUNCTURE ON CHRONIC PAIN - A RANDOMIZED CONTROLLED TRIAL (Review)",
        "Effect of acupuncture on chronic pain: a randomized&nbsp;controlled trial",
        "Effect of <i>acupuncture</i> on chronic pain: a randomized controlled trial",
    ]
    keys = {normalize_title(form) for form in forms}
    assert keys == {"effect of acupuncture on chronic pain a randomized controlled trial"}


def test_title_greek_letters_unicode_and_entities() -> None:
    assert normalize_title("TNF-α and &beta;-amyloid in µ-opioid") == "tnf alpha and beta amyloid in mu opioid"
    assert normalize_title("TNF-alpha and beta-amyloid in mu-opioid") == "tnf alpha and beta amyloid in mu opioid"
    assert normalize_title("Ångström ﬁbre Œdème straße") == "angstrom fibre oedeme strasse"
    assert (
        normalize_title("2ZGK-6 型可调宽窄行高速水稻插秧机设计与试验.") == "2zgk 6 型可调宽窄行高速水稻插秧机设计与试验"
    )
    assert strip_title_flags("Brackets [in the middle] stay") == "Brackets [in the middle] stay"
    assert normalize_title(None) == ""


def test_journal_names_and_abbreviations() -> None:
    assert normalize_journal("The Journal of Veterinary Internal Medicine") == "journal of veterinary internal medicine"
    assert normalize_journal("Medicine (Baltimore)") == "medicine"
    assert normalize_journal("Conservation biology : the journal of the Society for Conservation Biology") == (
        "conservation biology"
    )
    assert normalize_journal("Agriculture, Ecosystems & Environment") == "agriculture ecosystems and environment"
    assert journals_match("J Vet Intern Med", "Journal of veterinary internal medicine")
    assert journals_match("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences U S A")
    assert journals_match("Adv. Electr. Electron. Eng.", "Advances in Electrical and Electronic Engineering")
    assert journals_match("Clin Pharmacokinet", "CLINICAL PHARMACOKINETICS")
    assert not journals_match("J Vet Intern Med", "Journal of Veterinary Emergency and Critical Care")
    assert not journals_match("Gut", "Gastroenterology")
    assert not journals_match("", "Gut")
    # ISO 4 drops articles and conjunctions in every language, the elided French "d'" too
    assert journals_match("Ann Fr Anesth Reanim", "Annales Francaises d'Anesthesie et de Reanimation")
    assert journals_match("Schweiz Rundsch Med Prax", "Schweizerische Rundschau fur Medizin Praxis")
    assert not journals_match("Ann Fr Anesth Reanim", "Annales Francaises de Chirurgie et de Reanimation")


def test_language_and_type() -> None:
    assert [normalize_language(v) for v in ("English", "eng", "EN", "中文", "chi", "Chinese; English", "Klingon")] == [
        "en",
        "en",
        "en",
        "zh",
        "zh",
        "zh",
        "klingon",
    ]
    assert normalize_language("") is None
    assert [normalize_type(v) for v in ("JOUR", "Journal Article", "journalArticle", "CHAP", "inproceedings", "J")] == [
        "article",
        "article",
        "article",
        "chapter",
        "conference",
        "article",
    ]
    assert normalize_type("XYZ") == "other"
    assert normalize_type("  ") is None


def test_record_normalized_view() -> None:
    record = Record(
        id="r1",
        title="[Acupuncture for pain].",
        authors=("Smith, John", "Doe JA"),
        journal="J Pain",
        pages="123-9",
        doi="https://doi.org/10.1000/ABC",
        pmid="PMID: 123",
        issn=("0964-6906 (Print)",),
        volume="12 Suppl 1",
        language="Chinese",
        type="JOUR",
    )
    view = record.normalized
    assert view.title == "acupuncture for pain"
    assert view.authors == ("smith j", "doe ja")
    assert view.first_author == "smith j"
    assert (view.pages, view.start_page, view.doi, view.pmid) == ("123-129", "123", "10.1000/abc", "123")
    assert (view.issn, view.volume, view.language, view.type) == (("0964-6906",), "12", "zh", "article")
    assert view.to_dict()["journal"] == "j pain"


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(_TEXT)
def test_folding_is_idempotent(value: str) -> None:
    assert fold_text(fold_text(value)) == fold_text(value)
    assert normalize_title(normalize_title(value)) == normalize_title(value)


@given(st.integers(1, 99999), st.integers(0, 999))
def test_abbreviated_last_pages_are_written_out(first: int, span: int) -> None:
    last = first + span
    # the shortest ending of the last page that, put after the first page's leading digits, gives the last page
    start, end = str(first), str(last)
    short = next(
        (
            end[-k:]
            for k in range(1, len(end) + 1)
            if len(start) == len(end) and start[: len(start) - k] + end[-k:] == end
        ),
        end,
    )
    assert normalize_pages(f"{first}-{short}") == (f"{first}-{last}" if span else str(first))


@given(st.from_regex(r"10\.[0-9]{4,6}/[a-zA-Z0-9._()-]{0,19}[a-zA-Z0-9]", fullmatch=True))
def test_doi_normal_form_is_stable(doi: str) -> None:
    normal = normalize_doi(doi)
    assert normal is not None
    assert normalize_doi(normal) == normal
    assert normalize_doi(f"https://doi.org/{doi}") == normal
