"""One review on disk: the protocol ``review.toml``, the store (SQLite or PostgreSQL), PRISMA counts, screening.

>>> from sysreview.project import Project
>>> project = Project.init("acne-review", title="Autologous cell therapy for atrophic acne scars")  # doctest: +SKIP
>>> project.import_files(["pubmed.nbib"], source="PubMed")  # doctest: +SKIP
>>> project.store.decide("38012345", stage="title_abstract", reviewer="YZS", label="include")  # doctest: +SKIP
>>> project.prisma().records_screened  # doctest: +SKIP

Everything written goes through :class:`Store`, in one transaction per call, and is only ever appended: decisions
are a log, undo is a retraction, and the current state (:class:`ReviewState`) is derived from the log. SQLAlchemy
is used here and nowhere else in sysreview.

The web app's accounts, sessions, audit log and the forms reviewers save live in the same store
(:attr:`Store.web`, :class:`WebData`), so that every server process of a team on PostgreSQL shares them.
"""

from __future__ import annotations

from sysreview.project._archive import FULLTEXT_DIR, Archive, read_archive, write_archive
from sysreview.project._database import (
    HEAD_REVISION,
    StoreBusyError,
    StoreError,
    database_url,
    display_url,
)
from sysreview.project._dedup import DedupState, DuplicateGroup, GroupInput, Verdict, signature
from sysreview.project._prisma import PRISMA_FIELDS, Prisma, prisma_counts
from sysreview.project._project import (
    DEFAULT_STORE,
    PROTOCOL_FILE,
    STORE_FILE,
    ImportReport,
    Project,
    export_project,
    import_project,
    init_project,
    open_project,
)
from sysreview.project._protocol import (
    OTHER_KINDS,
    SEARCH_KINDS,
    SOURCE_KINDS,
    Analysis,
    Eligibility,
    Keywords,
    Outcomes,
    Picos,
    Protocol,
    Reviewer,
    ScreeningPlan,
    Source,
    SourceKind,
    Update,
    load_protocol,
    parse_protocol,
    parse_source_kind,
    render_protocol,
)
from sysreview.project._screen import Highlight, Progress, ScreeningSession, highlights
from sysreview.project._state import RecordInfo, ReviewState
from sysreview.project._store import Store
from sysreview.project._values import ImportBatch, ImportInfo, ImportSummary, Rules, StoredRecord
from sysreview.project._webdata import (
    ROLES,
    SUBMISSION_KINDS,
    Account,
    AuditLine,
    AuditSource,
    LoginCounts,
    Role,
    Submission,
    SubmissionKind,
    WebData,
)

__all__ = [
    "DEFAULT_STORE",
    "FULLTEXT_DIR",
    "HEAD_REVISION",
    "OTHER_KINDS",
    "PRISMA_FIELDS",
    "PROTOCOL_FILE",
    "ROLES",
    "SEARCH_KINDS",
    "SOURCE_KINDS",
    "STORE_FILE",
    "SUBMISSION_KINDS",
    "Account",
    "Analysis",
    "Archive",
    "AuditLine",
    "AuditSource",
    "DedupState",
    "DuplicateGroup",
    "Eligibility",
    "GroupInput",
    "Highlight",
    "ImportBatch",
    "ImportInfo",
    "ImportReport",
    "ImportSummary",
    "Keywords",
    "LoginCounts",
    "Outcomes",
    "Picos",
    "Prisma",
    "Progress",
    "Project",
    "Protocol",
    "RecordInfo",
    "ReviewState",
    "Reviewer",
    "Role",
    "Rules",
    "ScreeningPlan",
    "ScreeningSession",
    "Source",
    "SourceKind",
    "Store",
    "StoreBusyError",
    "StoreError",
    "StoredRecord",
    "Submission",
    "SubmissionKind",
    "Update",
    "Verdict",
    "WebData",
    "database_url",
    "display_url",
    "export_project",
    "highlights",
    "import_project",
    "init_project",
    "load_protocol",
    "open_project",
    "parse_protocol",
    "parse_source_kind",
    "prisma_counts",
    "read_archive",
    "render_protocol",
    "signature",
    "write_archive",
]
