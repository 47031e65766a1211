"""The web app's own data beside the project store: accounts, sessions, failed-login counters, the audit log of
every write made through the web, and what reviewers enter in forms (extraction, RoB 2, full-text files).

Kept in ``web.db`` (SQLite, WAL) in the project folder through the standard library's ``sqlite3``: the layering
contract keeps SQLAlchemy in :mod:`sysreview.project`, and this file is not part of an exported archive, so
password hashes never travel with a review. The proposed move of these tables into the store is in
``_proposed_migration/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sysreview.errors import InputError

__all__ = ["ROLES", "WEB_STORE_FILE", "Accounts", "Role", "Session", "Submission", "User"]

Role = Literal["lead", "reviewer"]
ROLES: Final[tuple[Role, ...]] = ("lead", "reviewer")
WEB_STORE_FILE: Final[str] = "web.db"
#: failed logins (per user name, per address) allowed before the back-off starts
FREE_FAILURES: Final[int] = 5
#: longest lock-out after repeated failures
MAX_LOCK_SECONDS: Final[float] = 900.0
SESSION_HOURS: Final[float] = 12.0
_MIN_PASSWORD: Final[int] = 8

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL CHECK (role IN ('lead', 'reviewer')),
    password_hash TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, revoked_at TEXT, address TEXT);
CREATE TABLE IF NOT EXISTS login_failures (
    kind TEXT NOT NULL, subject TEXT NOT NULL, failures INTEGER NOT NULL, locked_until TEXT,
    PRIMARY KEY (kind, subject));
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT, action TEXT NOT NULL, target TEXT, detail TEXT NOT NULL,
    address TEXT);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, record TEXT NOT NULL, user TEXT NOT NULL, at TEXT NOT NULL,
    payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ix_submissions ON submissions (kind, record, user, id);
CREATE TRIGGER IF NOT EXISTS audit_append_only_u BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_d BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS submissions_append_only_u BEFORE UPDATE ON submissions
    BEGIN SELECT RAISE(ABORT, 'submissions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS submissions_append_only_d BEFORE DELETE ON submissions
    BEGIN SELECT RAISE(ABORT, 'submissions are append-only'); END;
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """An account of the project's web app."""

    id: int
    name: str
    """The reviewer's name, as written in the decision log."""
    role: Role


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """A signed-in browser: ``token`` is the secret kept in its cookie (only its hash is stored)."""

    token: str
    user: User
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """One saved form (extraction, RoB 2 assessment, full-text file): who, when, what."""

    id: int
    kind: str
    record: str
    user: str
    at: dt.datetime
    payload: dict[str, Any]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class Accounts:
    """The web app's tables in ``web.db`` of a project folder (created on first use)."""

    def __init__(self, folder: str | Path, *, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.path = Path(folder) / WEB_STORE_FILE
        self._clock = clock if clock is not None else (lambda: dt.datetime.now(dt.UTC))
        # RFC 9106's second recommended option (64 MiB) is too heavy for a small team server's login burst;
        # argon2-cffi's defaults (RFC 9106 "low memory", 46 MiB, t=3... ) are kept
        self._hasher = PasswordHasher()
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        with self._connect() as conn:
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.row_factory = sqlite3.Row
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def now(self) -> dt.datetime:
        """The time now (UTC)."""
        return self._clock().astimezone(dt.UTC)

    # -- the project's secret ----------------------------------------------------------------------------------
    def secret(self) -> str:
        """The key that signs this project's cookies and CSRF tokens (made on first use, kept in ``web.db``)."""
        with self._write() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = 'secret'").fetchone()
            if row is not None:
                return str(row["value"])
            value = secrets.token_urlsafe(48)
            conn.execute("INSERT INTO settings (key, value) VALUES ('secret', ?)", (value,))
            return value

    # -- users -------------------------------------------------------------------------------------------------
    def add_user(self, name: str, *, role: str, password: str, created_by: str | None = None) -> User:
        """A new account (names are unique; the password is kept only as an Argon2id hash)."""
        name = name.strip()
        if not name or any(ord(ch) < 32 for ch in name) or len(name) > 200:
            raise InputError("a user name is 1 to 200 printable characters")
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        if len(password) < _MIN_PASSWORD:
            raise InputError(f"a password has at least {_MIN_PASSWORD} characters")
        digest = self._hasher.hash(password)
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise InputError(f"user {name!r} exists already")
            cursor = conn.execute(
                "INSERT INTO users (name, role, password_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                (name, role, digest, _iso(self.now()), created_by),
            )
            self._audit(conn, created_by, "users.add", name, detail={"role": role}, address=None)
            assert cursor.lastrowid is not None
            return User(id=cursor.lastrowid, name=name, role=role)

    def users(self) -> tuple[User, ...]:
        """Every account, by name."""
        with self._connect() as conn:
            rows = conn.execute("SELECT id, name, role FROM users ORDER BY name").fetchall()
        return tuple(User(id=row["id"], name=row["name"], role=row["role"]) for row in rows)

    # -- logging in --------------------------------------------------------------------------------------------
    def locked_for(self, name: str, address: str) -> float:
        """Seconds until a login for ``name`` from ``address`` is accepted again (0: now)."""
        now = self.now()
        wait = 0.0
        with self._connect() as conn:
            for kind, subject in (("user", name.strip().casefold()), ("address", address)):
                row = conn.execute(
                    "SELECT locked_until FROM login_failures WHERE kind = ? AND subject = ?", (kind, subject)
                ).fetchone()
                if row is not None and row["locked_until"]:
                    wait = max(wait, (_parse(row["locked_until"]) - now).total_seconds())
        return max(wait, 0.0)

    def login(self, name: str, password: str, *, address: str) -> Session | None:
        """A new session when ``name`` and ``password`` match and neither counter is locked; None otherwise
        (each failure counts against the name and the address, and past :data:`FREE_FAILURES` locks both out for
        a time that doubles with each further failure)."""
        if self.locked_for(name, address) > 0:
            self._fail(name, address, counted=False)
            return None
        with self._connect() as conn:
            row = conn.execute("SELECT id, name, role, password_hash FROM users WHERE name = ?", (name,)).fetchone()
        digest = row["password_hash"] if row is not None else self._dummy_hash
        try:
            ok = self._hasher.verify(digest, password) and row is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None:
            self._fail(name, address, counted=True)
            return None
        user = User(id=row["id"], name=row["name"], role=row["role"])
        token = secrets.token_urlsafe(32)
        now = self.now()
        expires = now + dt.timedelta(hours=SESSION_HOURS)
        with self._write() as conn:
            conn.execute("DELETE FROM login_failures WHERE kind = 'user' AND subject = ?", (name.strip().casefold(),))
            conn.execute(
                "INSERT INTO sessions (id, user_id, created_at, expires_at, address) VALUES (?, ?, ?, ?, ?)",
                (_hash_token(token), user.id, _iso(now), _iso(expires), address),
            )
            self._audit(conn, user.name, "login", None, detail={}, address=address)
        return Session(token=token, user=user, expires_at=expires)

    def _fail(self, name: str, address: str, *, counted: bool) -> None:
        now = self.now()
        with self._write() as conn:
            if counted:
                for kind, subject in (("user", name.strip().casefold()), ("address", address)):
                    row = conn.execute(
                        "SELECT failures FROM login_failures WHERE kind = ? AND subject = ?", (kind, subject)
                    ).fetchone()
                    failures = (row["failures"] if row is not None else 0) + 1
                    locked = None
                    if failures >= FREE_FAILURES:
                        seconds = min(2.0 ** (failures - FREE_FAILURES), MAX_LOCK_SECONDS)
                        locked = _iso(now + dt.timedelta(seconds=seconds))
                    conn.execute(
                        "INSERT INTO login_failures (kind, subject, failures, locked_until) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (kind, subject) DO UPDATE SET failures = excluded.failures, "
                        "locked_until = excluded.locked_until",
                        (kind, subject, failures, locked),
                    )
            self._audit(conn, None, "login.failed", name[:200], detail={"locked": not counted}, address=address)

    def session(self, token: str) -> Session | None:
        """The live session of cookie secret ``token`` (None: unknown, expired or logged out)."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT s.expires_at, s.revoked_at, u.id, u.name, u.role FROM sessions s "
                "JOIN users u ON u.id = s.user_id WHERE s.id = ?",
                (_hash_token(token),),
            ).fetchone()
        if row is None or row["revoked_at"] is not None:
            return None
        expires = _parse(row["expires_at"])
        if expires <= self.now():
            return None
        return Session(token=token, user=User(id=row["id"], name=row["name"], role=row["role"]), expires_at=expires)

    def logout(self, session: Session, *, address: str | None = None) -> None:
        """End ``session`` (its cookie no longer opens anything, even if kept)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE sessions SET revoked_at = ? WHERE id = ?", (_iso(self.now()), _hash_token(session.token))
            )
            self._audit(conn, session.user.name, "logout", None, detail={}, address=address)

    # -- the audit log and saved forms -------------------------------------------------------------------------
    def _audit(
        self,
        conn: sqlite3.Connection,
        user: str | None,
        action: str,
        target: str | None,
        *,
        detail: dict[str, Any],
        address: str | None,
    ) -> None:
        conn.execute(
            "INSERT INTO audit (at, user, action, target, detail, address) VALUES (?, ?, ?, ?, ?, ?)",
            (_iso(self.now()), user, action, target, json.dumps(detail, ensure_ascii=True, sort_keys=True), address),
        )

    def audit(
        self,
        user: str | None,
        action: str,
        target: str | None = None,
        *,
        detail: dict[str, Any] | None = None,
        address: str | None = None,
    ) -> None:
        """Append one line to the audit log: who did what to which record, and when."""
        with self._write() as conn:
            self._audit(conn, user, action, target, detail=detail or {}, address=address)

    def audit_log(self, *, limit: int = 200) -> tuple[dict[str, Any], ...]:
        """The latest lines of the audit log, newest first."""
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return tuple({**dict(row), "detail": json.loads(row["detail"])} for row in rows)

    def submit(
        self, kind: str, record: str, *, user: str, payload: dict[str, Any], address: str | None = None
    ) -> Submission:
        """Save a form (appended; the latest of a user's saves of a kind and record is the one in force)."""
        now = self.now()
        text = json.dumps(payload, ensure_ascii=True, sort_keys=True)
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO submissions (kind, record, user, at, payload) VALUES (?, ?, ?, ?, ?)",
                (kind, record, user, _iso(now), text),
            )
            self._audit(conn, user, f"{kind}.save", record, detail={"submission": cursor.lastrowid}, address=address)
        assert cursor.lastrowid is not None
        return Submission(id=cursor.lastrowid, kind=kind, record=record, user=user, at=now, payload=payload)

    def latest(self, kind: str, record: str, *, user: str | None = None) -> Submission | None:
        """The latest save of a form (by ``user``, when given)."""
        query = "SELECT * FROM submissions WHERE kind = ? AND record = ?"
        args: tuple[Any, ...] = (kind, record)
        if user is not None:
            query += " AND user = ?"
            args = (*args, user)
        with self._connect() as conn:
            row = conn.execute(query + " ORDER BY id DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        return Submission(
            id=row["id"],
            kind=row["kind"],
            record=row["record"],
            user=row["user"],
            at=_parse(row["at"]),
            payload=json.loads(row["payload"]),
        )
