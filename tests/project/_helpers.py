"""Helpers of the project tests: small RIS exports, stores with records, a fixed clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sysreview.project import ImportBatch, Rules, Store
from sysreview.records import parse
from sysreview.review import ScreeningPolicy

DUAL = ScreeningPolicy(title_abstract=2, full_text=2)
SINGLE = ScreeningPolicy(title_abstract=1, full_text=1)
#: the full-text exclusion reasons of seed 001 (its PRISMA flow diagram)
SEED_REASONS = (
    "non-comparative design",
    "non-autologous intervention",
    "incomplete outcome data",
    "irrelevant outcomes",
)


def ris(records: Iterable[tuple[str, str]], *, database: str | None = None) -> str:
    """RIS text of (id, title) records, each with an abstract (and ``DB`` when ``database`` is given)."""
    lines: list[str] = []
    for record_id, title in records:
        lines += ["TY  - JOUR", f"ID  - {record_id}", f"TI  - {title}", f"AB  - Abstract of {title}."]
        if database:
            lines.append(f"DB  - {database}")
        lines += ["ER  - ", ""]
    return "\n".join(lines)


def write_ris(path: Path, records: Iterable[tuple[str, str]], *, database: str | None = None) -> Path:
    path.write_text(ris(records, database=database), encoding="utf-8")
    return path


def clock(start: dt.datetime | None = None) -> Callable[[], dt.datetime]:
    """A clock that ticks one second per call (times in the log are then known exactly)."""
    origin = start or dt.datetime(2025, 12, 22, 9, 0, tzinfo=dt.UTC)
    ticks = itertools.count()
    return lambda: origin + dt.timedelta(seconds=next(ticks))


def store_with(
    url: str,
    keys: Sequence[str],
    *,
    policy: ScreeningPolicy = DUAL,
    reviewers: Sequence[str] = (),
    reasons: Sequence[str] = SEED_REASONS,
    source: str = "PubMed",
    kind: str = "database",
) -> Store:
    """A new store at ``url`` holding records ``keys`` (one import from ``source``)."""
    store = Store.create(
        url,
        rules=Rules(policy=policy, reviewers=tuple(reviewers), exclusion_reasons=tuple(reasons)),
        clock=clock(),
    )
    add_records(store, keys, source=source, kind=kind)
    return store


def add_records(store: Store, keys: Sequence[str], *, source: str = "PubMed", kind: str = "database") -> None:
    text = ris((key, f"Record {key}") for key in keys)
    records = parse(text, "ris", name=f"{source}.ris")
    store.add_imports(
        [
            ImportBatch(
                records=records,
                file_path=f"{source}.ris",
                sha256=hashlib.sha256(f"{source}:{kind}:{text}".encode()).hexdigest(),
                format="ris",
                source=source,
                kind=kind,  # type: ignore[arg-type]
            )
        ]
    )
