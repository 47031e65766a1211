"""Regression tests for the rules added for issue 4's recall work: real record pairs copied from the labelled sets
(bib-dedupe-dedup, ASySD diabetes), each rule with a pair it must merge and a near miss it must not."""

from __future__ import annotations

from typing import Any

import pytest

from sysreview.dedup import compare, dedup, features_of
from sysreview.dedup._scoring import author_overlap, conference_match, venue_match, volume_relation
from sysreview.dedup._text import (
    Cues,
    acronym_of,
    conference_venue,
    join_thousands,
    strip_citation,
    strip_notes,
    title_cues,
    title_key,
)
from sysreview.records import Record, journals_match


def decide(first: dict[str, Any], second: dict[str, Any]) -> tuple[str, bool, str]:
    a = features_of(Record(id="a", **first))
    b = features_of(Record(id="b", **second))
    result = compare(a, b)
    reverse = compare(b, a)
    assert (reverse.verdict, reverse.veto) == (result.verdict, result.veto)  # symmetric
    return result.verdict, result.veto, result.reason


# --- conference papers: proceedings named in many ways ----------------------------------------------------------------

# digital_work id_1006906 ~ id_4006907
HICSS = {
    "title": "Vanishing Borders in the Internet Age - The Income Elasticity of the Supply of Foreign Labor in Virtual "
    "versus Physical Markets",
    "authors": ("Gong, Jing", "Hong, Yili", "Zentner, Alejandro"),
    "year": 2018,
    "journal": "Hawaii International Conference on System Sciences",
    "pages": "5156--5164",
    "doi": "10.24251/HICSS.2018.644",
    "type": "inproceedings",
}
HICSS_WOS = {
    **HICSS,
    "title": HICSS["title"].replace(" - ", ": "),
    "journal": "51St Annual Hawaii International Conference On System Sciences (Hicss)",
    "doi": None,
}
# special_cases id_0000001 ~ id_0000002
AMCIS = {
    "title": "How Consumers Perceive Trustworthiness of Providers in Sharing Economy - Effects of Photos and Comments "
    "on Demand at Airbnb",
    "authors": ("Deng, Chaoqun", "Ravichandran, Thiagarajan"),
    "year": 2017,
    "journal": "Americas Conference on Information Systems",
    "type": "inproceedings",
}
AMCIS_OTHER = {
    **AMCIS,
    "title": AMCIS["title"].replace(" - ", ": "),
    "authors": ("Deng, Chaoqun", "Ravichandran, T."),
    "journal": "Amcis 2017 Proceedings",
}


@pytest.mark.parametrize(
    ("venue", "key", "acronyms"),
    [
        ("51St Annual Hawaii International Conference On System Sciences (Hicss)",
         "hawaii international conference system sciences", {"hicss"}),
        ("ICIS - Thirty First International Conference on Information Systems",
         "international conference information systems", {"icis"}),
        ("PROCEEDINGS OF THE SIXTEENTH SYMPOSIUM ON USABLE PRIVACY AND SECURITY (SOUPS )",
         "symposium usable privacy security", {"soups"}),
        ("INTERNATIONAL CONFERENCE ON SERVICE SYSTEMS AND SERVICE MANAGEMENT, VOLS 1-3",
         "international conference service systems service management", set()),
        ("Amcis 2017 Proceedings", "", {"amcis"}),
        ("Stroke", "", set()),  # a one-word journal name is not an acronym
    ],
)  # fmt: skip
def test_conference_venue_drops_edition_year_and_theme(venue: str, key: str, acronyms: set[str]) -> None:
    found = conference_venue(venue)
    assert found.key == key
    assert found.acronyms == acronyms


def test_acronyms_take_the_starts_of_the_words_in_order() -> None:
    assert acronym_of("amcis", ("americas", "conference", "on", "information", "systems"))
    assert acronym_of("hicss", ("hawaii", "international", "conference", "on", "system", "sciences"))
    # every content word must give a letter: ECIS is not the Information Systems *Management* conference
    assert not acronym_of("ecis", ("european", "conference", "on", "information", "systems", "management"))
    assert not acronym_of("icis", ("international", "conference", "on", "intelligent", "systems", "design"))


