"""Labelled sets of the benchmark (bib-dedupe-dedup): zero false merges, recall at least bib-dedupe's.

bib-dedupe 0.11.0's pairwise recall, measured by benchmarks/dedup.py on this data: stroke 477/479,
cytology_screening 895/909, special_cases 1/3 (see benchmarks/results/dedup.md).
"""

from __future__ import annotations

import itertools

import pytest

from sysreview.dedup import dedup
from sysreview.records import read
from tests.records._paths import benchmark


def truth(name: str) -> set[tuple[str, str]]:
    text = benchmark(f"bib-dedupe-dedup/{name}/merged_record_ids.csv").read_text(encoding="utf-8")
    out: set[tuple[str, str]] = set()
    for line in text.splitlines()[1:]:
        out.update(itertools.combinations(sorted(line.strip().strip('"').split(";")), 2))
    return out


@pytest.mark.parametrize(
    ("name", "bib_dedupe_pairs"), [("stroke", 477), ("cytology_screening", 895), ("special_cases", 1)]
)
def test_no_false_merge_and_recall_at_least_bib_dedupe(name: str, bib_dedupe_pairs: int) -> None:
    records = read(benchmark(f"bib-dedupe-dedup/{name}/records_pre_merged.csv"), on_issue="collect")
    result = dedup(records)
    found: set[tuple[str, str]] = set()
    for group in result.groups:
        found.update(itertools.combinations(sorted(group.record_ids), 2))
    expected = truth(name)
    assert found - expected == set()
    assert len(found & expected) >= bib_dedupe_pairs
