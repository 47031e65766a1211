"""The protocol file: the template loads, seed 001's protocol fits, and every error names its key."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysreview.errors import InputError
from sysreview.project import load_protocol, parse_protocol, render_protocol

SEED = Path(__file__).parent / "fixtures" / "seed001_review.toml"


def test_the_template_is_a_valid_protocol_with_comments() -> None:
    text = render_protocol("Cell therapy for acne scars", reviewers=["YZS", "XDH"])
    protocol = parse_protocol(text)
    assert protocol.title == "Cell therapy for acne scars"
    assert protocol.reviewer_names == ("YZS", "XDH")
    assert (protocol.screening.title_abstract, protocol.screening.full_text) == (2, 2)
    assert protocol.databases == ()
    assert text.count("\n#") > 10  # the template explains itself
    assert parse_protocol(render_protocol("T")).reviewers == ()


@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1).filter(str.strip))
def test_any_title_survives_the_template(title: str) -> None:
    assert parse_protocol(render_protocol(title)).title == title


def test_seed_001_protocol() -> None:
    protocol = load_protocol(SEED)
    assert protocol.registration == "PROSPERO CRD42024507178"
    assert [s.name for s in protocol.databases][:3] == ["PubMed", "Embase", "CENTRAL"]
    pubmed = protocol.source("pubmed")
    assert pubmed is not None
    assert (pubmed.kind, pubmed.date, pubmed.limits) == ("database", dt.date(2025, 12, 22), "humans")
    assert pubmed.search.startswith('("acne scar*" OR "atrophic acne"')
    assert protocol.source("WHO ICTRP").kind == "register"  # type: ignore[union-attr]
    assert protocol.source("Reference lists").kind == "citations"  # type: ignore[union-attr]
    assert protocol.screening.policy.required("full_text") == 2
    assert protocol.screening.exclusion_reasons[0] == "non-comparative design"
    assert protocol.reviewer_names == ("YZS", "XDH", "XDZ")
    assert "SVF" in protocol.keywords.include


T = 'title = "T"\n'
DB = "[[databases]]\n"
CASES = [
    ('title = ""', "key 'title': must not be empty"),
    ("registration = 'x'", "key 'title': is required"),
    (T + '[picos]\npopulaton = "adults"', r"key 'picos.populaton': unknown key \(known keys here: comparison"),
    (T + "[screening]\nfull_text = 0", "key 'screening.full_text': expected a whole number of at least 1"),
    (T + "[screening]\ntitle_abstract = true", "key 'screening.title_abstract': expected a whole number"),
    (
        T + DB + 'name = "A"\n' + DB + 'name = "B"\ndate = "Dec 2025"',
        r"key 'databases\[2\].date': expected a date like 2025-12-22, got 'Dec 2025'",
    ),
    (T + DB + 'name = "A"\nkind = "citations"', r"key 'databases\[1\].kind': expected one of database, register"),
    (T + DB + 'search = "x"', r"key 'databases\[1\].name': is required"),
    (
        T + DB + 'name = "PubMed"\n[[other_sources]]\nname = "pubmed"\nkind = "citations"',
        r"key 'other_sources\[1\].name': 'pubmed' already names databases\[1\]",
    ),
    (T + '[keywords]\ninclude = "svf"', "key 'keywords.include': expected a list of texts"),
    (T + '[keywords]\ninclude = ["svf", 3]', r"key 'keywords.include\[2\]': expected text in quotes, got 3"),
    (
        T + '[screening]\nexclusion_reasons = ["a; b"]',
        r"key 'screening.exclusion_reasons\[1\]': an exclusion reason cannot contain ';'",
    ),
    (
        T + '[[reviewers]]\nname = "A"\n[[reviewers]]\nname = "A"',
        r"key 'reviewers\[2\].name': reviewer 'A' is listed twice",
    ),
    (T + "picos = 3", "key 'picos': expected a table"),
    (T + "[picos\n", r"not valid TOML: .*\(at line 2, column 7\)"),
]


@pytest.mark.parametrize(("text", "message"), CASES)
def test_errors_name_the_file_and_the_key(text: str, message: str) -> None:
    with pytest.raises(InputError, match=f"^review.toml: {message}"):
        parse_protocol(text)


def test_a_missing_protocol_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"review\.toml: no protocol file here \(create a project with `sysreview init`\)"
    ):
        load_protocol(tmp_path / "review.toml")


def test_the_template_is_tomllib_clean_for_awkward_titles() -> None:
    title = 'He said "no" \\ then\ttab \x7f and 痤疮'
    assert tomllib.loads(render_protocol(title))["title"] == title
