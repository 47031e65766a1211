"""Blocking and scoring on a 2-worker Dask LocalCluster give the pairs and decisions of the local path."""

from __future__ import annotations

import pytest

from sysreview.dedup import candidate_pairs, dedup, features, score_pairs
from sysreview.dedup._dask import candidate_pairs_dask, dedup_dask, score_pairs_dask
from sysreview.dedup._synthetic import two_database_search


@pytest.mark.slow
def test_dask_path_matches_local_path() -> None:
    distributed = pytest.importorskip("distributed")
    search = two_database_search(300, seed=9)
    feats = features(search.records)
    local_pairs = candidate_pairs(feats)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
        client.as_current(),
    ):
        pairs = candidate_pairs_dask(feats, npartitions=4)
        decisions = score_pairs_dask(feats, pairs, npartitions=4)
        result = dedup_dask(search.records, client=client, npartitions=3)
    assert pairs == local_pairs
    assert decisions == score_pairs(feats, sorted(local_pairs))
    assert result.partition() == dedup(search.records).partition()
