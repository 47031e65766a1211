"""A review's home on disk: the protocol ``review.toml``, the store, and what ties them together.

A project folder holds

- ``review.toml``: the protocol (see :mod:`sysreview.project._protocol`), written once from a template;
- ``review.db``: the SQLite store (the default), or ``store.toml`` naming a PostgreSQL database for a team
  (``url = "postgresql://user@host/db"``; the password is never written there: PostgreSQL reads it from
  ``PGPASSWORD`` or ``~/.pgpass``).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Final

from sqlalchemy.engine import URL

from sysreview.errors import InputError
from sysreview.project._archive import FULLTEXT_DIR, fulltext_digests, fulltext_file_name, read_archive, write_archive
from sysreview.project._database import database_url, display_url
from sysreview.project._dedup import DedupState, groups_from_result
from sysreview.project._prisma import Prisma, prisma_counts
from sysreview.project._protocol import (
    SOURCE_KINDS,
    Protocol,
    SourceKind,
    load_protocol,
    parse_protocol,
    render_protocol,
)
from sysreview.project._store import Store
from sysreview.project._values import ImportBatch, ImportSummary, Rules
from sysreview.records import Issue, OnIssue, Record, detect_format, parse
from sysreview.review import STAGES, Agreement, Stage, agreement

__all__ = [
    "DEFAULT_STORE",
    "PROTOCOL_FILE",
    "STORE_FILE",
    "ImportReport",
    "Project",
    "export_project",
    "import_project",
    "init_project",
    "open_project",
]

PROTOCOL_FILE: Final[str] = "review.toml"
STORE_FILE: Final[str] = "store.toml"
DEFAULT_STORE: Final[str] = "review.db"


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    """What an import stored: one summary per file, the problems met while reading, and notes."""

    summaries: tuple[ImportSummary, ...]
    issues: tuple[Issue, ...]
    notes: tuple[str, ...]

    @property
    def records(self) -> int:
        """Records stored."""
        return sum(summary.info.record_count for summary in self.summaries)


def _rules(protocol: Protocol) -> Rules:
    return Rules(
        policy=protocol.screening.policy,
        reviewers=protocol.reviewer_names,
        exclusion_reasons=protocol.screening.exclusion_reasons,
    )


class Project:
    """One review: ``path`` (the folder), ``protocol`` (``review.toml``) and ``store``.

    Use :meth:`init` or :meth:`open` (or :func:`init_project`, :func:`open_project`); close it when done (it is a
    context manager).
    """

    def __init__(self, path: Path, protocol: Protocol, store: Store) -> None:
        self.path = path
        self.protocol = protocol
        self.store = store

    # -- creating and opening ----------------------------------------------------------------------------------
    @classmethod
    def init(
        cls,
        path: str | Path,
        *,
        title: str,
        url: str | None = None,
        reviewers: Sequence[str] = (),
        clock: Callable[[], dt.datetime] | None = None,
    ) -> Project:
        """Create the project in folder ``path``: ``review.toml`` from the template and a new store (SQLite
        ``review.db`` in the folder, or the database at ``url``)."""
        text = render_protocol(title, reviewers=reviewers)
        return cls._create(Path(path), text.encode("utf-8"), url=url, clock=clock)

    @classmethod
    def _create(
        cls, folder: Path, protocol_bytes: bytes, *, url: str | None, clock: Callable[[], dt.datetime] | None
    ) -> Project:
        protocol_path = folder / PROTOCOL_FILE
        if protocol_path.exists():
            raise InputError("a project exists here already", file=str(protocol_path))
        protocol = _parse_protocol_bytes(protocol_bytes, str(protocol_path))
        parsed = database_url(url if url is not None else f"sqlite:///{DEFAULT_STORE}", base=folder.resolve())
        folder.mkdir(parents=True, exist_ok=True)
        store = Store.create(parsed, rules=_rules(protocol), clock=clock)
        try:
            if url is not None:
                (folder / STORE_FILE).write_text(_store_file(url), encoding="utf-8")
            protocol_path.write_bytes(protocol_bytes)
        except BaseException:
            store.close()
            raise
        return cls(folder, protocol, store)

    @classmethod
    def open(cls, path: str | Path, *, clock: Callable[[], dt.datetime] | None = None) -> Project:
        """Open the project in folder ``path`` (its protocol is read and checked, its store opened)."""
        folder = Path(path)
        protocol = load_protocol(folder / PROTOCOL_FILE)
        store = Store.open(_store_url(folder), rules=_rules(protocol), base=folder.resolve(), clock=clock)
        return cls(folder, protocol, store)

    def close(self) -> None:
        """Release the store's connections."""
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Project({str(self.path)!r}, store={display_url(self.store.url)!r})"

    # -- records -----------------------------------------------------------------------------------------------
    def import_files(
        self,
        paths: Iterable[str | Path],
        *,
        source: str | None = None,
        kind: SourceKind | None = None,
        searched_on: dt.date | None = None,
        format: str | None = None,
        encoding: str | None = None,
        imported_by: str | None = None,
        on_issue: OnIssue = "collect",
    ) -> ImportReport:
        """Read database exports and store their records with their provenance, all files in one transaction.

        ``source`` names the database (else the records' own database field must name one); ``kind`` and
        ``searched_on`` default to the protocol's entry for that source (else ``database`` and no date). Problems
        met while reading are kept in the report and in the store; records with problems are kept too.
        """
        if kind is not None and kind not in SOURCE_KINDS:
            raise InputError(f"unknown kind of source {kind!r}; choose one of {', '.join(SOURCE_KINDS)}")
        batches: list[ImportBatch] = []
        issues: list[Issue] = []
        notes: list[str] = []
        for item in paths:
            path = Path(item)
            try:
                data = path.read_bytes()
            except OSError as error:
                raise InputError(f"cannot read the file: {error.strerror or error}", file=str(path)) from None
            records = parse(data, format, name=str(path), encoding=encoding, on_issue=on_issue)
            issues.extend(records.issues)
            name = source if source is not None else _source_of(records.records, str(path))
            entry = self.protocol.source(name)
            if entry is None and (self.protocol.databases or self.protocol.other_sources):
                notes.append(
                    f"{path}: source {name!r} is not listed in the protocol ([[databases]] / [[other_sources]])"
                )
            if not records.records:
                notes.append(f"{path}: no records in the file")
            batches.append(
                ImportBatch(
                    records=records,
                    file_path=str(path),
                    sha256=hashlib.sha256(data).hexdigest(),
                    format=records[0].format if records.records else (format or detect_format(str(path), data)),
                    source=entry.name if entry is not None else name,
                    kind=kind if kind is not None else (entry.kind if entry is not None else "database"),
                    searched_on=searched_on if searched_on is not None else (entry.date if entry else None),
                    imported_by=imported_by if imported_by is not None else _user(),
                    issues=records.issues,
                )
            )
        summaries = self.store.add_imports(batches)
        for summary in summaries:
            if summary.renamed:
                first_id, first_key = summary.renamed[0]
                notes.append(
                    f"{summary.info.file_path}: {len(summary.renamed)} record id(s) already used in the project "
                    f"were given new keys (e.g. {first_id!r} → {first_key!r})"
                )
        return ImportReport(summaries=summaries, issues=tuple(issues), notes=tuple(notes))

    # -- deduplication ---------------------------------------------------------------------------------------------
    def deduplicate(self, *, created_by: str | None = None) -> DedupState:
        """Run :func:`sysreview.dedup.dedup` over every record in the store and store its groups as the run in
        force (certain groups merge at once; uncertain pairs wait for a person's verdict)."""
        from sysreview.dedup import dedup  # noqa: PLC0415 (deduplication loads only when it is run)

        result = dedup(self.store.record_set())
        settings = {f.name: getattr(result.thresholds, f.name) for f in fields(result.thresholds)}
        return self.store.save_dedup(
            groups_from_result(result),
            method="sysreview.dedup",
            settings=settings,
            created_by=created_by if created_by is not None else _user(),
        )

    # -- derived views -----------------------------------------------------------------------------------------
    def prisma(self) -> Prisma:
        """The PRISMA 2020 counts now."""
        return prisma_counts(self.store.state(), self.protocol.update)

    def agreement(self, stage: Stage | None = None) -> tuple[Agreement, ...]:
        """Percent agreement and Cohen's κ per reviewer pair (of one stage, or of both in order)."""
        state = self.store.state().screening
        stages = STAGES if stage is None else (stage,)
        return tuple(result for s in stages for result in agreement(state, s))

    # -- archive -----------------------------------------------------------------------------------------------
    def export(self, target: str | Path) -> Path:
        """Write the whole project (protocol file, every row of the store, and the full-text files its submissions
        name) to the zip file ``target``. A named full-text file missing from ``fulltext/`` is an error: the archive
        would lose it."""
        protocol = (self.path / PROTOCOL_FILE).read_bytes()
        tables = self.store.dump()
        files: dict[str, bytes] = {}
        for digest, row in fulltext_digests(tables).items():
            path = self.path / FULLTEXT_DIR / fulltext_file_name(digest)
            try:
                files[path.name] = path.read_bytes()
            except FileNotFoundError:
                raise InputError(
                    f"the full-text file of submission {row} is missing (restore it, then export again)",
                    file=str(path),
                ) from None
            if hashlib.sha256(files[path.name]).hexdigest() != digest:
                raise InputError(f"the full-text file of submission {row} does not match its SHA-256", file=str(path))
        return write_archive(target, protocol=protocol, tables=tables, files=files)

    @classmethod
    def import_archive(
        cls,
        archive: str | Path,
        path: str | Path,
        *,
        url: str | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> Project:
        """A new project in folder ``path`` from an archive of :meth:`export` (store: SQLite, or ``url``)."""
        contents = read_archive(archive)
        project = cls._create(Path(path), contents.protocol, url=url, clock=clock)
        try:
            project.store.load(contents.tables)
            if contents.files:
                folder = project.path / FULLTEXT_DIR
                folder.mkdir(exist_ok=True)
                for name, content in contents.files.items():
                    (folder / name).write_bytes(content)
        except BaseException:
            project.close()
            raise
        return project


def init_project(path: str | Path, *, title: str, url: str | None = None, reviewers: Sequence[str] = ()) -> Project:
    """Create a project (see :meth:`Project.init`)."""
    return Project.init(path, title=title, url=url, reviewers=reviewers)


def open_project(path: str | Path) -> Project:
    """Open a project (see :meth:`Project.open`)."""
    return Project.open(path)


def export_project(path: str | Path, target: str | Path) -> Path:
    """Export the project in folder ``path`` to the zip file ``target``."""
    with Project.open(path) as project:
        return project.export(target)


def import_project(archive: str | Path, path: str | Path, *, url: str | None = None) -> Project:
    """A new project in folder ``path`` from an exported archive (see :meth:`Project.import_archive`)."""
    return Project.import_archive(archive, path, url=url)


# ---------------------------------------------------------------------- helpers
def _parse_protocol_bytes(data: bytes, file: str) -> Protocol:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"the protocol is not UTF-8 text: {error}", file=file) from None
    return parse_protocol(text, file=file)


