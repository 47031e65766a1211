"""Accounts of the web app: Argon2id password hashes, session tokens, the login back-off; kept in the project store.

The rows live in the store (:attr:`sysreview.project.Store.web`; SQLite or PostgreSQL), so every server process of
a team shares them: a session opened by one is valid in all. What is decided here and only here: how a password is
hashed and checked, what a session token is (32 random bytes; the store keeps its SHA-256 only) and how long a
login is locked after failures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sysreview.errors import InputError
from sysreview.project import ROLES, Account, AuditLine, AuditSource, Role, Store, Submission, SubmissionKind

__all__ = [
    "FREE_FAILURES",
    "LOCK_WINDOW_HOURS",
    "MAX_LOCK_SECONDS",
    "ROLES",
    "SESSION_HOURS",
    "Accounts",
    "Role",
    "Session",
    "User",
]

User = Account
#: failed logins (per user name, per address) allowed before the back-off starts
FREE_FAILURES: Final[int] = 5
#: longest lock-out after repeated failures
MAX_LOCK_SECONDS: Final[float] = 900.0
#: failures older than this no longer count toward the back-off
LOCK_WINDOW_HOURS: Final[float] = 24.0
SESSION_HOURS: Final[float] = 12.0
_MIN_PASSWORD: Final[int] = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """A signed-in browser: ``token`` is the secret kept in its cookie (only its hash is stored)."""

    token: str
    user: Account
    expires_at: dt.datetime


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _lock(failures: int, last: dt.datetime | None) -> dt.datetime | None:
    """Until when ``failures`` counted failures, the latest at ``last``, lock a login (None: not locked)."""
    if last is None or failures < FREE_FAILURES:
        return None
    seconds = min(2.0 ** (failures - FREE_FAILURES), MAX_LOCK_SECONDS)
    return last + dt.timedelta(seconds=seconds)


class Accounts:
    """The web app's accounts, sessions, audit log and saved forms in ``store`` (see the module's docstring)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._web = store.web
        # argon2-cffi's defaults (RFC 9106's low-memory profile, Argon2id, 64 MiB, t=3): the second recommended
        # option of RFC 9106 (2 GiB) is too heavy for a small team server's login burst
        self._hasher = PasswordHasher()
        # a login for an unknown name checks a password against this hash, so it takes as long as a real one
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def now(self) -> dt.datetime:
        """The store's time now (UTC)."""
        return self._web.now()

    def secret(self) -> str:
        """The key that signs this project's cookies and CSRF tokens (made on first use, kept in the store and
        shared by every server process of the project)."""
        return self._web.setting("secret", default=lambda: secrets.token_urlsafe(48))

    # -- users -------------------------------------------------------------------------------------------------
    def add_user(self, name: str, *, role: str, password: str, created_by: str | None = None) -> Account:
        """A new account (names are unique; the password is kept only as an Argon2id hash)."""
        if len(password) < _MIN_PASSWORD:
            raise InputError(f"a password has at least {_MIN_PASSWORD} characters")
        if role not in ROLES:  # checked before the (slow) hash
            raise InputError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        return self._web.add_account(name, role=role, password_hash=self._hasher.hash(password), created_by=created_by)

    def users(self) -> tuple[Account, ...]:
        """Every account, by name."""
        return self._web.accounts()

    # -- logging in --------------------------------------------------------------------------------------------
    def locked_for(self, name: str, address: str) -> float:
        """Seconds until a login for ``name`` from ``address`` is accepted again (0: now).

        Each failure counts against the name (until its next successful login) and the address; past
        :data:`FREE_FAILURES` within :data:`LOCK_WINDOW_HOURS`, both are locked for a time that doubles with
        each further failure, up to :data:`MAX_LOCK_SECONDS`.
        """
        now = self.now()
        counts = self._web.login_counts(name, address, since=now - dt.timedelta(hours=LOCK_WINDOW_HOURS))
        until = [
            moment
            for moment in (
                _lock(counts.name_failures, counts.name_last),
                _lock(counts.address_failures, counts.address_last),
            )
            if moment is not None
        ]
        return max([0.0, *((moment - now).total_seconds() for moment in until)])

    def login(self, name: str, password: str, *, address: str) -> Session | None:
        """A new session when ``name`` and ``password`` match and neither the name nor the address is locked;
        None otherwise (see :meth:`locked_for`)."""
        if self.locked_for(name, address) > 0:
            self._web.failed_login(name, address, locked=True)
            return None
        found = self._web.credentials(name)
        digest = found[1] if found is not None else self._dummy_hash
        try:
            ok = self._hasher.verify(digest, password) and found is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or found is None:
            self._web.failed_login(name, address, locked=False)
            return None
        user = found[0]
        token = secrets.token_urlsafe(32)
        expires = self.now() + dt.timedelta(hours=SESSION_HOURS)
        self._web.open_session(user, token_hash=_hash_token(token), expires_at=expires, address=address)
        return Session(token=token, user=user, expires_at=expires)

    def session(self, token: str) -> Session | None:
        """The live session of cookie secret ``token`` (None: unknown, expired or logged out)."""
        found = self._web.session(_hash_token(token))
        if found is None:
            return None
        user, expires = found
        if expires <= self.now():
            return None
        return Session(token=token, user=user, expires_at=expires)

    def logout(self, session: Session, *, address: str | None = None) -> None:
        """End ``session`` (its cookie no longer opens anything, even if kept)."""
        self._web.end_session(_hash_token(session.token), user=session.user.name, address=address)

    # -- the audit log and saved forms -------------------------------------------------------------------------
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
        self._web.audit(user, action, target, detail=detail, address=address)

    def audit_log(self, *, limit: int = 200) -> tuple[AuditLine, ...]:
        """The latest lines of the audit log, newest first."""
        return self._web.audit_log(limit=limit)

    def submit(
        self, kind: SubmissionKind, record: str, *, user: str, payload: dict[str, Any], address: str | None = None
    ) -> Submission:
        """Save a form (appended; the latest of a user's saves of a kind and record is the one in force)."""
        return self._web.submit(kind, record, reviewer=user, payload=payload, source=AuditSource(address=address))

    def latest(self, kind: SubmissionKind, record: str, *, user: str | None = None) -> Submission | None:
        """The latest save of a form (by ``user``, when given)."""
        return self._web.latest(kind, record, reviewer=user)
