"""Pair decisions: vetoes for near misses, duplicates across database formatting differences."""

from __future__ import annotations

from typing import Any

import pytest

from sysreview.dedup import compare, features_of
from sysreview.records import Record

ARTICLE: dict[str, Any] = {
    "title": "Effect of early mobilisation on functional recovery after hip fracture: a randomised controlled trial",
    "authors": ("Smith, John A.", "Wang, Wei", "Müller, Hans"),
    "year": 2015,
    "journal": "Journal of Bone and Mineral Research",
    "volume": "30",
    "issue": "4",
    "pages": "1234-1239",
    "doi": "10.1002/jbmr.2345",
    "type": "JOUR",
}


def decide(first: dict[str, Any], second: dict[str, Any]) -> tuple[str, bool, str]:
    a = features_of(Record(id="a", **first))
    b = features_of(Record(id="b", **second))
    result = compare(a, b)
    assert compare(b, a).verdict == result.verdict  # symmetric
    return result.verdict, result.veto, result.reason


def variant(**changes: Any) -> dict[str, Any]:
    return {**ARTICLE, **changes}


@pytest.mark.parametrize(
    "other",
    [
        # the second database: abbreviations, initials, page range 1234-9, DOI prefix and case, American spelling
        variant(
            title=ARTICLE["title"].replace("mobilisation", "mobilization").replace("randomised", "randomized") + ".",
            authors=("Smith JA", "Wang W", "Muller H"), journal="J Bone Miner Res", pages="1234-9",
            doi="https://doi.org/10.1002/JBMR.2345",
        ),
        variant(doi=None, journal="J Bone Miner Res", pages="1234-9", authors=("Smith J.A.", "Wang W.", "Müller H.")),
        variant(doi=None, title=ARTICLE["title"].split(":")[0], issue=None),  # subtitle dropped
        variant(doi=None, title=ARTICLE["title"] + " [Chinese]"),
        variant(doi=None, year=2014, pages=None),  # online first, no pages yet
    ],
)  # fmt: skip
def test_same_article_from_another_database_is_a_duplicate(other: dict[str, Any]) -> None:
    assert decide(ARTICLE, other)[0] == "duplicate"


@pytest.mark.parametrize(
    ("other", "reason"),
    [
        (variant(doi="10.1002/jbmr.9999"), "different DOIs"),
        (variant(doi=None, title="Erratum: " + ARTICLE["title"], pages="1500"), "erratum"),
        (variant(doi=None, title="Retraction notice to: " + ARTICLE["title"], pages="99"), "retraction"),
        (variant(doi=None, title="Comment on: " + ARTICLE["title"], authors=("Lee, K.",), pages="1500"), "comment"),
        (variant(doi=None, year=2018, volume="33"), "years more than one apart"),
        (variant(doi=None, type="CONF", journal="Proceedings of the 40th Annual Meeting"), "conference"),
        (variant(doi=None, title="FOCUS 2: " + ARTICLE["title"]), "numbers"),  # against FOCUS 1, below
        (variant(doi=None, title=ARTICLE["title"] + " Part 2"), "parts"),
        (variant(doi=None, title=ARTICLE["title"].split(":")[0] + ": study protocol"), "protocol"),
        (variant(doi=None, volume="31", pages="200-210"), "different volume and pages"),
    ],
)
def test_near_misses_are_never_duplicates(other: dict[str, Any], reason: str) -> None:
    article = variant(title="FOCUS 1: " + ARTICLE["title"]) if reason == "numbers" else ARTICLE
    verdict, veto, why = decide(article, other)
    assert verdict in {"distinct", "linked", "uncertain"}
    assert veto
    assert reason in why


def test_erratum_is_linked_to_its_article() -> None:
    verdict, _, reason = decide(ARTICLE, variant(doi=None, title="Erratum to: " + ARTICLE["title"], pages="1500"))
    assert verdict == "linked"
    assert reason == "erratum notice and the article it concerns"


def test_same_titled_editorials_of_different_issues_stay_apart() -> None:
    editorial = {"title": "Editor's comments", "authors": ("Lee, A. S.",), "year": 2000, "journal": "MIS Quarterly"}
    verdict, _, _ = decide({**editorial, "issue": "1"}, {**editorial, "issue": "2"})
    assert verdict != "duplicate"
    verdict, veto, _ = decide({**editorial, "volume": "24"}, {**editorial, "year": 2003, "volume": "27"})
    assert (verdict, veto) == ("distinct", True)


def test_same_title_by_other_authors_is_not_a_duplicate() -> None:
    other = variant(doi=None, authors=("Garcia, L.", "Rossi, M."), journal="Stroke", volume="12", pages="45-50")
    assert decide(ARTICLE, other)[0] == "distinct"