def _store_file(url: str) -> str:
    parsed = database_url(url)
    safe = URL.create(  # URL.set(password=None) would keep the password: None means "unchanged" there
        parsed.drivername,
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    shown = safe.render_as_string(hide_password=False)
    escaped = shown.replace("\\", "\\\\").replace('"', '\\"')
    return (
        "# Where the store of this review is (written by `sysreview init --db`). A password is never kept here:\n"
        "# PostgreSQL reads it from the PGPASSWORD environment variable or ~/.pgpass.\n"
        f'url = "{escaped}"\n'
    )


def _store_url(folder: Path) -> str:
    path = folder / STORE_FILE
    if not path.exists():
        return f"sqlite:///{DEFAULT_STORE}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(f"cannot read the store's address: {error}", file=str(path)) from None
    url = data.get("url")
    if not isinstance(url, str) or not url.strip():
        raise InputError("key 'url': expected the database URL in quotes", file=str(path))
    unknown = sorted(set(data) - {"url"})
    if unknown:
        raise InputError(f"key '{unknown[0]}': unknown key (known keys here: url)", file=str(path))
    return url


def _source_of(records: Sequence[Record], file: str) -> str:
    names = Counter(record.database.strip() for record in records if record.database and record.database.strip())
    if len(names) == 1:
        return str(next(iter(names)))
    if not names:
        raise InputError(
            "the records do not say which database they came from; name it with --source (e.g. --source PubMed)",
            file=file,
        )
    listed = ", ".join(f"{name} ({n})" for name, n in names.most_common())
    raise InputError(
        f"the records come from several databases ({listed}); import each database's file with its --source",
        file=file,
    )


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None
