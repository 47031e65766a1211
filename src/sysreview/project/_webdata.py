"""The web app's tables in the project store: accounts, sessions, login attempts, the audit log, settings, and the
forms reviewers save (extraction, RoB 2, full-text files).

The store keeps what the web app decides, it decides nothing about security itself: password hashes arrive made
(Argon2id, in :mod:`sysreview.web`), session tokens arrive as their SHA-256, the back-off is computed by the web
app from :meth:`WebData.login_counts`. Every write is one transaction and appends its audit line in that same
transaction, so a write is never without its line nor a line without its write. Being in the store, all of this
is shared by every server process of a team on PostgreSQL: a session opened by one is valid in the others.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar, cast

from sqlalchemy import Connection, and_, func, insert, select

from sysreview.errors import InputError
from sysreview.project._schema import (
    DecisionRow,
    RecordRow,
    SubmissionRow,
    WebAccountRow,
    WebAuditRow,
    WebLoginAttemptRow,
    WebLogoutRow,
    WebSessionRow,
    WebSettingRow,
)

__all__ = [
    "ROLES",
    "SUBMISSION_KINDS",
    "Account",
    "AuditLine",
    "AuditSource",
    "LoginCounts",
    "Role",
    "Submission",
    "SubmissionKind",
    "WebData",
    "audit_row",
]

Role = Literal["lead", "reviewer"]
ROLES: Final[tuple[Role, ...]] = ("lead", "reviewer")
SubmissionKind = Literal["extraction", "rob2", "fulltext"]
SUBMISSION_KINDS: Final[tuple[SubmissionKind, ...]] = ("extraction", "rob2", "fulltext")
_NAME_LIMIT: Final[int] = 200
_ADDRESS_LIMIT: Final[int] = 200
_ACCOUNT_COLUMNS: Final[tuple[str, ...]] = ("name", "role", "password_hash", "created_at", "created_by")

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """An account of the project's web app."""

    id: int
    name: str
    """The reviewer's name, as written in the decision log."""
    role: Role


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginCounts:
    """Failed logins counted toward the back-off: for a name (since its last successful login) and an address."""

    name_failures: int
    name_last: dt.datetime | None
    """When the name's latest counted failure was (None: none)."""
    address_failures: int
    address_last: dt.datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """One saved form (extraction, RoB 2 assessment, full-text file): who, when, what."""

    id: int
    kind: SubmissionKind
    record: str
    """The record's key in the project."""
    reviewer: str
    at: dt.datetime
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditLine:
    """One line of the web app's audit log."""

    id: int
    at: dt.datetime
    user: str | None
    action: str
    target: str | None
    detail: dict[str, Any]
    address: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditSource:
    """Where a write through the web app came from: given to a store method, the write and its line in the web
    audit log are made in one transaction."""

    address: str | None = None


def _json(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), ensure_ascii=True, sort_keys=True, allow_nan=False)


def audit_row(
    conn: Connection,
    now: dt.datetime,
    user: str | None,
    action: str,
    target: str | None,
    *,
    detail: Mapping[str, Any],
    address: str | None,
) -> None:
    """Append one line to the web audit log inside the caller's transaction."""
    conn.execute(
        insert(WebAuditRow).values(
            created_at=now,
            actor=user,
            action=action[:40],
            target=target,
            detail=_json(detail),
            address=address[:_ADDRESS_LIMIT] if address else None,
        )
    )


def _account(row: Any) -> Account:
    return Account(id=row.id, name=row.name, role=cast(Role, row.role))


