"""The tables of a project store (SQLAlchemy models); the migrations under ``migrations/`` create them.

Every table is append-only (the migrations add triggers that refuse UPDATE and DELETE): imports and records are
kept as read, decisions and duplicate verdicts are logs, and a new deduplication run supersedes the old one without
erasing it. Current state is derived from these rows (:mod:`sysreview.review`, :mod:`sysreview.project._dedup`).
JSON is stored as ASCII text (``\\u0000`` escapes and all), so that any value read from a file survives on both
SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "APPEND_ONLY_TABLES",
    "Base",
    "DecisionRow",
    "DedupRunRow",
    "DedupVerdictRow",
    "DuplicateGroupRow",
    "DuplicateMemberRow",
    "ImportRow",
    "RecordRow",
    "UTCDateTime",
]

NAMING: Final[dict[str, str]] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment in time: stored in UTC (SQLite keeps it as naive text), always read back timezone-aware in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a stored time must be timezone-aware, got {value!r}")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:  # noqa: ARG002 (the hook's signature)
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """The declarative base of the store's tables."""

    metadata = MetaData(naming_convention=NAMING)


_KINDS = "'database', 'register', 'website', 'organisation', 'citations'"


class ImportRow(Base):
    """One file imported: where it came from (provenance) and what reading it found."""

    __tablename__ = "imports"
    __table_args__ = (CheckConstraint(f"kind IN ({_KINDS})", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(Text)
    """The file's name (without folders)."""
    file_path: Mapped[str] = mapped_column(Text)
    """The path as given when importing."""
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    """The database, register or other source (``PubMed``, ``ClinicalTrials.gov``, ``Reference lists``)."""
    kind: Mapped[str] = mapped_column(String(20))
    searched_on: Mapped[dt.date | None] = mapped_column(Date)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str | None] = mapped_column(Text)
    record_count: Mapped[int] = mapped_column(Integer)
    issues: Mapped[str] = mapped_column(Text)
    """JSON list of the problems met while reading the file (records with problems are kept)."""


class RecordRow(Base):
    """One record as read, every raw tag included (``data``: JSON of :meth:`sysreview.records.Record.to_dict`)."""

    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("import_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(500), unique=True)
    """The record's id in the project: its id in the file, qualified by the file name when already taken."""
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    """1-based position in its file."""
    source_id: Mapped[str] = mapped_column(Text)
    """The record's id as the file gave it (``sysreview.records.Record.id``)."""
    title: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    doi: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text)


class DecisionRow(Base):
    """One event of the decision log (see :class:`sysreview.review.Decision`)."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint("stage IN ('title_abstract', 'full_text')", name="stage"),
        CheckConstraint("kind IN ('vote', 'resolve', 'retrieval', 'retract')", name="kind"),
        CheckConstraint(
            "(kind = 'retract' AND label IS NULL AND retracts IS NOT NULL) OR "
            "(kind <> 'retract' AND label IN ('include', 'exclude', 'maybe', 'not_retrieved') AND retracts IS NULL)",
            name="label",
        ),
        Index(None, "record_id", "stage"),
        Index(None, "reviewer", "stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    stage: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    reviewer: Mapped[str] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    retracts: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), unique=True)
    """The event a ``retract`` takes back; unique: an event is retracted at most once."""


class DedupRunRow(Base):
    """One run of deduplication over the records in the store at the time; the latest run is the one in force."""

    __tablename__ = "dedup_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(Text)
    settings: Mapped[str] = mapped_column(Text)
    """JSON of the method's settings."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(Text)
    record_count: Mapped[int] = mapped_column(Integer)
    """Records in the store when the run was made."""


class DuplicateGroupRow(Base):
    """A group of records found to be one: the record kept, the reasons, and whether a person must confirm it."""

    __tablename__ = "duplicate_groups"
    __table_args__ = (UniqueConstraint("run_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("dedup_runs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(64), index=True)
    """SHA-256 of the sorted member keys: verdicts on the same members carry over to later runs."""
    certain: Mapped[bool] = mapped_column(Boolean)
    """False: in the uncertain band, removed only once a person confirms it."""
    score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[str] = mapped_column(Text)
    """JSON list of the reasons the records were grouped."""
    keep_record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))


class DuplicateMemberRow(Base):
    """A record of a duplicate group."""

    __tablename__ = "duplicate_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("duplicate_groups.id"), primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), primary_key=True, index=True)


class DedupVerdictRow(Base):
    """A person's verdict on a duplicate group (log; the latest verdict in force counts, ``retract`` undoes)."""

    __tablename__ = "dedup_verdicts"
    __table_args__ = (
        CheckConstraint("verdict IN ('duplicate', 'distinct', 'retract')", name="verdict"),
        CheckConstraint("(verdict = 'retract') = (retracts IS NOT NULL)", name="retracts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("duplicate_groups.id"))
    """The group the reviewer was shown."""
    reviewer: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    retracts: Mapped[int | None] = mapped_column(ForeignKey("dedup_verdicts.id"), unique=True)


#: the tables whose rows are never updated or deleted (all of them), in an order that respects foreign keys
APPEND_ONLY_TABLES: Final[tuple[str, ...]] = tuple(table.name for table in Base.metadata.sorted_tables)
