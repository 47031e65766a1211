"""Counts over a record set: by file, database, type and year; records missing each field; issues by kind."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from sysreview.records._model import FIELD_NAMES

if TYPE_CHECKING:
    from sysreview.records._model import RecordSet

__all__ = ["UNKNOWN", "RecordStats", "record_stats"]

#: the label of records without a value in a count
UNKNOWN = "(unknown)"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordStats:
    """What a set of records holds. Counts are ``(label, count)`` pairs, most frequent first (years: in order)."""

    n_records: int
    by_file: tuple[tuple[str, int], ...]
    by_database: tuple[tuple[str, int], ...]
    """By the ``database`` field as stated or inferred (``(unknown)`` when neither)."""
    by_type: tuple[tuple[str, int], ...]
    """By canonical type (``normalized.type``)."""
    by_year: tuple[tuple[str, int], ...]
    missing: tuple[tuple[str, int], ...]
    """Per parsed field: the number of records without a value, for every field of :data:`FIELD_NAMES`."""
    issues: tuple[tuple[str, int], ...]
    """Issues of the read by warning class."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data (pairs as dicts)."""
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            data[f.name] = dict(value) if isinstance(value, tuple) else value
        return data

    def summary(self) -> str:
        """A plain-text report."""
        lines = [f"records: {self.n_records}"]
        for title, pairs in (
            ("by file", self.by_file),
            ("by database", self.by_database),
            ("by type", self.by_type),
            ("by year", self.by_year),
            ("missing fields", tuple(p for p in self.missing if p[1])),
            ("issues", self.issues),
        ):
            if not pairs:
                continue
            lines.append(f"{title}:")
            width = max(len(label) for label, _ in pairs)
            lines.extend(f"  {label:<{width}}  {count:>7}" for label, count in pairs)
        return "\n".join(lines)


def _counted(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def record_stats(records: RecordSet) -> RecordStats:
    """The counts of :class:`RecordStats` for ``records``."""
    by_file: Counter[str] = Counter()
    by_database: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    by_year: Counter[str] = Counter()
    missing: Counter[str] = Counter(dict.fromkeys(FIELD_NAMES, 0))
    for record in records:
        by_file[record.file or UNKNOWN] += 1
        by_database[record.database or UNKNOWN] += 1
        by_type[record.normalized.type or UNKNOWN] += 1
        by_year[str(record.year) if record.year is not None else UNKNOWN] += 1
        for name in FIELD_NAMES:
            value = getattr(record, name)
            if value is None or value in {"", ()}:
                missing[name] += 1
    years = sorted(by_year.items(), key=lambda item: (item[0] == UNKNOWN, item[0]))
    issues = Counter(issue.category.__name__ for issue in records.issues)
    return RecordStats(
        n_records=len(records),
        by_file=tuple(by_file.items()),
        by_database=_counted(by_database),
        by_type=_counted(by_type),
        by_year=tuple(years),
        missing=tuple((name, missing[name]) for name in FIELD_NAMES),
        issues=_counted(issues),
    )
