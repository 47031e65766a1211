"""dedup(): groups with reasons, canonical records with provenance, review queue, links; nothing dropped."""

from __future__ import annotations

import pytest

from sysreview.dedup import dedup
from sysreview.errors import InputError
from sysreview.records import Record

TITLE = "Vitamin D supplementation and falls in nursing home residents: a cluster randomised trial"


def records() -> list[Record]:
    return [
        Record(id="M1", title=TITLE, authors=("Smith JA", "Wang W"), year=2019, journal="J Am Geriatr Soc",
               volume="67", pages="101-9", pmid="31234567", database="MEDLINE", file="medline.nbib", line=1),
        Record(id="E1", title=TITLE.replace("randomised", "randomized") + ".", authors=("Smith, John A.", "Wang, Wei"),
               year=2019, journal="Journal of the American Geriatrics Society", volume="67", issue="1",
               pages="101-109", doi="10.1111/jgs.1", abstract="Background …", database="Embase", file="embase.ris",
               line=12),
        Record(id="E2", title="Erratum: " + TITLE, year=2019, journal="Journal of the American Geriatrics Society",
               volume="67", pages="555", doi="10.1111/jgs.2", database="Embase", file="embase.ris", line=40),
        Record(id="E3", title="Editorial", authors=("Lee K",), year=2019, journal="J Am Geriatr Soc", volume="67",
               pages="1"),
        Record(id="E4", title="Editorial", authors=("Lee K",), year=2021, journal="J Am Geriatr Soc", volume="69",
               pages="1"),
    ]  # fmt: skip


def test_groups_reasons_and_canonical_record() -> None:
    result = dedup(records())
    assert result.partition() == frozenset(
        {frozenset({"M1", "E1"}), frozenset({"E2"}), frozenset({"E3"}), frozenset({"E4"})}
    )
    group = result.group_of("M1")
    assert group.canonical == "E1"  # more fields filled, has a DOI
    assert [s.database for s in group.sources] == ["MEDLINE", "Embase"]
    assert [(s.file, s.line) for s in group.sources] == [("medline.nbib", 1), ("embase.ris", 12)]
    frame = result.to_frame()
    assert list(frame.columns[:4]) == ["record_id", "group_id", "canonical", "reason"]
    assert len(frame) == 5  # nothing is dropped
    reasons = dict(zip(frame["record_id"], frame["reason"], strict=True))
    assert reasons["E1"] == "canonical of 2 records (richest metadata); has a linked erratum notice E2"
    assert reasons["M1"] == (
        "duplicate of E1: same title, year, journal, volume and page range; has a linked erratum notice E2"
    )
    assert reasons["E2"] == "unique; erratum notice concerning E1; erratum notice concerning M1"
    assert [(p.record_id, p.other_id, p.relation) for p in result.links] == [
        ("E1", "E2", "erratum"),
        ("E2", "M1", "erratum"),
    ]
    assert result.n_duplicates == 1


def test_group_ids_follow_input_order() -> None:
    result = dedup(records())
    assert list(result.group_ids) == [1, 1, 2, 3, 4]


def test_record_ids_must_be_unique() -> None:
    twice = [*records(), records()[0]]
    with pytest.raises(InputError, match="unique; repeated: M1"):
        dedup(twice)


def test_thresholds_are_checked() -> None:
    with pytest.raises(InputError, match="thresholds must be a Thresholds"):
        dedup(records(), thresholds={"title_same": 0.9})  # type: ignore[arg-type]


def test_a_record_bridging_two_dois_does_not_join_them() -> None:
    base = {"title": TITLE, "authors": ("Smith JA", "Wang W"), "year": 2019, "journal": "J Am Geriatr Soc"}
    bridged = [
        Record(id="a", doi="10.1000/a1", volume="67", pages="101-109", **base),
        Record(id="b", volume="67", pages="101-109", **base),
        Record(id="c", doi="10.1000/c3", volume="67", pages="101-109", **base),
    ]
    result = dedup(bridged)
    group_of = dict(zip([r.id for r in bridged], result.group_ids, strict=True))
    assert group_of["a"] != group_of["c"]
    assert any("refused" in p.reason or "different DOIs" in p.reason for p in result.review)


def test_review_frame_lists_uncertain_pairs() -> None:
    base = {"title": TITLE, "authors": ("Smith JA",), "year": 2019}
    pair = [Record(id="x", doi="10.1000/x1", **base), Record(id="y", doi="10.1000/y2", **base)]
    frame = dedup(pair).review_frame()
    assert list(frame["record_id"]) == ["x"]
    assert list(frame["other_id"]) == ["y"]
    assert frame["reason"].iloc[0] == "different DOIs (versions or print/online?); titles agree"
    assert list(frame.columns)[-1] == "decision"


def test_progress_is_reported() -> None:
    seen: list[str] = []
    dedup(records(), progress=lambda stage, done, total: seen.append(stage))
    assert seen[0] == "blocking"
    assert seen[-1] == "scoring"
