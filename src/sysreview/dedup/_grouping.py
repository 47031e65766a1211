"""Groups from confident pairs: union-find, then a consistency check that no group holds a vetoed pair.

A group whose members include a vetoed pair (two different DOIs joined through a record without one, years two apart
joined through a record in between) is built again edge by edge, most similar pairs first, and an edge that would put
a vetoed pair into one cluster is refused: merging is transitive only through confident pairs and never through a veto.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Edge", "UnionFind", "build_groups"]

#: a component larger than this is checked edge by edge only (the check of all its pairs would be quadratic)
MAX_CHECKED_COMPONENT = 200


class UnionFind:
    """Disjoint sets over ``0 … n-1`` with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, x: int, y: int) -> int:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return rx
        if self.size[rx] < self.size[ry]:
            rx, ry = ry, rx
        self.parent[ry] = rx
        self.size[rx] += self.size[ry]
        return rx


@dataclass(frozen=True, slots=True)
class Edge:
    """A confident pair: positions ``i < j``, its score, and the ids used to break ties independently of input order."""

    i: int
    j: int
    score: float
    key: tuple[str, str]


def build_groups(
    n: int,
    edges: Sequence[Edge],
    vetoed: Callable[[int, int], bool],
) -> tuple[list[list[int]], list[Edge]]:
    """Groups of positions (each sorted, singletons included) from confident ``edges``, and the confident edges that
    were refused because they would have put a vetoed pair (``vetoed(i, j)``) into one group.
    """
    uf = UnionFind(n)
    for edge in edges:
        uf.union(edge.i, edge.j)
    components: dict[int, list[int]] = {}
    for x in range(n):
        components.setdefault(uf.find(x), []).append(x)
    edges_of: dict[int, list[Edge]] = {}
    for edge in edges:
        edges_of.setdefault(uf.find(edge.i), []).append(edge)

    groups: list[list[int]] = []
    refused: list[Edge] = []
    for root, members in components.items():
        if len(members) == 1:
            groups.append(members)
            continue
        component_edges = edges_of.get(root, [])
        if len(members) <= MAX_CHECKED_COMPONENT and not _has_veto(members, component_edges, vetoed):
            groups.append(members)
            continue
        parts, rejected = _constrained(members, component_edges, vetoed)
        groups.extend(parts)
        refused.extend(rejected)
    groups.sort(key=lambda g: g[0])
    return groups, refused


def _has_veto(members: list[int], edges: Sequence[Edge], vetoed: Callable[[int, int], bool]) -> bool:
    confident = {(e.i, e.j) for e in edges}
    for x in range(len(members)):
        for y in range(x + 1, len(members)):
            i, j = members[x], members[y]
            if (i, j) not in confident and vetoed(i, j):
                return True
    return False


def _constrained(
    members: list[int], edges: Sequence[Edge], vetoed: Callable[[int, int], bool]
) -> tuple[list[list[int]], list[Edge]]:
    """Agglomerate along edges from the most to the least similar; refuse an edge joining clusters with a veto."""
    cluster: dict[int, list[int]] = {m: [m] for m in members}
    refused: list[Edge] = []
    for edge in sorted(edges, key=lambda e: (-e.score, e.key)):
        a, b = cluster[edge.i], cluster[edge.j]
        if a is b:
            continue
        if any(vetoed(x, y) for x in a for y in b):
            refused.append(edge)
            continue
        merged = a + b
        for m in merged:
            cluster[m] = merged
    seen: set[int] = set()
    parts: list[list[int]] = []
    for m in members:
        part = cluster[m]
        if id(part) not in seen:
            seen.add(id(part))
            parts.append(sorted(part))
    return parts, refused
