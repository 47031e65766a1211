"""Blocking and scoring on Dask: the same candidate pairs and decisions as the local path, computed per partition.

Blocking keys are emitted per record and shuffled by key (``Bag.groupby``), so that every block lands whole in one
partition and yields its pairs there; the sorted neighbourhoods are windows over a global sort
(``DataFrame.sort_values``), each partition's windows reaching back into the last rows of the partition before it.
Pairs are deduplicated (``distinct``), scored per partition, and only
the pairs that are not plainly distinct come back to the client, where union-find builds the groups (see
``docs/dedup-at-scale.md``).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sysreview.dedup._blocking import MAX_BLOCK, NEIGHBOURHOOD, WINDOW, block_keys
from sysreview.dedup._dedup import DedupResult, assemble, score_pairs
from sysreview.dedup._features import Features, features_of
from sysreview.dedup._scoring import DEFAULT_THRESHOLDS, Comparison, Thresholds
from sysreview.records import Record

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["candidate_pairs_dask", "dedup_dask", "score_pairs_dask"]


def _module(name: str) -> Any:
    """An optional dependency, imported where it is used (dask ships no type information)."""
    return importlib.import_module(name)


def _block_pairs(members: Iterable[tuple[int, str, str]]) -> list[tuple[int, int]]:
    """All pairs of a block, or the pairs within ``WINDOW`` in (title, id) order of a block larger than ``MAX_BLOCK``
    (as :func:`sysreview.dedup._blocking.candidate_pairs` does)."""
    items = sorted({(int(m[0]), str(m[1]), str(m[2])) for m in members}, key=lambda m: (m[1], m[2]))
    out: list[tuple[int, int]] = []
    reach = len(items) if len(items) <= MAX_BLOCK else WINDOW + 1
    for x in range(len(items)):
        for y in range(x + 1, min(x + reach, len(items))):
            i, j = items[x][0], items[y][0]
            out.append((i, j) if i < j else (j, i))
    return out


def _keys(entry: tuple[int, Features]) -> list[tuple[str, tuple[int, str, str]]]:
    i, f = entry
    return [(key, (i, f.title, f.id)) for key in set(block_keys(f))]


def _window_pairs(part: Any, previous: Any, window: int) -> list[tuple[int, int]]:
    """Pairs within ``window`` rows of a sorted partition, the last ``window`` rows of the one before included."""
    positions = part["i"].tolist()
    if previous is not None and len(previous):
        positions = previous["i"].tolist()[-window:] + positions
    return [
        (min(positions[x], positions[y]), max(positions[x], positions[y]))
        for x in range(len(positions))
        for y in range(x + 1, min(x + 1 + window, len(positions)))
    ]


def candidate_pairs_dask(feats: Sequence[Features], *, npartitions: int = 4) -> set[tuple[int, int]]:
    """The candidate pairs of :func:`~sysreview.dedup.candidate_pairs`, computed on the current Dask scheduler."""
    import pandas as pd  # noqa: PLC0415 (optional dependency of this path)

    dask, db, dd = _module("dask"), _module("dask.bag"), _module("dask.dataframe")

    bag = db.from_sequence(list(enumerate(feats)), npartitions=npartitions)
    blocked = (
        bag.map(_keys)
        .flatten()
        .groupby(lambda kv: kv[0])
        .map(lambda group: _block_pairs(member for _, member in group[1]))
        .flatten()
        .distinct()
    )
    orders = [
        pd.DataFrame({"key": [f.title for f in feats], "id": [f.id for f in feats], "i": range(len(feats))}),
        pd.DataFrame(
            {"key": [" ".join(reversed(f.tokens)) for f in feats], "id": [f.id for f in feats], "i": range(len(feats))}
        ),
    ]
    neighbour_tasks = []
    titled = [f.title != "" for f in feats]
    for order in orders:
        ddf = dd.from_pandas(order[titled], npartitions=npartitions).sort_values(["key", "id"])
        # each partition's windows also reach back into the last rows of the partition before it
        parts = ddf.to_delayed()
        for k, part in enumerate(parts):
            previous = parts[k - 1] if k > 0 else None
            neighbour_tasks.append(dask.delayed(_window_pairs)(part, previous, NEIGHBOURHOOD))
    (block_list,) = dask.compute(blocked)
    frames = dask.compute(*neighbour_tasks)
    result = {(int(i), int(j)) for i, j in block_list}
    for window_pairs in frames:
        result.update(window_pairs)
    return result


def score_pairs_dask(
    feats: Sequence[Features],
    pairs: Iterable[tuple[int, int]],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    npartitions: int = 4,
) -> dict[tuple[int, int], Comparison]:
    """The decisions of :func:`~sysreview.dedup.score_pairs`, scored per partition on the current Dask scheduler."""
    dask, db = _module("dask"), _module("dask.bag")

    shared = dask.delayed(list(feats), pure=True, traverse=False)
    bag = db.from_sequence(sorted(pairs), npartitions=npartitions)
    scored = bag.map_partitions(lambda part, table: list(score_pairs(table, list(part), thresholds).items()), shared)
    return dict(scored.compute())


def dedup_dask(
    records: Iterable[Record],
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    client: Client | None = None,
    npartitions: int = 4,
) -> DedupResult:
    """:func:`~sysreview.dedup.dedup` with blocking and scoring on Dask (``client``: a ``distributed.Client``;
    the current scheduler when omitted). Groups are built on the client from the pairs that are not distinct."""
    from contextlib import nullcontext  # noqa: PLC0415

    items = tuple(records)
    feats = [features_of(r) for r in items]
    context: Any = client.as_current() if client is not None else nullcontext()
    with context:
        pairs = candidate_pairs_dask(feats, npartitions=npartitions)
        decisions = score_pairs_dask(feats, pairs, thresholds, npartitions=npartitions)
    return assemble(items, feats, decisions, len(pairs), thresholds)
