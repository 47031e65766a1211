"""PRISMA 2020 counts derived from the store: exact counts of a worked review, and the boxes always add up."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from sysreview.project import (
    PRISMA_FIELDS,
    SOURCE_KINDS,
    DedupState,
    DuplicateGroup,
    GroupInput,
    RecordInfo,
    ReviewState,
    Update,
    prisma_counts,
    signature,
)
from sysreview.review import Decision, replay
from tests.project._helpers import DUAL, SEED_REASONS, SINGLE, add_records, store_with
from tests.project._strategies import decision_logs

TEMPLATE = Path(__file__).resolve().parents[2] / "src" / "sysreview" / "project" / "data" / "PRISMA2020_template.csv"


def _worked_review(url: str) -> ReviewState:
    """8 PubMed + 4 Embase + 2 ClinicalTrials.gov (register) + 2 reference-list records; dual screening."""
    store = store_with(url, [f"pm{i}" for i in range(1, 9)], policy=DUAL, source="PubMed")
    add_records(store, [f"em{i}" for i in range(1, 5)], source="Embase")
    add_records(store, ["ct1", "ct2"], source="ClinicalTrials.gov", kind="register")
    add_records(store, ["cit1", "cit2"], source="Reference lists", kind="citations")
    store.save_dedup(
        [
            GroupInput(members=("pm1", "em1"), reasons=("same DOI",)),  # em1 removed
            GroupInput(members=("pm2", "em2"), reasons=("same title",)),  # em2 removed
            GroupInput(members=("pm3", "em3"), certain=False, score=0.7),  # confirmed below: em3 removed
            GroupInput(members=("pm4", "em4"), certain=False, score=0.6),  # judged distinct: nothing removed
            GroupInput(members=("pm5", "cit2"), certain=False, score=0.8),  # awaits a person
        ],
        method="test",
    )
    groups = store.dedup().groups
    store.judge_duplicates(groups[2].id, reviewer="A", verdict="duplicate")
    store.judge_duplicates(groups[3].id, reviewer="A", verdict="distinct")

    def both(key: str, a: str, b: str, stage: str = "title_abstract", reason: str | None = None) -> None:
        store.decide(key, stage=stage, reviewer="A", label=a, reason=reason)  # type: ignore[arg-type]
        store.decide(key, stage=stage, reviewer="B", label=b, reason=reason)  # type: ignore[arg-type]

    # title/abstract: 11 database/register records remain (16 − 2 citations − 3 duplicates)
    both("pm1", "include", "include")
    both("pm2", "include", "maybe")
    both("pm3", "include", "exclude")
    store.resolve("pm3", stage="title_abstract", reviewer="C", label="include")
    both("pm4", "include", "include")
    both("pm5", "exclude", "exclude")
    both("pm6", "exclude", "exclude")
    both("pm7", "include", "exclude")  # an open conflict
    store.decide("pm8", stage="title_abstract", reviewer="A", label="include")  # awaits B
    both("em4", "exclude", "exclude")
    both("ct1", "include", "include")
    # ct2 unscreened
    # full text: pm1, pm2, pm3, pm4, ct1 sought
    both("pm1", "include", "include", "full_text")
    both("pm2", "exclude", "exclude", "full_text", SEED_REASONS[0])
    store.decide("pm3", stage="full_text", reviewer="A", label="exclude", reason=SEED_REASONS[1])
    store.decide("pm3", stage="full_text", reviewer="B", label="exclude", reason=SEED_REASONS[0])
    store.resolve("pm3", stage="full_text", reviewer="C", label="exclude", reason=SEED_REASONS[0])
    store.mark_not_retrieved("pm4", reviewer="A")
    # ct1 awaits assessment
    # other methods: cit1 straight to full text
    both("cit1", "include", "include", "full_text")
    state = store.state()
    store.close()
    return state


def test_counts_of_a_worked_review(db_url: str) -> None:
    counts = prisma_counts(_worked_review(db_url), Update(previous_studies=3, previous_reports=4)).to_dict()
    assert counts == {
        "previous_studies": 3,
        "previous_reports": 4,
        "database_results": 12,
        "database_specific_results": [{"name": "PubMed", "n": 8}, {"name": "Embase", "n": 4}],
        "register_results": 2,
        "register_specific_results": [{"name": "ClinicalTrials.gov", "n": 2}],
        "website_results": 0,
        "organisation_results": 0,
        "citations_results": 2,
        "duplicates": 3,
        "excluded_automatic": 0,
        "excluded_other": 0,
        "records_screened": 8,
        "records_excluded": 3,
        "dbr_sought_reports": 5,
        "dbr_notretrieved_reports": 1,
        "other_sought_reports": 2,
        "other_notretrieved_reports": 0,
        "dbr_assessed": 3,
        "dbr_excluded": [{"reason": "non-comparative design", "n": 2}],
        "other_assessed": 1,
        "other_excluded": [],
        "new_studies": 2,
        "new_reports": 2,
        "total_studies": 5,
        "total_reports": 6,
        "total_studies_ma": None,
        "total_reports_ma": None,
        "extra": {
            "records_awaiting_screening": 3,
            "title_abstract_conflicts": 1,
            "dbr_awaiting_assessment": 1,
            "other_awaiting_assessment": 1,
            "full_text_conflicts": 0,
            "dbr_included": 1,
            "other_included": 1,
            "other_duplicates": 0,
            "duplicate_groups_awaiting": 1,
        },
    }


def test_csv_is_the_prisma2020_template_with_the_counts(tmp_path: Path) -> None:
    state = _worked_review(f"sqlite:///{tmp_path / 'store.db'}")
    text = prisma_counts(state).to_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    template = list(csv.DictReader(io.StringIO(TEMPLATE.read_text(encoding="utf-8"))))
    assert [row["data"] for row in rows] == [row["data"] for row in template]
    for mine, theirs in zip(rows, template, strict=True):  # only the n column changes
        assert {k: v for k, v in mine.items() if k != "n"} == {k: v for k, v in theirs.items() if k != "n"}
    n = {row["data"]: row["n"] for row in rows if row["data"] != "NA"}
    assert n["database_specific_results"] == "PubMed, 8; Embase, 4"
    assert n["dbr_excluded"] == "non-comparative design, 2"
    assert n["other_excluded"] == "0"
    assert (n["records_screened"], n["duplicates"], n["total_studies_ma"]) == ("8", "3", "NA")
    assert set(PRISMA_FIELDS) <= set(n)


# ---------------------------------------------------------------------- the boxes add up, whatever the state
@st.composite
def review_states(draw: st.DrawFn) -> ReviewState:
    n = draw(st.integers(1, 12))
    keys = tuple(f"k{i}" for i in range(n))
    records = tuple(
        RecordInfo(
            key=key,
            import_id=1,
            source=draw(st.sampled_from(["PubMed", "Embase", "ICTRP", "Lists"])),
            kind=draw(st.sampled_from(SOURCE_KINDS)),
        )
        for key in keys
    )
    groups = []
    for position in range(1, draw(st.integers(0, 4)) + 1):
        members = tuple(draw(st.lists(st.sampled_from(keys), min_size=2, max_size=3, unique=True))) if n > 1 else ()
        if not members:
            break
        groups.append(
            DuplicateGroup(
                id=position,
                run=1,
                position=position,
                members=members,
                keep=draw(st.sampled_from(members)),
                reasons=(),
                certain=draw(st.booleans()),
                score=None,
                signature=signature(members),
                verdict=draw(st.sampled_from([None, "duplicate", "distinct"])),
                verdict_by=None,
            )
        )
    events: list[Decision] = draw(decision_logs(records=keys))
    policy = draw(st.sampled_from([SINGLE, DUAL]))
    return ReviewState(
        records=records,
        dedup=DedupState(run=1, method="test", groups=tuple(groups)),
        screening=replay(events, policy),
    )


@given(review_states(), st.integers(0, 5), st.integers(0, 5))
def test_the_flow_diagram_always_adds_up(state: ReviewState, studies: int, reports: int) -> None:
    counts = prisma_counts(state, Update(previous_studies=studies, previous_reports=reports))
    for identity, (left, right) in counts.identities().items():
        assert left == right, identity
    data = counts.to_dict()
    numbers = [v for k, v in data.items() if isinstance(v, int)] + list(counts.extra.values())
    assert all(v >= 0 for v in numbers)
    assert sum(data[f"{k}_results"] for k in SOURCE_KINDS) == len(state.records)
    removed = state.removed
    assert counts.duplicates + counts.extra["other_duplicates"] == len(removed)
    assert all(kept not in removed for kept in removed.values())  # a kept record is never removed itself
