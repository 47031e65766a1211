"""The tables of a project store (SQLAlchemy models); the migrations under ``migrations/`` create them.

Every table is append-only (the migrations add triggers that refuse UPDATE and DELETE): imports and records are
kept as read, decisions and duplicate verdicts are logs, and a new deduplication run supersedes the old one without
erasing it. Current state is derived from these rows (:mod:`sysreview.review`, :mod:`sysreview.project._dedup`).
JSON is stored as ASCII text (``\\u0000`` escapes and all), so that any value read from a file survives on both
SQLite and PostgreSQL.

Two kinds of table (revision 0002 added the second kind and ``submissions``):

- the review's data (:data:`ARCHIVED_TABLES`): records, decisions, duplicates, and the forms reviewers save in the
  web app (extraction, RoB 2, full-text files). ``sysreview export`` carries these.
- the web server's own state (:data:`LOCAL_TABLES`, ``web_*``): accounts with their password hashes, sessions
  (token hashes), login attempts, the audit log of the web app and the key that signs its cookies. They never
  leave the store: a hash or a session copied into an archive is a credential handed to whoever gets the file,
  and the team that imports a review sets up its own accounts. Even these are logs: a logout appends to
  ``web_logouts``, the login back-off is counted from ``web_login_attempts``.
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
    "ARCHIVED_TABLES",
    "LOCAL_TABLES",
    "Base",
    "DecisionRow",
    "DedupRunRow",
    "DedupVerdictRow",
    "DuplicateGroupRow",
    "DuplicateMemberRow",
    "ImportRow",
    "RecordRow",
    "SubmissionRow",
    "UTCDateTime",
    "WebAccountRow",
    "WebAuditRow",
    "WebLoginAttemptRow",
    "WebLogoutRow",
    "WebSessionRow",
    "WebSettingRow",
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


class SubmissionRow(Base):
    """A form saved in the web app for a record: an extraction, a RoB 2 assessment or a full-text file (log; a
    reviewer's latest save of a kind and record is the one in force)."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint("kind IN ('extraction', 'rob2', 'fulltext')", name="kind"),
        Index(None, "kind", "record_id", "reviewer"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    reviewer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(Text)
    """JSON: the form's values (extraction: ``study`` and ``outcomes``; RoB 2: answers and judgements; full text:
    the file's SHA-256 and name)."""


class WebSettingRow(Base):
    """A setting of the web app written once (``secret``: the key that signs its cookies and CSRF tokens)."""

    __tablename__ = "web_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class WebAccountRow(Base):
    """An account of the web app; the password is kept only as a hash (Argon2id, made by :mod:`sysreview.web`)."""

    __tablename__ = "web_accounts"
    __table_args__ = (CheckConstraint("role IN ('lead', 'reviewer')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    """The reviewer's name, as written in the decision log."""
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(Text)


class WebSessionRow(Base):
    """A signed-in browser: ``id`` is the SHA-256 of the secret in its cookie (the secret itself is never stored)."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("web_accounts.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    address: Mapped[str | None] = mapped_column(Text)


class WebLogoutRow(Base):
    """The end of a session (logout): its cookie opens nothing any more."""

    __tablename__ = "web_logouts"

    session_id: Mapped[str] = mapped_column(ForeignKey("web_sessions.id"), primary_key=True)
    ended_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class WebLoginAttemptRow(Base):
    """One login attempt: the failures since the name's last success (and from the address) set the back-off."""

    __tablename__ = "web_login_attempts"
    __table_args__ = (
        CheckConstraint("outcome IN ('ok', 'failed', 'locked')", name="outcome"),
        Index(None, "name", "created_at"),
        Index(None, "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    """The name tried, case-folded."""
    address: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(10))
    """``ok``; ``failed`` (counts toward the back-off); ``locked`` (refused unread during a back-off)."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class WebAuditRow(Base):
    """One line of the web app's audit log: who did what to which record, when, and from where."""

    __tablename__ = "web_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str | None] = mapped_column(Text)
    """Who (an account name; none for a failed login)."""
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)
    """JSON object (the decision's or submission's id, the stage, the label …)."""
    address: Mapped[str | None] = mapped_column(Text)


#: the tables whose rows are never updated or deleted (all of them), in an order that respects foreign keys
APPEND_ONLY_TABLES: Final[tuple[str, ...]] = tuple(table.name for table in Base.metadata.sorted_tables)
#: the web server's own state, never exported (see the module's docstring)
LOCAL_TABLES: Final[tuple[str, ...]] = tuple(name for name in APPEND_ONLY_TABLES if name.startswith("web_"))
#: the review's data: what ``sysreview export`` carries, in an order that respects foreign keys
ARCHIVED_TABLES: Final[tuple[str, ...]] = tuple(name for name in APPEND_ONLY_TABLES if name not in LOCAL_TABLES)