@pytest.mark.parametrize(("first", "second"), [(HICSS, HICSS_WOS), (AMCIS, AMCIS_OTHER)])
def test_conference_paper_in_differently_named_proceedings_is_a_duplicate(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    assert decide(first, second)[0] == "duplicate"


def test_same_title_at_another_conference_is_not_a_duplicate() -> None:
    ecism = {**HICSS_WOS, "journal": "European Conference on Information Systems Management, ECISM", "pages": None}
    ecis = {**ecism, "journal": "European Conference on Information Systems"}
    a, b = features_of(Record(id="a", **ecis)), features_of(Record(id="b", **ecism))
    assert venue_match(a, b) is False  # a longer conference name is another conference (not a prefix match)
    assert decide(ecis, ecism)[0] != "duplicate"
    icis = {**HICSS_WOS, "journal": "International Conference on Information Systems", "pages": "1--12"}
    assert decide(HICSS, icis)[0] != "duplicate"


# digital_work id_1006650 ~ id_2006651 (ICIS 2017, dated 2018 by the proceedings), id_1006646 ~ id_2006647 (ECIS)
ICIS = {
    "title": "Call for Bids to Improve Matching Efficiency - Evidence from Online Labor Markets",
    "authors": ("Guo, Xue", "Gong, Jing", "Pavlou, Paul A."),
    "year": 2017,
    "journal": "International Conference on Information Systems",
    "pages": "1--12",
    "type": "inproceedings",
}
ICIS_PROCEEDINGS = {
    **ICIS,
    "title": ICIS["title"].replace(" - ", ": "),
    "authors": ("Guo, X.", "Gong, J.", "Pavlou, P."),
    "year": 2018,
    "journal": "ICIS : Transforming Society with Digital Innovation",
    "pages": None,
}
ECIS = {
    "title": "Crowdwork Platforms - Juxtaposing Centralized and Decentralized Governance",
    "authors": ("Gol, Elham Shafiei", "Avital, Michel", "Stein, Mari-Klara"),
    "year": 2019,
    "journal": "European Conference on Information Systems",
    "pages": "1--16",
    "type": "inproceedings",
}
ECIS_PROCEEDINGS = {
    **ECIS,
    "title": "Crowdwork platforms: Juxtaposing centralized and decentralized governance",
    "authors": ("Gol, E.S.", "Avital, M.", "Stein, M.-K."),
    "year": 2020,
    "journal": "European Conference on Information Systems - Information Systems for a Sharing Society, ECIS",
    "pages": None,
}


@pytest.mark.parametrize(("first", "second"), [(ICIS, ICIS_PROCEEDINGS), (ECIS, ECIS_PROCEEDINGS)])
def test_conference_paper_dated_by_conference_and_by_proceedings_is_a_duplicate(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    verdict, _, reason = decide(first, second)
    assert (verdict, reason) == ("duplicate", "same title, authors and conference; conference/proceedings year")


def test_conference_paper_and_its_journal_version_a_year_later_stay_apart() -> None:
    journal = {**ICIS_PROCEEDINGS, "journal": "MIS Quarterly", "type": "article", "volume": "42", "pages": "1-20"}
    verdict, veto, reason = decide(ICIS, journal)
    assert (verdict, veto, reason) == ("distinct", True, "conference and journal")


def test_conference_paper_two_years_later_at_the_same_conference_stays_apart() -> None:
    verdict, veto, _ = decide(ICIS, {**ICIS_PROCEEDINGS, "year": 2019})
    assert (verdict, veto) == ("distinct", True)


# digital_work id_3006855 ~ id_4006854: proceedings named so differently that only the page range relates them
HYRED = {
    "title": "Hyred: Hybrid Job Recommendation System",
    "authors": ("Coelho, Bruno", "Costa, Fernando", "Goncalves, Gil M"),
    "year": 2015,
    "journal": "International Conference on E-Business and Telecommunication Networks",
    "volume": "2",
    "pages": "29--38",
    "doi": "10.5220/0005569200290038",
    "type": "inproceedings",
}
HYRED_WOS = {
    **HYRED,
    "title": "Hyred HYbrid Job REcommenDation System",
    "authors": ("Coelho, Bruno", "Costa, Fernando", "Goncalves, Gil M."),
    "journal": "12TH INTERNATIONAL JOINT CONFERENCE ON E-BUSINESS AND TELECOMMUNICATIONS , VOL 2",
    "volume": None,
    "doi": None,
}


def test_same_page_range_in_differently_named_proceedings_is_a_duplicate() -> None:
    verdict, _, reason = decide(HYRED, HYRED_WOS)
    assert (verdict, reason) == ("duplicate", "same title, authors, year and page range in proceedings")


def test_other_page_range_in_differently_named_proceedings_is_not_a_duplicate() -> None:
    assert decide(HYRED, {**HYRED_WOS, "pages": "112--120"})[0] != "duplicate"


# digital_work id_1006973 ~ id_4006974: one word of the title changed, same proceedings and page range
MORAL = {
    "title": "Moral Hazards and Effects of IT-enabled Monitoring Systems in Online Labor Markets",
    "authors": ("Liang, Chen", "Hong, Yili", "Gu, Bin"),
    "year": 2017,
    "journal": "Hawaii International Conference on System Sciences",
    "pages": "44--53",
    "type": "inproceedings",
}
MORAL_WOS = {
    **MORAL,
    "title": "Moral Hazards and Effects of Enhanced Monitoring Systems in Online Labor Markets",
    "journal": "50Th Annual Hawaii International Conference On System Sciences",
}


def test_similar_title_same_proceedings_and_page_range_is_a_duplicate() -> None:
    verdict, _, reason = decide(MORAL, MORAL_WOS)
    assert (verdict, reason) == ("duplicate", "similar title; same authors, proceedings, year and page range")


def test_similar_title_same_proceedings_other_pages_is_not_a_duplicate() -> None:
    assert decide(MORAL, {**MORAL_WOS, "pages": "54--63"})[0] != "duplicate"


# haematology id_0000167 ~ id_0000168: "Journal. Conference: <congress>" against the congress itself
ECU = {
    "title": "Eculizumab (ECU) therapy for atypical hemolytic uremic syndrome (AHUS) in pediatric patients: Efficacy "
    "and safety outcomes from a retrospective study",
    "authors": ("Gruppo, R.", "Rodig, N.", "Vilalta, R.", "Hernandez, J."),
    "year": 2011,
    "journal": "Journal of Thrombosis and Haemostasis.Conference: 23rd Congress of the International Society on "
    "Thrombosis and Haemostasis 57th Annual SSC Meeting Kyoto Japan.",
    "volume": "9",
    "type": "article",
}
ECU_CONGRESS = {
    **ECU,
    "journal": "23rd Congress of the International Society on Thrombosis and Haemostasis 57th Annual SSC Meeting "
    "Kyoto Japan.",
}


def test_abstract_named_by_journal_and_conference_and_by_conference_alone_is_a_duplicate() -> None:
    a, b = features_of(Record(id="a", **ECU)), features_of(Record(id="b", **ECU_CONGRESS))
    assert conference_match(a, b)
    assert decide(ECU, ECU_CONGRESS)[0] == "duplicate"


def test_same_conference_abstract_printed_by_two_journals_is_not_related_by_the_conference() -> None:
    other = {**ECU, "journal": ECU["journal"].replace("Journal of Thrombosis and Haemostasis", "Blood")}
    a, b = features_of(Record(id="a", **ECU)), features_of(Record(id="b", **other))
    assert not conference_match(a, b)  # neither venue is the conference itself: two journals
    assert decide(ECU, other)[0] != "duplicate"


# --- authors with given name and surname swapped ----------------------------------------------------------------------

# digital_work id_1006604 ~ id_2006605
EDUCATION = {
    "title": '"We Don\'t Need no Education" - Required Abilities in Online Labor Markets',
    "authors": ("Carignani, Andrea", "Negri, Lorenzo"),
    "year": 2010,
    "journal": "International Conference on Information Systems",
    "pages": "1--15",
    "type": "inproceedings",
}
EDUCATION_SWAPPED = {
    **EDUCATION,
    "title": "We don't need no education: Required abilities in online labor markets",
    "authors": ("Andrea, C.", "Lorenzo, N."),
    "journal": "ICIS - Thirty First International Conference on Information Systems",
    "pages": None,
}


def test_swapped_given_name_and_surname_are_the_same_author() -> None:
    a, b = features_of(Record(id="a", **EDUCATION)), features_of(Record(id="b", **EDUCATION_SWAPPED))
    assert author_overlap(a, b) == 1.0
    assert decide(EDUCATION, EDUCATION_SWAPPED)[0] == "duplicate"


def test_crossing_initials_without_a_full_given_name_are_not_the_same_author() -> None:
    # "Lee, K." and "Kim, L." cross initials, but nothing says a database swapped them
    a = features_of(Record(id="a", title="x", authors=("Lee, K.", "Park, J.")))
    b = features_of(Record(id="b", title="x", authors=("Kim, L.", "Choi, P.")))
    assert author_overlap(a, b) == 0.0
    assert (
        decide({**EDUCATION, "authors": ("Lee, K.", "Park, J.")}, {**EDUCATION, "authors": ("Kim, L.", "Choi, P.")})[0]
        != "duplicate"
    )


# --- notices: the same erratum from two databases ---------------------------------------------------------------------

# haematology id_0000057 (Embase citation) ~ id_0000058 (Web of Science citation); id_0000064 is the article
ERRATUM_EMBASE = {
    "title": "Eculizumab for atypical hemolytic-uremic syndrome (New England Journal of Medicine (2009) 360 (542-544))",
    "authors": ("Philipp, T.",),
    "year": 2009,
    "journal": "New England Journal of Medicine.",
    "volume": "360",
    "issue": "23",
    "pages": "2487-2487",
    "type": "article",
}
ERRATUM_WOS = {
    **ERRATUM_EMBASE,
    "title": "Eculizumab for Atypical Hemolytic-Uremic Syndrome (vol 360, pg 542, 2009)",
    "journal": "New England Journal of Medicine",
}
ERRATUM_ARTICLE = {
    "title": "Eculizumab for atypical hemolytic-uremic syndrome.[Erratum appears in N Engl J Med. 2009 Jun 4;360(23)"
    ":2487 Note: Philipp, Thomas [added]]",
    "authors": ("Nurnberger, J.", "Philipp, T.", "Witzke, O."),
    "year": 2009,
    "journal": "New England Journal of Medicine",
    "volume": "360",
    "issue": "5",
    "pages": "542-544",
    "type": "article",
}


def test_citation_of_the_article_is_cut_from_a_notice_title() -> None:
    assert strip_citation(ERRATUM_WOS["title"]) == "Eculizumab for Atypical Hemolytic-Uremic Syndrome"
    assert strip_citation(ERRATUM_EMBASE["title"]) == "Eculizumab for atypical hemolytic-uremic syndrome"
    # a bracket inside the title is no citation
    assert strip_citation("Deficiency of protease (ADAMTS 13) activity in children") == (
        "Deficiency of protease (ADAMTS 13) activity in children"
    )


def test_same_erratum_with_either_database_citation_is_a_duplicate() -> None:
    assert decide(ERRATUM_EMBASE, ERRATUM_WOS)[0] == "duplicate"


@pytest.mark.parametrize("erratum", [ERRATUM_EMBASE, ERRATUM_WOS])
def test_erratum_with_a_citation_is_linked_to_its_article_never_merged(erratum: dict[str, Any]) -> None:
    verdict, veto, reason = decide(erratum, ERRATUM_ARTICLE)
    assert (verdict, veto, reason) == ("linked", True, "erratum notice and the article it concerns")


def test_errata_of_the_article_in_different_issues_are_not_duplicates() -> None:
    later = {**ERRATUM_WOS, "issue": "25", "pages": "2690-2690"}
    assert decide(ERRATUM_EMBASE, later)[0] != "duplicate"


# --- numbers with thousands separators --------------------------------------------------------------------------------

# cytology_screening id_0001239 ~ id_0001240
COSTA_RICA = {
    "title": "Description of a seven-year prospective study of human papillomavirus infection and cervical neoplasia "
    "among 10 000 women in Guanacaste, Costa Rica",
    "authors": ("Bratti, M C", "Rodriguez, A C", "Schiffman, M", "Hildesheim, A"),
    "year": 2004,
    "journal": "Revista Panamericana de Salud Publica/Pan American Journal of Public Health",
    "volume": "15",
    "pages": "75-89",
    "type": "article",
}


def test_thousands_separators_are_one_number() -> None:
    assert join_thousands("among 10 000 women") == join_thousands("among 10,000 women") == "among 10000 women"
    assert join_thousands("aged 1, 234 and 5 6") == "aged 1, 234 and 5 6"  # a list, not a number
    assert title_key("among 10\u202f000 women") == "among 10000 women"


def test_same_title_with_and_without_thousands_separator_is_a_duplicate() -> None:
    other = {**COSTA_RICA, "title": COSTA_RICA["title"].replace("10 000", "10000") + ",",
             "journal": "Pan American Journal of Public Health"}  # fmt: skip
    assert decide(COSTA_RICA, other)[0] == "duplicate"


def test_other_number_of_thousands_is_still_another_study() -> None:
    other = {**COSTA_RICA, "title": COSTA_RICA["title"].replace("10 000", "20 000")}
    verdict, veto, reason = decide(COSTA_RICA, other)
    assert (verdict, veto) == ("distinct", True)
    assert "different numbers" in reason


# --- cells shifted one place, supplement numbers in the volume --------------------------------------------------------

# haematology id_0000105 ~ id_0000106
LOIRAT = {
    "title": "The treatment of atypical hus",
    "authors": ("Loirat, C.",),
    "year": 2011,
    "journal": "Pediatric Nephrology.Conference: 44th Annual Scientific Meeting of the European Society for "
    "Paediatric Nephrology Cavtat, Dubrovnik Croatia.",
    "volume": "26",
    "issue": "9",
    "pages": "1746-1746",
    "type": "article",
}


def test_record_with_cells_shifted_one_place_is_a_duplicate() -> None:
    shifted = {**LOIRAT, "volume": None, "issue": "26", "pages": "9"}
    assert decide(LOIRAT, shifted)[0] == "duplicate"


def test_other_volume_and_pages_without_a_shift_stay_apart() -> None:
    other = {**LOIRAT, "volume": None, "issue": "27", "pages": "9"}  # the issue is not the other's volume
    assert decide(LOIRAT, other)[0] != "duplicate"
    verdict, veto, _ = decide(LOIRAT, {**LOIRAT, "volume": "27", "issue": "9", "pages": "12-12"})
    assert (verdict, veto) == ("distinct", True)


# ASySD diabetes record_id 1237 ~ 1560 (authors split from ASySD's joined form)
INCRETIN = {
    "title": "The effects of incretin on artery lesions in a model of atherosclerosis in apolipoprotein E-deficient "
    "mice",
    "authors": ("Chen R.Wang J.Yan C.Wang Y.Liang L.",),
    "year": 2014,
    "journal": "Diabetes/Metabolism Research and Reviews",
    "volume": "30",
    "issue": "SUPPL. 3",
    "pages": "52",
    "doi": "10.1002/dmrr.2604",
}


def test_supplement_number_in_the_volume_field_is_no_conflict() -> None:
    verdict, veto, _ = decide(INCRETIN, {**INCRETIN, "volume": "3", "issue": None, "doi": None})
    assert (verdict, veto) == ("duplicate", False)


def test_volume_three_against_volume_thirty_without_a_supplement_is_a_conflict() -> None:
    verdict, veto, reason = decide(
        {**INCRETIN, "issue": "4", "pages": "52-60", "doi": None}, {**INCRETIN, "volume": "3", "issue": "4",
                                                                     "pages": "101-110", "doi": None}
    )  # fmt: skip
    assert (verdict, veto, reason) == ("distinct", True, "different volume and pages")


# --- translated titles: same authors, journal, volume and page range --------------------------------------------------

# respiratory id_0000088 ~ id_0000089 (English against MEDLINE's translation of the French title)
TRAIN = {
    "title": "Antibiotic prophylaxis in pulmonary surgery. A controlled double- blind study of amoxicillin versus "
    "cefamandole",
    "authors": ("Train, M.", "Soulard, D.", "Bouyer, L.", "Bizouarn, P.", "Blanloeil, Y."),
    "year": 1994,
    "journal": "Ann Fr Anesth Reanim",
    "volume": "13",
    "issue": "65",
    "pages": "280-284",
    "type": "article",
}
TRAIN_MEDLINE = {
    **TRAIN,
    "title": "[Comparison of amoxicillin and cefamandole in the prevention of bronchopulmonary infections in "
    "pulmonary surgery. A randomized double-blind study]",
    "journal": "Annales Francaises d Anesthesie et de Reanimation",
    "issue": "266",
}


def test_french_journal_abbreviation_drops_elided_articles() -> None:
    assert journals_match("Ann Fr Anesth Reanim", "Annales Francaises d'Anesthesie et de Reanimation")
    assert not journals_match("Ann Fr Anesth Reanim", "Annales Francaises de Chirurgie et de Reanimation")


def test_translated_title_with_same_authors_journal_volume_and_page_range_is_a_duplicate() -> None:
    verdict, _, reason = decide(TRAIN, TRAIN_MEDLINE)
    assert (verdict, reason) == (
        "duplicate",
        "same authors, journal, volume and page range; titles differ (translation)",
    )


@pytest.mark.parametrize(
    ("change", "other_change"),
    [
        ({"authors": ("Train, M.",)}, {"authors": ("Train, M.",)}),  # one author: a letter and a reply
        ({"pages": "280-280"}, {"pages": "280-280"}),  # one page
        ({}, {"pages": "290-294"}),  # other pages
        ({}, {"volume": "14"}),  # other volume
    ],
)
def test_different_title_without_full_bibliographic_agreement_is_not_a_duplicate(
    change: dict[str, Any], other_change: dict[str, Any]
) -> None:
    assert decide({**TRAIN, **change}, {**TRAIN_MEDLINE, **other_change})[0] != "duplicate"


# --- a short main title against the full title ------------------------------------------------------------------------

# digital_work id_2005313 ~ id_4005312
WILD = {
    "title": "Infrastructure in the wild: What mapping in post-earthquake Nepal reveals about infrastructural "
    "emergence",
    "authors": ("Soden, R.", "Palen, L."),
    "year": 2016,
    "journal": "Proceedings of the 2016 CHI Conference on Human Factors in Computing Systems",
    "pages": "2796--2807",
    "type": "inproceedings",
}
WILD_SHORT = {
    **WILD,
    "title": "Infrastructure in the Wild",
    "authors": ("Soden, Robert", "Palen, Leysia"),
    "doi": "10.1145/2858036.2858545",
}


def test_short_main_title_with_same_venue_year_and_page_range_is_a_duplicate() -> None:
    verdict, _, reason = decide(WILD, WILD_SHORT)
    assert (verdict, reason) == ("duplicate", "title without subtitle; same authors, venue, year and page range")


def test_short_main_title_on_other_pages_is_not_a_duplicate() -> None:
    assert decide(WILD, {**WILD_SHORT, "pages": "1--4"})[0] != "duplicate"


# --- the whole pipeline on a small mixed set --------------------------------------------------------------------------


def test_dedup_groups_the_real_pairs_and_keeps_notices_and_near_misses_apart() -> None:
    rows = {
        "hicss": HICSS,
        "hicss-wos": HICSS_WOS,
        "icis": ICIS,
        "icis-proc": ICIS_PROCEEDINGS,
        "icis-journal": {**ICIS_PROCEEDINGS, "journal": "MIS Quarterly", "type": "article", "volume": "42"},
        "erratum-embase": ERRATUM_EMBASE,
        "erratum-wos": ERRATUM_WOS,
        "article": ERRATUM_ARTICLE,
        "train": TRAIN,
        "train-medline": TRAIN_MEDLINE,
    }
    result = dedup([Record(id=key, **fields) for key, fields in rows.items()])
    assert result.partition() == frozenset(
        {
            frozenset({"hicss", "hicss-wos"}),
            frozenset({"icis", "icis-proc"}),
            frozenset({"icis-journal"}),
            frozenset({"erratum-embase", "erratum-wos"}),
            frozenset({"article"}),
            frozenset({"train", "train-medline"}),
        }
    )
    assert {(p.record_id, p.other_id) for p in result.links} == {
        ("article", "erratum-embase"),
        ("article", "erratum-wos"),
    }


# --- protocol publications: only the forms that mark a protocol publication ------------------------------------------

# respiratory id_0000611 ~ id_0000612: a results paper whose title names the hospital's "treatment protocol"
ESSEN = {
    "title": "[Neoadjuvant chemotherapy and chemoradiotherapy in locally advanced stage IIIA and IIIB of "
    "non-small-cell bronchial carcinoma (the Essen concept)] <ORIGINAL> NEOADJUVANTE CHEMOTHERAPIE UND CHEMORADIOT",
    "authors": ("Eberhardt, W.",),
    "year": 1997,
    "journal": "Schweizerische Rundschau fur Medizin Praxis = Revue suisse de medecine Praxis",
    "volume": "86",
    "issue": "1012",
    "pages": "1647-1653",
    "type": "article",
}
ESSEN_TREATMENT_PROTOCOL = {
    **ESSEN,
    "title": "Neoadjuvant chemotherapy and chemoradiotherapy in locally advanced stages IIIA and IIIB of non-small "
    "cell lung cancer (treatment protocol of Essen University Hospital). <ORIGINAL> NEOADJUVANTE CHEMOTH",
    "journal": "Schweizerische Rundschau Fur Medizin/Praxis",
    "issue": "1013",
}
# stroke id_0000372 (a trial protocol publication, BMC Neurology 11:129)
DEPAUL_PROTOCOL = {
    "title": "Varied overground walking-task practice versus body-weight-supported treadmill training in ambulatory "
    "adults within one year of stroke: a randomized controlled trial protocol",
    "authors": ("DePaul, V. G.", "Wishart, L. R.", "Richardson, J.", "Lee, T. D.", "Thabane, L."),
    "year": 2011,
    "journal": "BMC neurology",
    "volume": "11",
    "pages": "129",
    "type": "article",
}


@pytest.mark.parametrize(
    ("title", "protocol"),
    [
        # protocol publications (stroke id_0000045, id_0000109, id_0000372, id_0000464, id_0000562, id_0000875,
        # id_0001004, id_0001013; a Cochrane protocol)
        (("The effectiveness of problem solving therapy for stroke patients: Study protocol for a pragmatic randomized "
         "controlled trial"), True),
        (("Feedback interventions for improving self-awareness after brain injury: a protocol for a pragmatic "
         "randomised controlled trial"), True),
        (DEPAUL_PROTOCOL["title"], True),
        (("A randomized controlled trial on errorless learning in goal management training: Study rationale and "
         "protocol"), True),
        (("Randomized control trial of computer-based rehabilitation of spatial neglect syndrome: The RESPONSE trial "
         "protocol"), True),
        (("Cerebral oxygen desaturation monitored by intraoperative near-infrared spectroscopy, and incidence of "
         "post-operative cognitive dysfunction: A systematic review protocol"), True),
        ("Protocol for the ProFHER (PROximal fracture of the humerus: Evaluation by randomisation) trial", True),
        ("Study of the educational needs of patients having suffered a right hemispheric stroke: Protocol testing",
         True),
        (("Effects of sitagliptin on coronary atherosclerosis in patients with type 2 diabetes: rationale and design "
         "of the TRUST study"), True),
        ("Exercise for depression (Protocol)", True),
        # results papers that name a protocol (respiratory id_0000612, id_0000573, id_0001931; cytology id_0001096;
        # stroke id_0000597; digital_work id_1003041)
        (ESSEN_TREATMENT_PROTOCOL["title"], False),
        (("Experience with an evidence-based protocol using fibrinolysis as first line treatment for empyema in "
         "children"), False),
        (("AIDA 0493 protocol for newly diagnosed acute promyelocytic leukemia: Very long-term results and role of "
         "maintenance"), False),
        (("Dynamics of human papillomavirus infection between biopsy and excision of cervical intraepithelial "
         "neoplasia: results from the ZYC101a protocol"), False),
        ("Traumatic brain injury rehabilitation: QEEG biofeedback treatment protocols", False),
        (("Understanding the Role of IS and Application Domain Knowledge on Conceptual Schema Problem Solving - A "
         "Verbal Protocol Study"), False),
    ],
)  # fmt: skip
def test_protocol_cue_marks_protocol_publications_only(title: str, protocol: bool) -> None:
    assert (Cues.PROTOCOL in title_cues(title)[0]) is protocol


def test_results_paper_naming_a_treatment_protocol_is_a_duplicate_of_its_translation() -> None:
    verdict, _, reason = decide(ESSEN, ESSEN_TREATMENT_PROTOCOL)
    assert (verdict, reason) == (
        "duplicate",
        "same authors, journal, volume and page range; titles differ (translation)",
    )


@pytest.mark.parametrize(
    "results",
    [
        {**DEPAUL_PROTOCOL, "title": DEPAUL_PROTOCOL["title"].replace(" protocol", "")},
        {**DEPAUL_PROTOCOL, "title": DEPAUL_PROTOCOL["title"].replace(": a randomized controlled trial protocol", "")},
    ],
)
def test_trial_protocol_and_its_results_paper_stay_apart(results: dict[str, Any]) -> None:
    verdict, veto, reason = decide(DEPAUL_PROTOCOL, results)
    assert (verdict, veto, reason) == ("distinct", True, "protocol and report of the study")


def test_cochrane_protocol_entry_type_is_a_protocol() -> None:
    review = {"title": "Medically assisted hydration for palliative care patients", "year": 2008,
              "authors": ("Good, P.", "Cavenagh, J.", "Mather, M.", "Ravenscroft, P."),
              "journal": "Cochrane Database of Systematic Reviews", "pages": "CD006273"}  # fmt: skip
    verdict, veto, _reason = decide({**review, "type": "Protocol"}, {**review, "type": "Review"})
    assert (verdict, veto) == ("distinct", True)


# --- the year in the volume field; a column heading before the title -------------------------------------------------

# digital_work id_2002950 ~ id_4002951
HBR = {
    "title": "Upwork’s CEO on how an introverted engineer learned to lead",
    "authors": ("Kasriel, S.",),
    "year": 2016,
    "journal": "Harvard Business Review",
    "volume": "2016",
    "issue": "May",
    "type": "article",
}
HBR_COLUMN = {
    **HBR,
    "title": "How did it ... Upwork's CEO on how an introverted engineer learned to lead",
    "authors": ("Kasriel, Stephane",),
    "volume": "94",
    "issue": "5",
    "pages": "35+",
}


def test_year_in_the_volume_field_and_a_column_heading_before_the_title_are_a_duplicate() -> None:
    a, b = features_of(Record(id="a", **HBR)), features_of(Record(id="b", **HBR_COLUMN))
    assert volume_relation(a, b) is None
    assert title_key(HBR["title"]) in b.titles
    assert decide(HBR, HBR_COLUMN)[:2] == ("duplicate", False)


def test_volume_that_is_not_the_year_still_conflicts() -> None:
    assert decide({**HBR, "volume": "2014"}, HBR_COLUMN)[0] != "duplicate"  # not the record's year ±1
    # in two journals a year-numbered volume (Hindawi's) is a real difference (diabetes id_0000095 ~ id_0001635)
    hindawi = features_of(Record(id="a", title="x", year=2016, journal="Mediators Inflamm", volume="2016"))
    other = features_of(Record(id="b", title="x", year=2016, journal="Diabetes/Metabolism Research and Reviews",
                               volume="32"))  # fmt: skip
    assert volume_relation(hindawi, other) is False


@pytest.mark.parametrize(
    "title",
    [
        # a citation after the ellipsis (stroke id_0001109), a heading of four words or more, a lower-case rest
        "Rehabilitation with a mirror... Yavuzer G, Selles R, Sezer N, et al. Mirror therapy improves hand function",
        "Houston, we've had a problem...... offshoring, IS employment and the IS discipline",
        "What is it all about... Upwork's CEO on how an introverted engineer learned to lead",
        "'Stand still ... , and move on', a new early intervention service for cardiac arrest survivors",
    ],
)
def test_ellipsis_without_a_short_heading_before_it_gives_no_other_title(title: str) -> None:
    assert features_of(Record(id="a", title=title)).titles == (title_key(title),)


# --- an erratum printed under the article's own title -----------------------------------------------------------------

# haematology id_0000052, id_0000117 (the article) and id_0000807 (9(9):2205, one page under the same title)
TRANSPLANT = {
    "title": "Anti-Factor H Autoantibodies in a Fifth Renal Transplant Recipient with Atypical Hemolytic and Uremic "
    "Syndrome",
    "authors": ("Quintrec, M.", "Zuber, J.", "Noel, L. H.", "Thervet, E.", "Fremeaux-Bacchi, V.", "Fridman, W. H.",
                "Legendre, C.", "Dragon-Durey, M. A."),
    "year": 2009,
    "journal": "American Journal of Transplantation",
    "volume": "9",
    "issue": "5",
    "pages": "1223-1229",
    "type": "article",
}  # fmt: skip
TRANSPLANT_MEDLINE = {
    **TRANSPLANT,
    "title": "Anti-Factor H autoantibodies in a fifth renal transplant recipient with atypical hemolytic and uremic "
    "syndrome.[Erratum appears in Am J Transplant. 2009 Sep;9(9):2205 Note: Niauif, P [added]].[Erratum",
}
TRANSPLANT_ERRATUM = {
    **TRANSPLANT,
    "title": TRANSPLANT["title"] + ".",
    "authors": ("Le Quintrec, M.", "Zuber, J.", "Noel, L. H.", "Thervet, E.", "Fremeaux-Bacchi, V.", "Niauif, P.",
                "Fridman, W. H.", "Legendre, C.", "Dragon-Durey, M. A."),
    "issue": "9",
    "pages": "2205-2205",
}  # fmt: skip
# haematology id_0000128 (a congress abstract, 25(9):1875) ~ id_0000129 (the full paper, 25(12):2539-2542)
KOEHL = {
    "title": "Neurological involvement in a child with atypical hemolytic uremic syndrome",
    "authors": ("Koehl, B.", "Boyer, O.", "Biebuyck-Gouge, N.", "Kossorotoff, M.", "Fremeaux-Bacchi, V.",
                "Boddaert, N.", "Niaudet, P."),
    "year": 2010,
    "journal": "Pediatric Nephrology",
    "volume": "25",
    "issue": "12",
    "pages": "2539-2542",
    "type": "article",
}  # fmt: skip
KOEHL_ABSTRACT = {**KOEHL, "issue": "9", "pages": "1875-1875"}


def test_a_cut_short_note_after_a_note_is_cut_from_the_title() -> None:
    assert strip_notes(TRANSPLANT_MEDLINE["title"]) == TRANSPLANT["title"].replace("Syndrome", "syndrome.").replace(
        "Anti-Factor H Autoantibodies in a Fifth Renal Transplant Recipient with Atypical Hemolytic and Uremic",
        "Anti-Factor H autoantibodies in a fifth renal transplant recipient with atypical hemolytic and uremic",
    )


@pytest.mark.parametrize("article", [TRANSPLANT, TRANSPLANT_MEDLINE])
def test_one_page_under_the_article_title_later_in_the_volume_is_a_linked_erratum(article: dict[str, Any]) -> None:
    verdict, veto, reason = decide(article, TRANSPLANT_ERRATUM)
    assert (verdict, veto) == ("linked", True)
    assert "probable erratum" in reason
    result = dedup([Record(id="article", **article), Record(id="erratum", **TRANSPLANT_ERRATUM)])
    assert result.partition() == frozenset({frozenset({"article"}), frozenset({"erratum"})})
    assert [(p.record_id, p.other_id, p.relation) for p in result.links] == [("article", "erratum", "erratum")]
    assert "erratum notice concerning article" in result.reasons[1]
    assert "has a linked erratum notice erratum" in result.reasons[0]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (KOEHL_ABSTRACT, KOEHL),  # the one-page item is in an earlier issue: a congress abstract, queued
        (TRANSPLANT_ERRATUM, {**TRANSPLANT_ERRATUM, "issue": "11", "pages": "2647-2647"}),  # two errata: no article
        (TRANSPLANT, {**TRANSPLANT_ERRATUM, "issue": "4"}),  # an earlier issue
        (TRANSPLANT, {**TRANSPLANT_ERRATUM, "volume": "10", "issue": "2"}),  # another volume
        (TRANSPLANT, {**TRANSPLANT_ERRATUM, "authors": ("Smith, A.", "Jones, B.")}),  # other authors: a letter
    ],
)
def test_one_page_item_without_every_erratum_cue_is_not_linked_nor_merged(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    assert decide(first, second)[0] not in {"linked", "duplicate"}


# --- queued, not dropped: a retitled letter, a translated title without authors -------------------------------------

# haematology id_0000818 ~ id_0000819 (N Engl J Med 2011, the second record without volume and pages)
SHIGA = {
    "title": "Eculizumab in severe Shiga-toxin-associated HUS",
    "authors": ("Lapeyraque, A. L.", "Malina, M.", "Fremeaux-Bacchi, V.", "Boppel, T.", "Kirschfink, M.",
                "Oualha, M.", "Proulx, F.", "Clermont, M. J.", "Le, Deist F.", "Niaudet, P.", "Schaefer, F."),
    "year": 2011,
    "journal": "New England Journal of Medicine",
    "volume": "364",
    "issue": "26",
    "pages": "2561-2563",
    "type": "article",
}  # fmt: skip
SHIGA_RETITLED = {
    "title": "Complement Blockade in Severe Shiga-Toxin–Associated HUS",
    "authors": ("Lapeyraque, AL", "Malina, M", "Fremeaux-Bacchi, V", "Boppel, T", "Kirschfink, M"),
    "year": 2011,
    "journal": "New Engl J Med",
    "type": "article",
}
# respiratory id_0000091 ~ id_0000799 (Dtsch Med Wochenschr 1984;109:935-940, the second record without authors)
TOOMES = {
    "title": "[Postoperative immunostimulation in non-small-cell bronchial carcinoma. Outcome and complications]",
    "authors": ("Toomes, H.",),
    "year": 1984,
    "journal": "Deutsche Medizinische Wochenschrift",
    "volume": "109",
    "issue": "1347",
    "pages": "935-940",
    "type": "article",
}
TOOMES_NO_AUTHORS = {
    **TOOMES,
    "title": "Postoperative local immunostimulation in non-oatcell bronchial carcinoma",
    "authors": (),
    "journal": "Dtsch-Med-Wochenschr",
    "issue": "1351",
}


def test_retitled_item_with_the_same_authors_journal_and_year_is_queued() -> None:
    assert decide(SHIGA, SHIGA_RETITLED)[:2] == ("uncertain", False)


@pytest.mark.parametrize(
    "other",
    [
        {**SHIGA_RETITLED, "authors": ("Lapeyraque, AL", "Malina, M", "Smith, A", "Jones, B", "Brown, C")},
        {**SHIGA_RETITLED, "year": 2010},
        {**SHIGA_RETITLED, "journal": "Lancet"},
        {**SHIGA_RETITLED, "volume": "365"},
    ],
)
def test_retitled_item_without_same_authors_journal_year_and_volume_is_not_queued(other: dict[str, Any]) -> None:
    assert decide(SHIGA, other)[0] == "distinct"


def test_translated_title_without_authors_on_the_same_pages_is_queued() -> None:
    assert decide(TOOMES, TOOMES_NO_AUTHORS)[:2] == ("uncertain", False)


@pytest.mark.parametrize("change", [{"pages": "941-944"}, {"volume": "110"}, {"pages": "935-935"}, {"year": 1985}])
def test_translated_title_without_authors_and_other_bibliographic_fields_is_not_queued(
    change: dict[str, Any],
) -> None:
    assert decide(TOOMES, {**TOOMES_NO_AUTHORS, **change})[0] == "distinct"
