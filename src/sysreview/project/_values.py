"""What the store hands out and takes in, and how rows become values: imports, records (as JSON), decisions,
duplicate groups; checks of text before it is stored."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from sysreview.errors import InputError
from sysreview.project._dedup import DedupState, DuplicateGroup, GroupInput, verdicts_in_force
from sysreview.project._protocol import SourceKind
from sysreview.project._schema import DedupRunRow, DedupVerdictRow, DuplicateGroupRow, DuplicateMemberRow, RecordRow
from sysreview.records import FIELD_NAMES, Issue, Record, RecordSet
from sysreview.review import Decision, ScreeningPolicy

__all__ = [
    "ImportBatch",
    "ImportInfo",
    "ImportSummary",
    "Rules",
    "StoredRecord",
    "checked_group",
    "clean_text",
    "decision_from_row",
    "dedup_state",
    "file_name",
    "import_info_from_row",
    "plain_text",
    "record_from_json",
    "record_json",
    "storable",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rules:
    """What the protocol lets the store accept: screening policy, reviewers, full-text exclusion reasons."""

    policy: ScreeningPolicy = field(default_factory=ScreeningPolicy)
    reviewers: tuple[str, ...] = ()
    """The reviewers who may record decisions (empty: anyone)."""
    exclusion_reasons: tuple[str, ...] = ()
    """The full-text exclusion reasons (empty: any reason)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportBatch:
    """One file's records and where they came from, for :meth:`Store.add_imports`."""

    records: RecordSet
    file_path: str
    sha256: str
    format: str
    source: str
    kind: SourceKind = "database"
    searched_on: dt.date | None = None
    imported_by: str | None = None
    issues: tuple[Issue, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportInfo:
    """A stored import: provenance of a file's records."""

    id: int
    file_name: str
    file_path: str
    sha256: str
    format: str
    source: str
    kind: SourceKind
    searched_on: dt.date | None
    imported_at: dt.datetime
    imported_by: str | None
    record_count: int
    issues: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """The import as plain data (dates in ISO 8601)."""
        return {
            "id": self.id,
            "file_name": self.file_name,
            "file_path": self.file_path,
            "sha256": self.sha256,
            "format": self.format,
            "source": self.source,
            "kind": self.kind,
            "searched_on": self.searched_on.isoformat() if self.searched_on else None,
            "imported_at": self.imported_at.isoformat(),
            "imported_by": self.imported_by,
            "record_count": self.record_count,
            "issues": list(self.issues),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportSummary:
    """What :meth:`Store.add_imports` stored for one file."""

    info: ImportInfo
    renamed: tuple[tuple[str, str], ...]
    """Records whose id was already taken in the project: (id in the file, key given)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredRecord:
    """A record in the store: its key, the import it came with, and the record as read (``record.id`` is the key)."""

    key: str
    import_id: int
    position: int
    source_id: str
    """The record's id in its file."""
    record: Record


# ---------------------------------------------------------------------- JSON of records
def record_json(record: Record) -> str:
    """The record (without its id) as ASCII JSON: every field, its origin and every raw tag."""
    data = record.to_dict()
    del data["id"]
    return json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def record_from_json(key: str, payload: str) -> Record:
    """The record stored as ``payload``, with id ``key``."""
    data = json.loads(payload)
    values: dict[str, Any] = {}
    for name in FIELD_NAMES:
        value = data.get(name)
        values[name] = tuple(value) if isinstance(value, list) else value
    return Record(
        id=key,
        **values,
        format=data["format"],
        file=data["file"],
        line=data["line"],
        row=data["row"],
        index=data["index"],
        raw=tuple((tag, value) for tag, value in data["raw"]),
    )


def plain_text(value: str | None) -> str | None:
    """Text for a display column (the JSON keeps the exact value): PostgreSQL text holds neither NUL nor a lone
    surrogate."""
    if value is None:
        return None
    return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def storable(value: str, what: str, *, file: str, row: int | None = None) -> str:
    """``value`` if both databases can hold it as text (no NUL, no lone surrogate), else an error naming it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} {value!r} is not valid Unicode text", file=file, row=row) from None
    if "\x00" in value:
        raise InputError(f"{what} {value!r} contains a NUL character", file=file, row=row)
    return value


def file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1] or path


def clean_text(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{what} must be text, got {value!r}")
    cleaned = value.strip()
    if any(ord(ch) < 32 and ch != "\t" for ch in cleaned) or "\x7f" in cleaned:
        raise InputError(f"{what} {value!r} contains control characters")
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} {value!r} is not valid Unicode text") from None
    return cleaned or None


def checked_group(group: GroupInput, n: int) -> GroupInput:
    members = tuple(group.members)
    if len(set(members)) != len(members):
        raise InputError(f"duplicate group {n}: a record is listed twice")
    if len(members) < 2:
        raise InputError(f"duplicate group {n}: a group needs at least two records")
    if group.keep is not None and group.keep not in members:
        raise InputError(f"duplicate group {n}: the record kept ({group.keep!r}) is not a member")
    if group.score is not None and not math.isfinite(group.score):
        raise InputError(f"duplicate group {n}: the score must be a finite number")
    reasons = tuple(str(reason) for reason in group.reasons)
    return GroupInput(members=members, keep=group.keep, reasons=reasons, certain=bool(group.certain), score=group.score)


def decision_from_row(row: Mapping[Any, Any]) -> Decision:
    """The event of a row of ``decisions`` joined with its record's ``key``."""
    return Decision(
        id=row["id"],
        record=row["key"],
        stage=row["stage"],
        kind=row["kind"],
        reviewer=row["reviewer"],
        label=row["label"],
        reason=row["reason"],
        time=row["created_at"],
        retracts=row["retracts"],
    )


def import_info_from_row(row: Mapping[Any, Any]) -> ImportInfo:
    return ImportInfo(
        id=row["id"],
        file_name=row["file_name"],
        file_path=row["file_path"],
        sha256=row["sha256"],
        format=row["format"],
        source=row["source"],
        kind=row["kind"],
        searched_on=row["searched_on"],
        imported_at=row["imported_at"],
        imported_by=row["imported_by"],
        record_count=row["record_count"],
        issues=tuple(json.loads(row["issues"])),
    )


def dedup_state(conn: Connection) -> DedupState:
    run = conn.execute(select(DedupRunRow.id, DedupRunRow.method).order_by(DedupRunRow.id.desc()).limit(1)).first()
    if run is None:
        return DedupState(run=None, method=None, groups=())
    groups = conn.execute(
        select(DuplicateGroupRow).where(DuplicateGroupRow.run_id == run.id).order_by(DuplicateGroupRow.position)
    ).all()
    members: dict[int, list[str]] = {}
    for member in conn.execute(
        select(DuplicateMemberRow.group_id, RecordRow.key)
        .join(RecordRow, RecordRow.id == DuplicateMemberRow.record_id)
        .join(DuplicateGroupRow, DuplicateGroupRow.id == DuplicateMemberRow.group_id)
        .where(DuplicateGroupRow.run_id == run.id)
        .order_by(RecordRow.id)
    ):
        members.setdefault(member.group_id, []).append(member.key)
    keys: dict[int, str] = {
        row.id: row.key
        for row in conn.execute(
            select(DuplicateGroupRow.id, RecordRow.key)
            .join(RecordRow, RecordRow.id == DuplicateGroupRow.keep_record_id)
            .where(DuplicateGroupRow.run_id == run.id)
        )
    }
    verdict_rows = conn.execute(
        select(
            DedupVerdictRow.id,
            DedupVerdictRow.signature,
            DedupVerdictRow.reviewer,
            DedupVerdictRow.verdict,
            DedupVerdictRow.retracts,
        ).order_by(DedupVerdictRow.id)
    ).all()
    verdicts = verdicts_in_force([row._mapping for row in verdict_rows])
    return DedupState(
        run=run.id,
        method=run.method,
        groups=tuple(
            DuplicateGroup(
                id=group.id,
                run=run.id,
                position=group.position,
                members=tuple(members.get(group.id, ())),
                keep=keys[group.id],
                reasons=tuple(json.loads(group.reasons)),
                certain=group.certain,
                score=group.score,
                signature=group.signature,
                verdict=verdicts[group.signature][0] if group.signature in verdicts else None,
                verdict_by=verdicts[group.signature][1] if group.signature in verdicts else None,
            )
            for group in groups
        ),
    )
