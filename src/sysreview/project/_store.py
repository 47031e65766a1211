"""The project store: one SQLite file (WAL) by default, or a PostgreSQL database for a team; same code for both.

Every write is one transaction that checks the rules against what is stored and appends; nothing is ever updated
or deleted. Concurrent writers are safe:

- SQLite: write-ahead logging (readers never wait for a writer), a busy timeout of 30 s, and every write
  transaction opened with ``BEGIN IMMEDIATE`` so that two writers queue for the lock instead of one of them failing
  when it upgrades a read lock.
- PostgreSQL: writes run at SERIALIZABLE isolation and are retried (with back-off) when the server reports a
  serialization failure or deadlock, so two reviewers deciding at once lose nothing and cannot both take the last
  reviewer slot of a record; reads run at REPEATABLE READ, one consistent snapshot per call.

The schema is created and upgraded by the Alembic migrations in ``migrations/``, never by ``create_all``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar, cast

from sqlalchemy import Connection, Engine, exists, func, insert, inspect, or_, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import aliased

from sysreview.errors import InputError, SysreviewError
from sysreview.project._database import (
    HEAD_REVISION,
    MIGRATIONS,
    RETRY_STATES,
    SQLITE_BUSY_SECONDS,
    StoreBusyError,
    StoreError,
    database_url,
    display_url,
    make_engine,
    migrate,
    revision_of,
    sqlstate,
)
from sysreview.project._dedup import DedupState, GroupInput, Verdict, signature
from sysreview.project._protocol import SOURCE_KINDS, SourceKind, reason_problem
from sysreview.project._schema import (
    APPEND_ONLY_TABLES,
    DecisionRow,
    DedupRunRow,
    DedupVerdictRow,
    DuplicateGroupRow,
    DuplicateMemberRow,
    ImportRow,
    RecordRow,
)
from sysreview.project._state import RecordInfo, ReviewState, ineligibility
from sysreview.project._values import (
    ImportBatch,
    ImportInfo,
    ImportSummary,
    Rules,
    StoredRecord,
    checked_group,
    clean_text,
    decision_from_row,
    dedup_state,
    file_name,
    import_info_from_row,
    plain_text,
    record_from_json,
    record_json,
    storable,
)
from sysreview.project._webdata import AuditSource, WebData, audit_row
from sysreview.records import RecordSet
from sysreview.review import (
    Decision,
    Label,
    LabelledRecords,
    ScreeningState,
    Stage,
    from_in_force,
    parse_stage,
    replay,
)

__all__ = ["Store"]

#: attempts of a PostgreSQL write transaction that meets serialization failures
MAX_ATTEMPTS: Final[int] = 12
_NAME_LIMIT: Final[int] = 200
_CHUNK: Final[int] = 500

T = TypeVar("T")


# ---------------------------------------------------------------------- the store
class Store:
    """A review's store. Open one with :meth:`create` (a new, empty database) or :meth:`open`.

    Methods that write check the rules and append in one transaction; methods that read see one consistent
    snapshot. A store is safe to use from several threads and processes at once.
    """

    def __init__(
        self,
        engine: Engine,
        url: URL,
        *,
        rules: Rules | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._engine = engine
        self._infos: tuple[int, tuple[RecordInfo, ...]] = (0, ())
        self._infos_lock = threading.Lock()
        self.url = url
        self.rules = rules if rules is not None else Rules()
        self._clock = clock if clock is not None else (lambda: dt.datetime.now(dt.UTC))
        self.web = WebData(read=self._read, write=self._write, now=self._now)
        """The web app's accounts, sessions, audit log and saved forms (:class:`WebData`)."""

    # -- opening -----------------------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        url: str | URL,
        *,
        rules: Rules | None = None,
        base: Path | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> Store:
        """A new store: the database must hold no sysreview tables; the migrations create them."""
        parsed = database_url(url, base=base)
        if parsed.get_backend_name() == "sqlite":
            assert parsed.database is not None
            path = Path(parsed.database)
            if path.exists() and path.stat().st_size > 0:
                raise StoreError(f"{path} exists already; a new store needs a new file")
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(parsed)
        store = cls(engine, parsed, rules=rules, clock=clock)
        try:
            store._write(store._create_schema)
        except BaseException:
            engine.dispose()
            raise
        return store

    @classmethod
    def open(
        cls,
        url: str | URL,
        *,
        rules: Rules | None = None,
        base: Path | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> Store:
        """An existing store, upgraded to the current schema if it is older."""
        parsed = database_url(url, base=base)
        if parsed.get_backend_name() == "sqlite":
            assert parsed.database is not None
            if not Path(parsed.database).is_file():
                raise StoreError(f"no store at {parsed.database}")
        engine = make_engine(parsed)
        store = cls(engine, parsed, rules=rules, clock=clock)
        try:
            revision = store._read(revision_of)
            if revision != HEAD_REVISION:
                store._write(store._upgrade_schema)
        except BaseException:
            engine.dispose()
            raise
        return store

    def close(self) -> None:
        """Release the connections."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def __repr__(self) -> str:
        return f"Store({display_url(self.url)!r})"

    def _create_schema(self, conn: Connection) -> None:
        present = set(inspect(conn).get_table_names()) & {"alembic_version", *APPEND_ONLY_TABLES}
        if present:
            raise StoreError(
                f"{display_url(self.url)} already holds a sysreview store (tables {', '.join(sorted(present))}); "
                "give a new database or schema"
            )
        migrate(conn, "upgrade")

    def _upgrade_schema(self, conn: Connection) -> None:
        if self.dialect == "postgresql":  # one upgrader at a time; the others wait, then find nothing to do
            conn.execute(text("SELECT pg_advisory_xact_lock(7061532)"))
        revision = revision_of(conn)
        if revision == HEAD_REVISION:
            return
        if revision is None:
            raise StoreError(f"{display_url(self.url)} is not a sysreview store (create one with `sysreview init`)")
        from alembic.script import ScriptDirectory  # noqa: PLC0415 (alembic only loads when a schema changes)

        known = {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
        if revision not in known:
            raise StoreError(
                f"{display_url(self.url)} has schema revision {revision!r}, made by a newer sysreview; "
                "upgrade sysreview"
            )
        migrate(conn, "upgrade")

    # -- transactions ------------------------------------------------------------------------------------------
    def _read(self, work: Callable[[Connection], T]) -> T:
        try:
            with self._engine.connect() as conn:
                if self.dialect == "postgresql":
                    conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    return work(conn)
        except OperationalError as error:
            raise self._translate(error) from error

    def _write(self, work: Callable[[Connection], T]) -> T:
        delay = 0.005
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self._engine.connect() as conn:
                    if self.dialect == "postgresql":
                        conn.execution_options(isolation_level="SERIALIZABLE")
                    else:
                        conn.execution_options(sysreview_write=True)
                    with conn.begin():
                        return work(conn)
            except DBAPIError as error:
                if sqlstate(error) in RETRY_STATES and attempt < MAX_ATTEMPTS:
                    time.sleep(delay * (1.0 + random.random()))  # jitter (not cryptography)
                    delay = min(delay * 2.0, 0.5)
                    continue
                raise self._translate(error) from error
        raise AssertionError("unreachable")  # pragma: no cover

    def _translate(self, error: DBAPIError) -> SysreviewError:
        message = str(error.orig) if error.orig is not None else str(error)
        if "database is locked" in message or "database is busy" in message:
            return StoreBusyError(
                f"{display_url(self.url)}: another writer held the store for more than {SQLITE_BUSY_SECONDS:g} s"
            )
        if sqlstate(error) in RETRY_STATES:
            return StoreBusyError(f"{display_url(self.url)}: gave up after {MAX_ATTEMPTS} conflicting attempts")
        if isinstance(error, IntegrityError):
            return StoreError(f"{display_url(self.url)}: the store refused the write: {message.splitlines()[0]}")
        return StoreError(f"{display_url(self.url)}: {message.splitlines()[0] if message else type(error).__name__}")

    def _now(self) -> dt.datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the store's clock must give timezone-aware times")
        return now.astimezone(dt.UTC)

    # -- imports -----------------------------------------------------------------------------------------------
    def add_imports(self, batches: Sequence[ImportBatch]) -> tuple[ImportSummary, ...]:
        """Store the records of several files in one transaction (all or none).

        A file whose content (SHA-256) was imported before is refused, so that records are not counted twice in
        PRISMA's identification box. A record whose id is already taken in the project gets the key
        ``"<file name>:<id>"`` (``#k`` appended while that is taken too), and the summary lists it.
        """
        for batch in batches:
            if batch.kind not in SOURCE_KINDS:
                raise InputError(f"unknown kind of source {batch.kind!r}; choose one of {', '.join(SOURCE_KINDS)}")
            if not batch.source.strip():
                raise InputError("the source (database) of the records must be named", file=batch.file_path)
        hashes = [batch.sha256 for batch in batches]
        for i, digest in enumerate(hashes):
            if digest in hashes[:i]:
                raise InputError(
                    f"the same content as {batches[hashes.index(digest)].file_path} (given twice)",
                    file=batches[i].file_path,
                )
        return self._write(lambda conn: tuple(self._add_import(conn, batch) for batch in batches))

    def _add_import(self, conn: Connection, batch: ImportBatch) -> ImportSummary:
        storable(batch.file_path, "file name", file=batch.file_path)
        storable(batch.source, "source", file=batch.file_path)
        earlier = conn.execute(
            select(ImportRow.id, ImportRow.file_path, ImportRow.imported_at).where(ImportRow.sha256 == batch.sha256)
        ).first()
        if earlier is not None:
            raise InputError(
                f"already imported (import {earlier.id}, {earlier.file_path}, on "
                f"{earlier.imported_at:%Y-%m-%d %H:%M} UTC): the same content would count its records twice",
                file=batch.file_path,
            )
        now = self._now()
        issues = tuple(issue.to_dict() for issue in batch.issues)
        import_id = conn.execute(
            insert(ImportRow)
            .values(
                file_name=file_name(batch.file_path),
                file_path=batch.file_path,
                sha256=batch.sha256,
                format=batch.format,
                source=batch.source.strip(),
                kind=batch.kind,
                searched_on=batch.searched_on,
                imported_at=now,
                imported_by=batch.imported_by,
                record_count=len(batch.records),
                issues=json.dumps(issues, ensure_ascii=True, allow_nan=False),
            )
            .returning(ImportRow.id)
        ).scalar_one()
        taken = set(conn.execute(select(RecordRow.key)).scalars())
        name = file_name(batch.file_path)
        rows: list[dict[str, Any]] = []
        renamed: list[tuple[str, str]] = []
        for position, record in enumerate(batch.records, start=1):
            key = record.id
            if key in taken:
                base = key if key.startswith(f"{name}:") else f"{name}:{key}"
                key, k = base, 1
                while key in taken:
                    k += 1
                    key = f"{base}#{k}"
                renamed.append((record.id, key))
            where = f"record {position}" + (f" (line {record.line})" if record.line and record.row is None else "")
            if len(key) > 500:
                raise InputError(f"{where}: id too long ({len(key)} characters)", file=batch.file_path, row=record.row)
            storable(key, f"{where}: id", file=batch.file_path, row=record.row)
            taken.add(key)
            rows.append(
                {
                    "key": key,
                    "import_id": import_id,
                    "position": position,
                    "source_id": record.id,
                    "title": plain_text(record.title),
                    "year": record.year,
                    "doi": plain_text(record.doi),
                    "data": record_json(record),
                }
            )
        for start in range(0, len(rows), _CHUNK):
            conn.execute(insert(RecordRow), rows[start : start + _CHUNK])
        info = import_info_from_row(conn.execute(select(ImportRow).where(ImportRow.id == import_id)).one()._mapping)
        return ImportSummary(info=info, renamed=tuple(renamed))

    def imports(self) -> tuple[ImportInfo, ...]:
        """Every import, in order."""
        rows = self._read(lambda conn: conn.execute(select(ImportRow).order_by(ImportRow.id)).all())
        return tuple(import_info_from_row(row._mapping) for row in rows)

    # -- records -----------------------------------------------------------------------------------------------
    def records(self, keys: Iterable[str] | None = None) -> tuple[StoredRecord, ...]:
        """The records (all, in import order, or those of ``keys`` in that order); an unknown key is an error."""
        wanted = None if keys is None else list(keys)

        def work(conn: Connection) -> list[Any]:
            query = select(
                RecordRow.key, RecordRow.import_id, RecordRow.position, RecordRow.source_id, RecordRow.data
            ).order_by(RecordRow.id)
            if wanted is None:
                return list(conn.execute(query).all())
            found: list[Any] = []
            for start in range(0, len(wanted), _CHUNK):
                found.extend(conn.execute(query.where(RecordRow.key.in_(wanted[start : start + _CHUNK]))).all())
            return found

        rows = {row.key: row for row in self._read(work)}
        order = list(rows) if wanted is None else wanted
        missing = [key for key in order if key not in rows]
        if missing:
            raise InputError(f"no record {missing[0]!r} in the store")
        return tuple(
            StoredRecord(
                key=key,
                import_id=rows[key].import_id,
                position=rows[key].position,
                source_id=rows[key].source_id,
                record=record_from_json(key, rows[key].data),
            )
            for key in order
        )

    def record(self, key: str) -> StoredRecord:
        """The record ``key``."""
        return self.records([key])[0]

    def record_set(self) -> RecordSet:
        """Every record as a :class:`~sysreview.records.RecordSet` (ids are the project's keys), e.g. for dedup."""
        return RecordSet(tuple(stored.record for stored in self.records()))

    # -- state -------------------------------------------------------------------------------------------------
    def state(self) -> ReviewState:
        """Records, duplicates and screening state, read in one snapshot (the events in force, found by query)."""
        return self._read(self._state)

    def _state(self, conn: Connection) -> ReviewState:
        records = self._record_infos(conn)
        return ReviewState(records=records, dedup=dedup_state(conn), screening=self._in_force(conn))

    def _record_infos(self, conn: Connection) -> tuple[RecordInfo, ...]:
        """Every record's origin, in import order. Records are only ever appended, so the ones read before are
        kept and only those with a larger id are read (all are read again if a record with a smaller id appeared
        since, as when an import commits after a later one)."""
        with self._infos_lock:
            known, infos = self._infos
        last, below = conn.execute(
            select(func.max(RecordRow.id), func.count().filter(RecordRow.id <= known)).select_from(RecordRow)
        ).one()
        if last is None:
            return ()
        if below != len(infos) or last < known:
            known, infos = 0, ()
        if last == known:
            return infos
        rows = conn.execute(
            select(RecordRow.key, RecordRow.import_id, ImportRow.source, ImportRow.kind)
            .join(ImportRow, ImportRow.id == RecordRow.import_id)
            .where(RecordRow.id > known, RecordRow.id <= last)
            .order_by(RecordRow.id)
        ).all()
        infos = infos + tuple(
            RecordInfo(key=row.key, import_id=row.import_id, source=row.source, kind=cast(SourceKind, row.kind))
            for row in rows
        )
        with self._infos_lock:
            self._infos = (last, infos)
        return infos

    def _in_force(self, conn: Connection) -> ScreeningState:
        d = aliased(DecisionRow)
        later = aliased(DecisionRow)
        undo_d = aliased(DecisionRow)
        undo_later = aliased(DecisionRow)
        retracted = exists().where(undo_d.retracts == d.id)
        superseded = exists().where(
            later.record_id == d.record_id,
            later.stage == d.stage,
            later.kind == d.kind,
            or_(d.kind != "vote", later.reviewer == d.reviewer),
            later.id > d.id,
            ~exists().where(undo_later.retracts == later.id),
        )
        query = (
            select(d, RecordRow.key)
            .join(RecordRow, RecordRow.id == d.record_id)
            .where(d.kind != "retract", ~retracted, ~superseded)
            .order_by(d.id)
        )
        events = [decision_from_row(row._mapping) for row in conn.execute(query).all()]
        return from_in_force(events, self.rules.policy)

    def decisions(self, stage: Stage | None = None, *, reviewer: str | None = None) -> tuple[Decision, ...]:
        """The decision log (of one stage and reviewer, when given), in order."""
        query = select(DecisionRow, RecordRow.key).join(RecordRow, RecordRow.id == DecisionRow.record_id)
        if stage is not None:
            query = query.where(DecisionRow.stage == parse_stage(stage))
        if reviewer is not None:
            query = query.where(DecisionRow.reviewer == reviewer)
        rows = self._read(lambda conn: conn.execute(query.order_by(DecisionRow.id)).all())
        return tuple(decision_from_row(row._mapping) for row in rows)

    def labelled(self, stage: Stage, *, reviewer: str | None = None) -> LabelledRecords:
        """The records eligible at ``stage`` with their labels, for a ranking model.

        With ``reviewer``: that reviewer's own votes in force (``include`` and ``maybe`` → 1, ``exclude`` → 0), so
        that a model trained on them keeps the reviewer blind to the others. Without: the final decisions.
        """
        stage = parse_stage(stage)
        state = self.state()
        eligible = state.eligible(stage)
        labels: list[int | None] = []
        for info in eligible:
            entry = state.screening.get(info.key, stage)
            if reviewer is not None:
                vote = entry.vote_of(reviewer)
                labels.append(None if vote is None else int(vote.label != "exclude"))
            else:
                labels.append(None if entry.label is None else int(entry.label == "include"))
        stored = self.records([info.key for info in eligible])
        # the order in which the labelled records were first decided (the screening sequence a discovery-curve
        # estimate of the relevant records left needs); undone and retracted decisions only delay a record
        labelled = {info.key for info, label in zip(eligible, labels, strict=True) if label is not None}
        log = self.decisions(stage, reviewer=reviewer)
        sequence = tuple(dict.fromkeys(d.record for d in log if d.record in labelled))
        return LabelledRecords(
            stage=stage,
            reviewer=reviewer,
            records=RecordSet(tuple(s.record for s in stored)),
            labels=tuple(labels),
            sequence=sequence,
        )

    # -- decisions ---------------------------------------------------------------------------------------------
    def decide(
        self,
        record: str,
        *,
        stage: Stage,
        reviewer: str,
        label: Label,
        reason: str | None = None,
        audit: AuditSource | None = None,
    ) -> Decision:
        """Record ``reviewer``'s vote on ``record`` at ``stage`` (a later vote of theirs replaces it).

        Refused: a record not eligible at the stage (a removed duplicate; at full text, one not included at
        title/abstract), a record that already has the votes the stage asks for from other reviewers, a full-text
        exclusion without a reason from the protocol's list. ``audit``: also log the vote in the web audit log
        (``decide``), in the same transaction.
        """
        stage = parse_stage(stage)
        reviewer = self._reviewer(reviewer)
        if label not in ("include", "exclude", "maybe"):
            raise InputError(f"a vote is include, exclude or maybe, not {label!r}")
        reason = self._reason(stage, label, reason)

        def work(conn: Connection) -> Decision:
            record_id, entry = self._checked(conn, record, stage)
            voters = entry.reviewers
            required = self.rules.policy.required(stage)
            if reviewer not in voters and len(voters) >= required:
                raise InputError(
                    f"record {record!r} already has the {required} independent vote(s) {stage} asks for "
                    f"({'dual' if required == 2 else 'single' if required == 1 else str(required)} screening); "
                    "a conflict goes to a third reviewer with resolve"
                )
            if entry.retrieval is not None:
                raise InputError(f"record {record!r}: the full text was not retrieved (undo that first)")
            decision = self._append(
                conn, record_id, record, stage=stage, kind="vote", reviewer=reviewer, label=label, reason=reason
            )
            return self._audited(conn, "decide", decision, audit)

        return self._write(work)

    def resolve(
        self,
        record: str,
        *,
        stage: Stage,
        reviewer: str,
        label: Label,
        reason: str | None = None,
        audit: AuditSource | None = None,
    ) -> Decision:
        """A third reviewer settles ``record``'s conflict at ``stage`` (include or exclude).

        The resolver must not be one of the reviewers who voted on the record at that stage. ``audit``: also log
        it in the web audit log (``resolve``), in the same transaction.
        """
        stage = parse_stage(stage)
        reviewer = self._reviewer(reviewer)
        if label not in ("include", "exclude"):
            raise InputError(f"a resolution is include or exclude, not {label!r}")
        reason = self._reason(stage, label, reason)

        def work(conn: Connection) -> Decision:
            record_id, entry = self._checked(conn, record, stage)
            if entry.status != "conflict":
                raise InputError(f"record {record!r} is not in conflict at {stage} (status: {entry.status})")
            if reviewer in entry.reviewers:
                raise InputError(
                    f"{reviewer!r} voted on record {record!r} and cannot resolve its conflict; "
                    "a third reviewer resolves it"
                )
            decision = self._append(
                conn, record_id, record, stage=stage, kind="resolve", reviewer=reviewer, label=label, reason=reason
            )
            return self._audited(conn, "resolve", decision, audit)

        return self._write(work)

    def mark_not_retrieved(
        self, record: str, *, reviewer: str, reason: str | None = None, audit: AuditSource | None = None
    ) -> Decision:
        """Note that the full text of ``record`` could not be obtained (PRISMA's "reports not retrieved");
        ``audit``: also log it in the web audit log (``decide``), in the same transaction."""
        reviewer = self._reviewer(reviewer)
        reason = clean_text(reason, "reason")

        def work(conn: Connection) -> Decision:
            record_id, entry = self._checked(conn, record, "full_text")
            if entry.retrieval is not None:
                raise InputError(f"record {record!r} is already noted as not retrieved")
            if entry.final:
                raise InputError(f"record {record!r} was already assessed at full text ({entry.status})")
            decision = self._append(
                conn,
                record_id,
                record,
                stage="full_text",
                kind="retrieval",
                reviewer=reviewer,
                label="not_retrieved",
                reason=reason,
            )
            return self._audited(conn, "decide", decision, audit)

        return self._write(work)

    def retract(self, decision: int, *, reviewer: str) -> Decision:
        """Undo decision ``decision`` of ``reviewer`` by appending a retraction (the log keeps both)."""
        reviewer = self._reviewer(reviewer)

        def work(conn: Connection) -> Decision:
            row = conn.execute(
                select(DecisionRow, RecordRow.key)
                .join(RecordRow, RecordRow.id == DecisionRow.record_id)
                .where(DecisionRow.id == decision)
            ).first()
            if row is None:
                raise InputError(f"no decision {decision}")
            target = decision_from_row(row._mapping)
            if target.kind == "retract":
                raise InputError(f"decision {decision} is itself a retraction; decide again instead")
            if target.reviewer != reviewer:
                raise InputError(f"decision {decision} is {target.reviewer!r}'s; {reviewer!r} cannot retract it")
            if conn.execute(select(DecisionRow.id).where(DecisionRow.retracts == decision)).first() is not None:
                raise InputError(f"decision {decision} is already retracted")
            return self._append(
                conn,
                row.record_id,
                target.record,
                stage=target.stage,
                kind="retract",
                reviewer=reviewer,
                retracts=decision,
            )

        return self._write(work)

    def undo(self, *, reviewer: str, stage: Stage, audit: AuditSource | None = None) -> Decision | None:
        """Retract ``reviewer``'s latest decision at ``stage`` that is not retracted (None: nothing to undo);
        ``audit``: also log it in the web audit log (``undo``), in the same transaction."""
        stage = parse_stage(stage)
        reviewer = self._reviewer(reviewer)

        def work(conn: Connection) -> Decision | None:
            undone = aliased(DecisionRow)
            row = conn.execute(
                select(DecisionRow, RecordRow.key)
                .join(RecordRow, RecordRow.id == DecisionRow.record_id)
                .where(
                    DecisionRow.reviewer == reviewer,
                    DecisionRow.stage == stage,
                    DecisionRow.kind != "retract",
                    ~exists().where(undone.retracts == DecisionRow.id),
                )
                .order_by(DecisionRow.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            decision = self._append(
                conn, row.record_id, row.key, stage=stage, kind="retract", reviewer=reviewer, retracts=row.id
            )
            return self._audited(conn, "undo", decision, audit)

        return self._write(work)

    def _checked(self, conn: Connection, key: str, stage: Stage) -> tuple[int, Any]:
        """The record's id and state at ``stage``, after checking that it may be screened there."""
        found = conn.execute(
            select(RecordRow.id, ImportRow.source, ImportRow.kind)
            .join(ImportRow, ImportRow.id == RecordRow.import_id)
            .where(RecordRow.key == key)
        ).first()
        if found is None:
            raise InputError(f"no record {key!r} in the store")
        info = RecordInfo(key=key, import_id=0, source=found.source, kind=cast(SourceKind, found.kind))
        rows = conn.execute(
            select(DecisionRow, RecordRow.key)
            .join(RecordRow, RecordRow.id == DecisionRow.record_id)
            .where(DecisionRow.record_id == found.id)
            .order_by(DecisionRow.id)
        ).all()
        state = replay([decision_from_row(row._mapping) for row in rows], self.rules.policy)
        removed_into = dedup_state(conn).removed.get(key)
        problem = ineligibility(
            info, stage, removed_into=removed_into, title_abstract=state.status(key, "title_abstract")
        )
        if problem is not None:
            raise InputError(problem)
        return found.id, state.get(key, stage)

    def _append(
        self,
        conn: Connection,
        record_id: int,
        record: str,
        *,
        stage: Stage,
        kind: str,
        reviewer: str,
        label: str | None = None,
        reason: str | None = None,
        retracts: int | None = None,
    ) -> Decision:
        now = self._now()
        new_id = conn.execute(
            insert(DecisionRow)
            .values(
                record_id=record_id,
                stage=stage,
                kind=kind,
                reviewer=reviewer,
                label=label,
                reason=reason,
                created_at=now,
                retracts=retracts,
            )
            .returning(DecisionRow.id)
        ).scalar_one()
        return Decision(
            id=new_id,
            record=record,
            stage=stage,
            kind=cast(Any, kind),
            reviewer=reviewer,
            label=cast(Any, label),
            reason=reason,
            time=now,
            retracts=retracts,
        )

    def _audited(self, conn: Connection, action: str, decision: Decision, audit: AuditSource | None) -> Decision:
        if audit is not None:
            detail: dict[str, Any] = {"stage": decision.stage, "decision": decision.id}
            if decision.label is not None:
                detail["label"] = decision.label
            audit_row(
                conn, decision.time, decision.reviewer, action, decision.record, detail=detail, address=audit.address
            )
        return decision

    def check_reviewer(self, name: str) -> str:
        """``name`` stripped, if it may record decisions (one of the protocol's reviewers when it lists any)."""
        return self._reviewer(name)

    def _reviewer(self, name: str) -> str:
        cleaned = clean_text(name, "reviewer")
        if cleaned is None:
            raise InputError("a reviewer must be named")
        if len(cleaned) > _NAME_LIMIT:
            raise InputError(f"a reviewer's name is at most {_NAME_LIMIT} characters")
        if self.rules.reviewers and cleaned not in self.rules.reviewers:
            raise InputError(
                f"{cleaned!r} is not one of the protocol's reviewers ([[reviewers]] in review.toml: "
                f"{', '.join(self.rules.reviewers)})"
            )
        return cleaned

    def _reason(self, stage: Stage, label: str, reason: str | None) -> str | None:
        reason = clean_text(reason, "reason")
        if stage != "full_text" or label != "exclude":
            return reason
        if reason is None:
            choices = self.rules.exclusion_reasons
            hint = f": one of {', '.join(choices)}" if choices else ""
            raise InputError(f"a full-text exclusion needs a reason (PRISMA counts them){hint}")
        problem = reason_problem(reason)
        if problem is not None:
            raise InputError(problem)
        if self.rules.exclusion_reasons:
            for choice in self.rules.exclusion_reasons:
                if choice.casefold() == reason.casefold():
                    return choice
            raise InputError(
                f"exclusion reason {reason!r} is not in the protocol's list (screening.exclusion_reasons: "
                f"{', '.join(self.rules.exclusion_reasons)})"
            )
        return reason

    # -- deduplication -----------------------------------------------------------------------------------------
    def dedup(self) -> DedupState:
        """The duplicate groups in force (of the latest run) with their verdicts."""
        return self._read(dedup_state)

    def save_dedup(
        self,
        groups: Sequence[GroupInput],
        *,
        method: str,
        settings: Mapping[str, Any] | None = None,
        created_by: str | None = None,
    ) -> DedupState:
        """Store a deduplication run over the records in the store; it replaces the run in force (verdicts given on
        the same members carry over)."""
        if not method.strip():
            raise InputError("name the deduplication method")
        settings_json = json.dumps(dict(settings or {}), ensure_ascii=True, sort_keys=True, allow_nan=False)
        checked = [checked_group(group, n) for n, group in enumerate(groups, start=1)]

        def work(conn: Connection) -> DedupState:
            ids: dict[str, int] = {row.key: row.id for row in conn.execute(select(RecordRow.key, RecordRow.id))}
            for n, group in enumerate(checked, start=1):
                for key in group.members:
                    if key not in ids:
                        raise InputError(f"duplicate group {n}: no record {key!r} in the store")
            run_id = conn.execute(
                insert(DedupRunRow)
                .values(
                    method=method.strip(),
                    settings=settings_json,
                    created_at=self._now(),
                    created_by=created_by,
                    record_count=len(ids),
                )
                .returning(DedupRunRow.id)
            ).scalar_one()
            for n, group in enumerate(checked, start=1):
                members = sorted(group.members, key=lambda key: ids[key])
                keep = group.keep if group.keep is not None else members[0]
                group_id = conn.execute(
                    insert(DuplicateGroupRow)
                    .values(
                        run_id=run_id,
                        position=n,
                        signature=signature(members),
                        certain=group.certain,
                        score=group.score,
                        reasons=json.dumps(list(group.reasons), ensure_ascii=True),
                        keep_record_id=ids[keep],
                    )
                    .returning(DuplicateGroupRow.id)
                ).scalar_one()
                conn.execute(
                    insert(DuplicateMemberRow), [{"group_id": group_id, "record_id": ids[key]} for key in members]
                )
            return dedup_state(conn)

        return self._write(work)

    def judge_duplicates(self, group: int, *, reviewer: str, verdict: Verdict, note: str | None = None) -> DedupState:
        """A person's verdict on duplicate group ``group`` of the run in force: ``duplicate`` or ``distinct``."""
        reviewer = self._reviewer(reviewer)
        if verdict not in ("duplicate", "distinct"):
            raise InputError(f"a verdict is duplicate or distinct, not {verdict!r}")
        note = clean_text(note, "note")

        def work(conn: Connection) -> DedupState:
            found = dedup_state(conn).group(group)
            conn.execute(
                insert(DedupVerdictRow).values(
                    signature=found.signature,
                    group_id=found.id,
                    reviewer=reviewer,
                    verdict=verdict,
                    note=note,
                    created_at=self._now(),
                    retracts=None,
                )
            )
            return dedup_state(conn)

        return self._write(work)

    def undo_duplicates(self, *, reviewer: str) -> DedupState | None:
        """Retract ``reviewer``'s latest verdict on a duplicate group that is not retracted (None: none)."""
        reviewer = self._reviewer(reviewer)

        def work(conn: Connection) -> DedupState | None:
            undone = aliased(DedupVerdictRow)
            row = conn.execute(
                select(DedupVerdictRow)
                .where(
                    DedupVerdictRow.reviewer == reviewer,
                    DedupVerdictRow.verdict != "retract",
                    ~exists().where(undone.retracts == DedupVerdictRow.id),
                )
                .order_by(DedupVerdictRow.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            conn.execute(
                insert(DedupVerdictRow).values(
                    signature=row.signature,
                    group_id=row.group_id,
                    reviewer=reviewer,
                    verdict="retract",
                    note=None,
                    created_at=self._now(),
                    retracts=row.id,
                )
            )
            return dedup_state(conn)

        return self._write(work)

    # -- whole tables (export and import) ----------------------------------------------------------------------
    def dump(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table of the review's data (``ARCHIVED_TABLES``: not the web server's accounts,
        sessions and audit log), by table, in primary-key order (one snapshot)."""

        def work(conn: Connection) -> dict[str, list[dict[str, Any]]]:
            tables: dict[str, list[dict[str, Any]]] = {}
            for table in _archived():
                order = list(table.primary_key.columns)
                rows = conn.execute(select(table).order_by(*order)).all()
                tables[table.name] = [dict(row._mapping) for row in rows]
            return tables

        return self._read(work)

    def load(self, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Fill an empty store with the rows of :meth:`dump` (ids kept); refused if the store holds any review
        data (accounts made beforehand are kept)."""
        unknown = set(tables) - {table.name for table in _archived()}
        if unknown:
            raise InputError(f"unknown tables: {', '.join(sorted(unknown))}")

        def work(conn: Connection) -> None:
            for table in _archived():
                if conn.execute(select(func.count()).select_from(table)).scalar_one():
                    raise StoreError(f"{display_url(self.url)} is not empty (table {table.name} has rows)")
            for table in _archived():
                rows = [dict(row) for row in tables.get(table.name, ())]
                for start in range(0, len(rows), _CHUNK):
                    conn.execute(insert(table), rows[start : start + _CHUNK])
                if self.dialect == "postgresql" and "id" in table.columns:
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 1), "
                            f"(SELECT MAX(id) FROM {table.name}) IS NOT NULL)"
                        )
                    )

        self._write(work)

    def revision(self) -> str | None:
        """The schema revision of the database."""
        return self._read(revision_of)


def _archived() -> list[Any]:
    """The table objects of the review's data, in an order that respects foreign keys."""
    from sysreview.project._schema import ARCHIVED_TABLES, Base  # noqa: PLC0415 (only export and import need them)

    return [Base.metadata.tables[name] for name in ARCHIVED_TABLES]
