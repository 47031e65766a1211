"""Candidate pairs by blocking: records that share a key (DOI, PMID, title words, first author + year + page …) or
sit next to each other in title order are compared; every other pair is taken to be distinct.

Each pass maps a record to zero or more keys. A block (the records sharing one key) of at most ``max_block``
records gives all its pairs; a larger block gives only the pairs within ``window`` places in (title, id) order, so that
the number of candidates grows linearly with the number of records, whatever the keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sysreview.dedup._features import Features

__all__ = ["BLOCKING_PASSES", "block_keys", "candidate_pairs", "sorted_neighbourhood"]

#: records sharing a key: all pairs up to this block size, else pairs within ``WINDOW`` in (title, id) order
MAX_BLOCK = 40
WINDOW = 4
#: sorted-neighbourhood window over all records in title order (and in reversed-title order)
NEIGHBOURHOOD = 3


def _doi(f: Features) -> Iterable[str]:
    if f.doi:
        yield f.doi


def _pmid(f: Features) -> Iterable[str]:
    if f.pmid:
        yield f.pmid


def _title(f: Features) -> Iterable[str]:
    titles = f.titles
    if f.cues and f.notice_core and f.notice_core != f.title:
        # a notice ("Erratum to: <title>") meets its article under the title without the notice's words
        titles = (*titles, f.notice_core)
    for title in titles:
        words = [w for w in title.split() if len(w) > 1 or w.isdigit()]
        if words:
            yield " ".join(words)


def _title_prefix(f: Features) -> Iterable[str]:
    if len(f.tokens) >= 4:
        yield " ".join(f.tokens[:4])
    main = f.main_title.split()
    if 2 <= len(main) < len(f.title.split()):
        yield "main " + f.main_title


def _title_suffix(f: Features) -> Iterable[str]:
    if len(f.tokens) >= 4:
        yield " ".join(f.tokens[-4:])


def _author_year_page(f: Features) -> Iterable[str]:
    if f.first_surname and f.start_page:
        if f.year is not None:
            yield f"{f.first_surname}|{f.year}|{f.start_page}"
        if f.volume:
            yield f"{f.first_surname}|v{f.volume}|{f.start_page}"


def _venue_volume_page(f: Features) -> Iterable[str]:
    # translated titles: same issue of the same journal, same first page
    if f.volume and f.start_page and f.year is not None:
        yield f"{f.year}|{f.volume}|{f.start_page}"


#: the blocking passes: name and key function
BLOCKING_PASSES: tuple[tuple[str, Callable[[Features], Iterable[str]]], ...] = (
    ("doi", _doi),
    ("pmid", _pmid),
    ("title", _title),
    ("title-prefix", _title_prefix),
    ("title-suffix", _title_suffix),
    ("author-year-page", _author_year_page),
    ("volume-page", _venue_volume_page),
)


def block_keys(f: Features) -> list[str]:
    """Every blocking key of one record, prefixed with its pass name (``title-prefix:effect of early mobilisation``)."""
    return list(dict.fromkeys(f"{name}:{key}" for name, function in BLOCKING_PASSES for key in function(f)))


def _sort_key(f: Features) -> tuple[str, str]:
    return (f.title, f.id)


def _pairs_of_block(members: list[int], order: Sequence[tuple[str, str]], pairs: set[tuple[int, int]]) -> None:
    if len(members) <= MAX_BLOCK:
        for x in range(len(members)):
            i = members[x]
            for y in range(x + 1, len(members)):
                j = members[y]
                pairs.add((i, j) if i < j else (j, i))
        return
    members = sorted(members, key=order.__getitem__)
    for x in range(len(members)):
        i = members[x]
        for y in range(x + 1, min(x + 1 + WINDOW, len(members))):
            j = members[y]
            pairs.add((i, j) if i < j else (j, i))


def sorted_neighbourhood(feats: Sequence[Features], window: int = NEIGHBOURHOOD) -> set[tuple[int, int]]:
    """Pairs of records within ``window`` places of each other in title order and in reversed-word title order
    (ties broken by record id, so that the pairs do not depend on the input order)."""
    pairs: set[tuple[int, int]] = set()
    orders = (
        sorted((i for i, f in enumerate(feats) if f.title), key=lambda i: (feats[i].title, feats[i].id)),
        sorted(
            (i for i, f in enumerate(feats) if f.title),
            key=lambda i: (" ".join(reversed(feats[i].tokens)), feats[i].id),
        ),
    )
    for order in orders:
        for x in range(len(order)):
            i = order[x]
            for y in range(x + 1, min(x + 1 + window, len(order))):
                j = order[y]
                pairs.add((i, j) if i < j else (j, i))
    return pairs


def candidate_pairs(feats: Sequence[Features]) -> set[tuple[int, int]]:
    """Every candidate pair ``(i, j)``, ``i < j``, of positions in ``feats``: the union of all blocking passes and the
    sorted neighbourhoods."""
    blocks: dict[str, list[int]] = {}
    for i, f in enumerate(feats):
        for key in block_keys(f):
            blocks.setdefault(key, []).append(i)
    order = [_sort_key(f) for f in feats]
    pairs = sorted_neighbourhood(feats)
    for members in blocks.values():
        if len(members) > 1:
            _pairs_of_block(members, order, pairs)
    return pairs
