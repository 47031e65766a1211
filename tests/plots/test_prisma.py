"""PRISMA 2020 flow diagrams: the template's boxes and counts, and warnings that say what does not add up."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from sysreview.errors import InputError
from sysreview.plots import PrismaCounts, PrismaWarning, prisma_flow, prisma_problems, read_prisma_csv
from tests.plots._svg import PRISMA_TEMPLATE, Svg

# Seed 001 (Zhang et al.), Results 3.1 and the caption of Figure 1 (lines 167 and 193-194 of
# 001_0f414a012d818148.txt): 2,548 records from seven databases, 448 duplicates, 2,100 screened, 1,850 excluded,
# 250 full texts assessed, 18 studies included. The caption lists 232 exclusions as 120 + 80 + 32 + 32 (= 264).
SEED001: dict[str, Any] = {
    "database_results": 2548,
    "database_specific_results": "PubMed, 520; Embase, 580; Cochrane Library, 450; Web of Science, 480; "
    "CNKI, 210; Wanfang, 198; VIP, 110",
    "duplicates": 448,
    "records_screened": 2100,
    "records_excluded": 1850,
    "dbr_sought_reports": 250,
    "dbr_notretrieved_reports": 0,
    "dbr_assessed": 250,
    "dbr_excluded": "Non-comparative design, 120; Non-autologous interventions, 80; Incomplete outcome data, 32; "
    "Irrelevant outcomes, 32",
    "new_studies": 18,
}


def _boxes(svg: Svg) -> list[str]:
    return [i.removeprefix("box-") for i in svg.ids(r"box-[a-z_]+")]


def _box_text(svg: Svg, key: str) -> str:
    return " ".join(svg.text_of(i).strip() for i in svg.ids(rf"box-{key}-line-\d+"))


def test_seed001_draws_and_warns_about_the_exclusion_reasons(tmp_path: Path) -> None:
    with pytest.warns(PrismaWarning) as caught:
        fig = prisma_flow(SEED001)
    messages = [str(w.message) for w in caught]
    assert any("264 (120 + 80 + 32 + 32)" in m and "250 − 18 = 232" in m for m in messages), messages
    assert any("more than the 250 reports assessed" in m for m in messages)
    svg = Svg(fig, tmp_path / "prisma.svg")
    assert _boxes(svg) == [
        "database_results", "duplicates", "records_screened", "records_excluded", "dbr_sought_reports",
        "dbr_notretrieved_reports", "dbr_assessed", "dbr_excluded", "new_studies",
    ]  # fmt: skip
    assert "Databases (n = 2,548)" in _box_text(svg, "database_results")
    assert "PubMed (n = 520)" in _box_text(svg, "database_results")
    assert "Duplicate records removed (n = 448)" in _box_text(svg, "duplicates")
    assert _box_text(svg, "records_screened") == "Records screened (n = 2,100)"
    assert _box_text(svg, "records_excluded") == "Records excluded (n = 1,850)"
    assert _box_text(svg, "dbr_assessed") == "Reports assessed for eligibility (n = 250)"
    assert "Non-comparative design (n = 120)" in _box_text(svg, "dbr_excluded")
    assert "Studies included in review (n = 18)" in _box_text(svg, "new_studies")
    assert "Reports of included studies (n = NR)" in _box_text(svg, "new_studies")
    assert svg.text_of("footnote-nr") == "NR: not reported"
    assert [svg.text_of(f"stage-{s}-text") for s in ("identification", "screening", "included")] == [
        "Identification", "Screening", "Included",
    ]  # fmt: skip
    assert len(svg.ids(r"arrow-.*")) == 8
    assert "box-website_results" not in svg.by_id  # no counts for other methods: no such branch


def test_counts_that_add_up_draw_without_warning(tmp_path: Path) -> None:
    # the reasons in the paper's Results (120 + 80 + 32 = 232) add up
    counts = dict(SEED001, dbr_excluded={"Non-comparative design": 120, "Non-autologous": 80, "Incomplete": 32})
    assert prisma_problems(counts) == ()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prisma_flow(counts)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"records_screened": 2000},
            (
                "records screened = 2,000, but records identified − removed before screening "
                "= 2,548 identified − 448 duplicates = 2,100"
            ),
        ),
        (
            {"records_excluded": 1800},
            "reports sought for retrieval = 250, but records screened − records excluded = 2,100 − 1,800 = 300",
        ),
        (
            {"dbr_notretrieved_reports": 5},
            (
                "reports assessed for eligibility (databases and registers) = 250, but "
                "reports sought − not retrieved = 250 − 5 = 245"
            ),
        ),
        (
            {"database_specific_results": "PubMed, 520; Embase, 580"},
            (
                "records from the listed databases add up to "
                "1,100 (520 + 580), but 2,548 records are reported from databases"
            ),
        ),
        ({"new_reports": 10}, "reports of new included studies (10) are fewer than the new studies (18)"),
    ],
)
def test_each_inconsistency_is_named(change: dict[str, Any], expected: str) -> None:
    counts = dict(SEED001, dbr_excluded="A, 120; B, 80; C, 32", **change)
    problems = prisma_problems(counts)
    assert any(expected in p for p in problems), problems


def test_previous_and_other_methods_add_their_boxes(tmp_path: Path) -> None:
    counts = dict(
        SEED001, dbr_excluded="A, 120; B, 80; C, 32", website_results=3, organisation_results=1,
        citations_results=12, other_sought_reports=16, other_notretrieved_reports=2, other_assessed=14,
        other_excluded="Not an RCT, 12", previous_studies=5, previous_reports=6, new_studies=20, new_reports=20,
        total_studies=25, total_reports=26,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = Svg(prisma_flow(counts), tmp_path / "p.svg")
    boxes = set(_boxes(svg))
    assert {"website_results", "other_sought_reports", "other_assessed", "other_excluded"} <= boxes
    assert {"previous_studies", "total_studies"} <= boxes
    assert "Total studies included in review (n = 25)" in _box_text(svg, "total_studies")
    assert "New studies included in review (n = 20)" in _box_text(svg, "new_studies")
    assert "arrow-other_assessed-new_studies" in svg.by_id
    assert "arrow-previous_studies-total_studies" in svg.by_id
    assert svg.text_of("title-other-text").replace("\n", " ") == "Identification of new studies via other methods"


def test_reads_the_template_csv(tmp_path: Path) -> None:
    counts = read_prisma_csv(PRISMA_TEMPLATE)
    assert counts.database_results == 0
    assert counts.dbr_excluded == (("Reason1", None), ("Reason2", None), ("Reason3", None))
    assert prisma_problems(counts) == ()
    svg = Svg(prisma_flow(counts), tmp_path / "t.svg")
    assert "Reason1 (n = NR)" in _box_text(svg, "dbr_excluded")


def test_bad_counts_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown PRISMA field 'records'"):
        PrismaCounts.from_mapping({"records": 3})
    with pytest.raises(InputError, match="negative"):
        PrismaCounts.from_mapping({"duplicates": -1})
    with pytest.raises(InputError, match="'reason, n'"):
        PrismaCounts.from_mapping({"dbr_excluded": "no count here"})
    bad = tmp_path / "bad.csv"
    bad.write_text("data,n\nduplicates,many\n", encoding="utf-8")
    assert read_prisma_csv(bad).duplicates is None  # template placeholders read as not reported
    bad.write_text("field,count\n", encoding="utf-8")
    with pytest.raises(InputError, match="'data' and 'n'"):
        read_prisma_csv(bad)
    assert json.dumps(PrismaCounts.from_mapping(SEED001).duplicates) == "448"
