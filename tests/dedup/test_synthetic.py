"""The synthetic two-database search: no false merge, at least 98 % of duplicate pairs found (issue 4)."""

from __future__ import annotations

import itertools

from sysreview.dedup import dedup
from sysreview.dedup._synthetic import two_database_search


def pairs(groups: object) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for group in groups:  # type: ignore[attr-defined]
        out.update(itertools.combinations(sorted(group), 2))
    return out


def test_two_database_search_no_false_merge_and_98_percent_of_pairs() -> None:
    search = two_database_search(600, seed=5)
    result = dedup(search.records)
    truth = pairs(search.groups)
    found = pairs(g.record_ids for g in result.groups)
    assert len(truth) > 400
    assert found - truth == set()  # no false merge
    assert len(found & truth) / len(truth) >= 0.98
    group = dict(zip([r.id for r in search.records], result.group_ids, strict=True))
    assert len(search.near_misses) > 100
    assert all(group[a] != group[b] for a, b, _ in search.near_misses)


def test_generator_is_reproducible() -> None:
    assert two_database_search(50, seed=3) == two_database_search(50, seed=3)
