"""Signed session cookies and CSRF tokens, both keyed by the project's own secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from itsdangerous import BadSignature, TimestampSigner

__all__ = ["CSRF_FIELD", "CSRF_HEADER", "LOGIN_COOKIE", "SESSION_COOKIE", "Signer"]

SESSION_COOKIE: Final[str] = "sysreview_session"
#: a random value given to the login page's browser, to which the login form's CSRF token is bound
LOGIN_COOKIE: Final[str] = "sysreview_login"
CSRF_FIELD: Final[str] = "csrf_token"
CSRF_HEADER: Final[str] = "X-CSRF-Token"


class Signer:
    """Signs cookie values and derives CSRF tokens with one project's secret."""

    def __init__(self, secret: str, *, max_age: float) -> None:
        self._key = secret.encode("utf-8")
        self._signer = TimestampSigner(secret, salt="sysreview.web.cookie")
        self._max_age = int(max_age)

    def sign(self, value: str) -> str:
        """``value`` with a timestamped signature."""
        return self._signer.sign(value).decode("ascii")

    def unsign(self, signed: str | None) -> str | None:
        """The value of a cookie we signed (None: missing, forged or too old)."""
        if not signed:
            return None
        try:
            return self._signer.unsign(signed, max_age=self._max_age).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return None

    def csrf(self, purpose: str, value: str) -> str:
        """The CSRF token of a session (``purpose`` ``session``) or of a login page (``login``)."""
        return hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, purpose: str, value: str | None, token: str | None) -> bool:
        """Whether ``token`` is the CSRF token of ``value``."""
        if not value or not token:
            return False
        return hmac.compare_digest(self.csrf(purpose, value), token)

    @staticmethod
    def nonce() -> str:
        """A fresh random value."""
        return secrets.token_urlsafe(24)