class WebData:
    """The web app's tables of one store (``store.web``); see the module's docstring."""

    def __init__(
        self,
        *,
        read: Callable[[Callable[[Connection], Any]], Any],
        write: Callable[[Callable[[Connection], Any]], Any],
        now: Callable[[], dt.datetime],
    ) -> None:
        self._read_work = read
        self._write_work = write
        self.now = now

    def _read(self, work: Callable[[Connection], T]) -> T:
        return cast(T, self._read_work(work))

    def _write(self, work: Callable[[Connection], T]) -> T:
        return cast(T, self._write_work(work))

    # -- settings ----------------------------------------------------------------------------------------------
    def setting(self, key: str, *, default: Callable[[], str]) -> str:
        """The setting ``key``; on first use, ``default()`` is stored (once: concurrent first uses agree)."""

        def work(conn: Connection) -> str:
            found = conn.execute(select(WebSettingRow.value).where(WebSettingRow.key == key)).scalar_one_or_none()
            if found is not None:
                return str(found)
            value = default()
            conn.execute(insert(WebSettingRow).values(key=key, value=value, created_at=self.now()))
            return value

        # read first: once the setting exists (always, after the first start) no write lock is taken
        found = self._read(
            lambda conn: conn.execute(select(WebSettingRow.value).where(WebSettingRow.key == key)).scalar_one_or_none()
        )
        return str(found) if found is not None else self._write(work)

    # -- accounts ----------------------------------------------------------------------------------------------
    def add_account(
        self,
        name: str,
        *,
        role: str,
        password_hash: str,
        created_by: str | None = None,
        source: AuditSource | None = None,
    ) -> Account:
        """A new account (names are unique); logged as ``users.add``."""
        name = name.strip()
        if not name or any(ord(ch) < 32 or ord(ch) == 127 for ch in name) or len(name) > _NAME_LIMIT:
            raise InputError(f"a user name is 1 to {_NAME_LIMIT} printable characters")
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        if not password_hash:
            raise InputError("an account needs a password hash")

        def work(conn: Connection) -> Account:
            if conn.execute(select(WebAccountRow.id).where(WebAccountRow.name == name)).first() is not None:
                raise InputError(f"user {name!r} exists already")
            now = self.now()
            new_id = conn.execute(
                insert(WebAccountRow)
                .values(name=name, role=role, password_hash=password_hash, created_at=now, created_by=created_by)
                .returning(WebAccountRow.id)
            ).scalar_one()
            audit_row(
                conn,
                now,
                created_by,
                "users.add",
                name,
                detail={"role": role},
                address=source.address if source else None,
            )
            return Account(id=new_id, name=name, role=role)

        return self._write(work)

    def accounts(self) -> tuple[Account, ...]:
        """Every account, by name."""
        rows = self._read(
            lambda conn: conn.execute(
                select(WebAccountRow.id, WebAccountRow.name, WebAccountRow.role).order_by(WebAccountRow.name)
            ).all()
        )
        return tuple(_account(row) for row in rows)

    def credentials(self, name: str) -> tuple[Account, str] | None:
        """The account called ``name`` and its password hash (None: no such account)."""
        row = self._read(lambda conn: conn.execute(select(WebAccountRow).where(WebAccountRow.name == name)).first())
        return None if row is None else (_account(row), str(row.password_hash))

    # -- logging in --------------------------------------------------------------------------------------------
    def login_counts(self, name: str, address: str, *, since: dt.datetime) -> LoginCounts:
        """Failed logins after ``since``: of ``name`` (case-folded; only those after its last successful login)
        and from ``address``."""
        subject = name.strip().casefold()[:_NAME_LIMIT]
        address = address[:_ADDRESS_LIMIT]
        attempts = WebLoginAttemptRow

        def work(conn: Connection) -> LoginCounts:
            last_ok = conn.execute(
                select(func.max(attempts.created_at)).where(attempts.name == subject, attempts.outcome == "ok")
            ).scalar_one_or_none()
            ok_at = _aware(last_ok)
            start = since if ok_at is None else max(since, ok_at)
            by_name = conn.execute(
                select(func.count(), func.max(attempts.created_at)).where(
                    attempts.name == subject, attempts.outcome == "failed", attempts.created_at > start
                )
            ).one()
            by_address = conn.execute(
                select(func.count(), func.max(attempts.created_at)).where(
                    attempts.address == address, attempts.outcome == "failed", attempts.created_at > since
                )
            ).one()
            return LoginCounts(
                name_failures=int(by_name[0]),
                name_last=_aware(by_name[1]),
                address_failures=int(by_address[0]),
                address_last=_aware(by_address[1]),
            )

        return self._read(work)

    def failed_login(self, name: str, address: str, *, locked: bool) -> None:
        """Log a failed login (``locked``: refused unread during a back-off, not counted toward it)."""

        def work(conn: Connection) -> None:
            now = self.now()
            conn.execute(
                insert(WebLoginAttemptRow).values(
                    name=name.strip().casefold()[:_NAME_LIMIT],
                    address=address[:_ADDRESS_LIMIT],
                    outcome="locked" if locked else "failed",
                    created_at=now,
                )
            )
            audit_row(conn, now, None, "login.failed", name[:_NAME_LIMIT], detail={"locked": locked}, address=address)

        self._write(work)

    def open_session(self, account: Account, *, token_hash: str, expires_at: dt.datetime, address: str) -> None:
        """Log a successful login of ``account`` and open its session (``token_hash``: SHA-256 of the cookie's
        secret), in one transaction."""

        def work(conn: Connection) -> None:
            now = self.now()
            conn.execute(
                insert(WebLoginAttemptRow).values(
                    name=account.name.casefold()[:_NAME_LIMIT],
                    address=address[:_ADDRESS_LIMIT],
                    outcome="ok",
                    created_at=now,
                )
            )
            conn.execute(
                insert(WebSessionRow).values(
                    id=token_hash, account_id=account.id, created_at=now, expires_at=expires_at, address=address
                )
            )
            audit_row(conn, now, account.name, "login", None, detail={}, address=address)

        self._write(work)

    def session(self, token_hash: str) -> tuple[Account, dt.datetime] | None:
        """The account of an open session and when it expires (None: unknown or logged out; expiry is the
        caller's to check)."""

        def work(conn: Connection) -> Any:
            return conn.execute(
                select(WebSessionRow.expires_at, WebAccountRow.id, WebAccountRow.name, WebAccountRow.role)
                .join(WebAccountRow, WebAccountRow.id == WebSessionRow.account_id)
                .outerjoin(WebLogoutRow, WebLogoutRow.session_id == WebSessionRow.id)
                .where(WebSessionRow.id == token_hash, WebLogoutRow.session_id.is_(None))
            ).first()

        row = self._read(work)
        if row is None:
            return None
        expires = _aware(row.expires_at)
        assert expires is not None
        return _account(row), expires

    def end_session(self, token_hash: str, *, user: str, address: str | None = None) -> None:
        """Log out: the session opens nothing any more (ending an ended session changes nothing)."""

        def work(conn: Connection) -> None:
            ended = conn.execute(select(WebLogoutRow.session_id).where(WebLogoutRow.session_id == token_hash))
            if ended.first() is not None:
                return
            now = self.now()
            conn.execute(insert(WebLogoutRow).values(session_id=token_hash, ended_at=now))
            audit_row(conn, now, user, "logout", None, detail={}, address=address)

        self._write(work)

    # -- the audit log -----------------------------------------------------------------------------------------
    def audit(
        self,
        user: str | None,
        action: str,
        target: str | None = None,
        *,
        detail: Mapping[str, Any] | None = None,
        address: str | None = None,
    ) -> None:
        """Append one line to the audit log: who did what to which record, and when."""
        self._write(
            lambda conn: audit_row(conn, self.now(), user, action, target, detail=detail or {}, address=address)
        )

    def audit_log(self, *, limit: int = 200) -> tuple[AuditLine, ...]:
        """The latest lines of the audit log, newest first."""
        rows = self._read(
            lambda conn: conn.execute(select(WebAuditRow).order_by(WebAuditRow.id.desc()).limit(limit)).all()
        )
        return tuple(
            AuditLine(
                id=row.id,
                at=row.created_at,
                user=row.actor,
                action=row.action,
                target=row.target,
                detail=json.loads(row.detail),
                address=row.address,
            )
            for row in rows
        )

    # -- forms -------------------------------------------------------------------------------------------------
    def submit(
        self,
        kind: SubmissionKind,
        record: str,
        *,
        reviewer: str,
        payload: Mapping[str, Any],
        source: AuditSource | None = None,
    ) -> Submission:
        """Save a form for ``record`` (appended; a reviewer's latest save of a kind and record is in force);
        logged as ``KIND.save``."""
        if kind not in SUBMISSION_KINDS:
            raise InputError(f"unknown kind of form {kind!r}; choose one of {', '.join(SUBMISSION_KINDS)}")
        text = _json(payload)

        def work(conn: Connection) -> Submission:
            record_id = conn.execute(select(RecordRow.id).where(RecordRow.key == record)).scalar_one_or_none()
            if record_id is None:
                raise InputError(f"no record {record!r} in the store")
            now = self.now()
            new_id = conn.execute(
                insert(SubmissionRow)
                .values(kind=kind, record_id=record_id, reviewer=reviewer, created_at=now, payload=text)
                .returning(SubmissionRow.id)
            ).scalar_one()
            audit_row(
                conn,
                now,
                reviewer,
                f"{kind}.save",
                record,
                detail={"submission": new_id},
                address=source.address if source else None,
            )
            return Submission(id=new_id, kind=kind, record=record, reviewer=reviewer, at=now, payload=json.loads(text))

        return self._write(work)

    def latest(self, kind: SubmissionKind, record: str, *, reviewer: str | None = None) -> Submission | None:
        """The latest save of a form for ``record`` (by ``reviewer``, when given)."""
        conditions = [SubmissionRow.kind == kind, RecordRow.key == record]
        if reviewer is not None:
            conditions.append(SubmissionRow.reviewer == reviewer)
        row = self._read(
            lambda conn: conn.execute(
                select(SubmissionRow, RecordRow.key)
                .join(RecordRow, RecordRow.id == SubmissionRow.record_id)
                .where(and_(*conditions))
                .order_by(SubmissionRow.id.desc())
                .limit(1)
            ).first()
        )
        return None if row is None else _submission(row)

    def submissions(self, kind: SubmissionKind) -> tuple[Submission, ...]:
        """Every save of forms of ``kind``, oldest first."""
        rows = self._read(
            lambda conn: conn.execute(
                select(SubmissionRow, RecordRow.key)
                .join(RecordRow, RecordRow.id == SubmissionRow.record_id)
                .where(SubmissionRow.kind == kind)
                .order_by(SubmissionRow.id)
            ).all()
        )
        return tuple(_submission(row) for row in rows)

    def import_rows(
        self,
        *,
        accounts: Sequence[Mapping[str, Any]],
        submissions: Sequence[Mapping[str, Any]],
        audit: Sequence[Mapping[str, Any]],
    ) -> tuple[int, int, int]:
        """Copy the web app's data of an older sysreview (``web.db``) in, times kept, in one transaction; only
        into a store with no accounts and no submissions yet. Returns the rows copied (accounts, submissions,
        audit lines); saved forms of records the store does not hold are refused.

        ``accounts``: ``name, role, password_hash, created_at, created_by``; ``submissions``: ``kind, record,
        reviewer, created_at, payload`` (a mapping); ``audit``: ``created_at, user, action, target, detail``
        (a mapping), ``address``.
        """

        def work(conn: Connection) -> tuple[int, int, int]:
            for table in (WebAccountRow, SubmissionRow):
                if conn.execute(select(func.count()).select_from(table)).scalar_one():
                    raise InputError(f"the store already has rows in {table.__tablename__}; nothing was copied")
            ids: dict[str, int] = {row.key: row.id for row in conn.execute(select(RecordRow.key, RecordRow.id))}
            for row in accounts:
                if row["role"] not in ROLES:
                    raise InputError(f"account {row['name']!r}: unknown role {row['role']!r}")
                conn.execute(insert(WebAccountRow).values(**{k: row[k] for k in _ACCOUNT_COLUMNS}))
            for row in submissions:
                if row["kind"] not in SUBMISSION_KINDS or row["record"] not in ids:
                    raise InputError(f"a saved {row['kind']} form of record {row['record']!r}, which the store lacks")
                conn.execute(
                    insert(SubmissionRow).values(
                        kind=row["kind"],
                        record_id=ids[row["record"]],
                        reviewer=row["reviewer"],
                        created_at=row["created_at"],
                        payload=_json(row["payload"]),
                    )
                )
            for row in audit:
                audit_row(
                    conn,
                    row["created_at"],
                    row["user"],
                    row["action"],
                    row["target"],
                    detail=row["detail"],
                    address=row["address"],
                )
            return len(accounts), len(submissions), len(audit)

        return self._write(work)

    def version(self) -> tuple[int, int]:
        """The latest submission's and decision's ids: when neither changed, nothing a page derives from forms
        and decisions has changed (both tables are append-only)."""

        def work(conn: Connection) -> tuple[int, int]:
            forms = conn.execute(select(func.max(SubmissionRow.id))).scalar_one_or_none()
            decisions = conn.execute(select(func.max(DecisionRow.id))).scalar_one_or_none()
            return int(forms or 0), int(decisions or 0)

        return self._read(work)


def _submission(row: Any) -> Submission:
    return Submission(
        id=row.id,
        kind=cast(SubmissionKind, row.kind),
        record=row.key,
        reviewer=row.reviewer,
        at=row.created_at,
        payload=json.loads(row.payload),
    )


def _aware(value: Any) -> dt.datetime | None:
    """A time from an aggregate (``max``), which bypasses the column type: SQLite gives naive text, PostgreSQL an
    aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
