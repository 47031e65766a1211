"""Title keys and cues: notes, spelling, notices, parts."""

from __future__ import annotations

import pytest

from sysreview.dedup._text import american_spelling, strip_notes, title_cues, title_key


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # MEDLINE/Ovid notes about related items belong to the article itself (stroke set, id_0000076)
        (
            (
                "Ecologically-oriented neurorehabilitation of memory.[Erratum appears in Brain Inj. 2013;27(3):377 "
                "Note: Small, Sarah K [added]]"
            ),
            "Ecologically-oriented neurorehabilitation of memory.",
        ),
        ("Gait training... [corrected][published erratum appears in Stroke 2011]", "Gait training"),
        (
            "Cisplatin or carboplatin [corrected], with or without cetuximab",
            "Cisplatin or carboplatin, with or without cetuximab",
        ),
        ("RETRACTED: Effects of X on Y", "Effects of X on Y"),
        ("Plain title", "Plain title"),
    ],
)
def test_strip_notes(title: str, expected: str) -> None:
    assert strip_notes(title) == expected


def test_title_key_folds_spelling_greek_entities_and_flags() -> None:
    british = title_key("Randomised trial of &beta;-blockers in paediatric oedema and tumour behaviour [Chinese]")
    american = title_key("Randomized trial of β-blockers in pediatric edema and tumor behavior")
    assert british == american == "randomized trial of beta blockers in pediatric edema and tumor behavior"


@pytest.mark.parametrize(
    ("word", "expected"),
    [("haemorrhage", "hemorrhage"), ("behavioural", "behavioral"), ("centre", "center"), ("analysed", "analyzed"),
     ("exercise", "exercise"), ("four", "four"), ("aerobic", "aerobic"), ("diagnosis", "diagnosis")],
)  # fmt: skip
def test_american_spelling(word: str, expected: str) -> None:
    assert american_spelling(word) == expected


@pytest.mark.parametrize(
    ("title", "cues", "part"),
    [
        ("Erratum: Effects of diet", {"erratum"}, None),
        ('"Effects of diet": Correction', {"erratum"}, None),
        ("Effects of diet (vol 23, pg 456, 2010)", {"erratum"}, None),  # Web of Science erratum
        ("Eculizumab for aHUS (New England Journal of Medicine (2009) 360 (542-544))", {"erratum"}, None),
        ('Retraction notice to "Effects of diet"', {"retraction"}, None),
        ("Reply to Smith et al.", {"comment"}, None),
        ("Effects of diet: a reply", {"comment"}, None),
        ("Effects of diet: study protocol for a randomised trial", {"protocol"}, None),
        ("Effects of diet. Part II: outcomes", set(), "2"),
        ("Effects of diet, part 1", set(), "1"),
        ("Type II diabetes and exercise", set(), None),
        ("Phase II trial of drug X", set(), None),
        ("Effects of diet in type 2 diabetes", set(), None),
    ],
)
def test_title_cues(title: str, cues: set[str], part: str | None) -> None:
    assert title_cues(title) == (frozenset(cues), part)
