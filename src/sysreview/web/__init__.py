"""The review's web app: server-rendered pages (FastAPI, Jinja2, htmx) over the project's store.

>>> from sysreview.web import create_app, serve
>>> serve("acne-review", host="127.0.0.1", port=8000)  # doctest: +SKIP

Accounts (:class:`Accounts`) sign in with Argon2id-hashed passwords; sessions are signed HttpOnly, SameSite=Strict
cookies (Secure over https) whose secret the store keeps only as a SHA-256; every form carries a CSRF token, failed
logins back off per name and per address, and every write is logged with who and when. All of it lives in the
project's store (SQLite or PostgreSQL), so several server processes of one project share accounts and sessions.
FastAPI is used here and nowhere else in sysreview.
"""

from __future__ import annotations

from pathlib import Path

from sysreview.review import Ranker
from sysreview.web._accounts import ROLES, Accounts, Role, Session, User
from sysreview.web._app import create_app
from sysreview.web._legacy import import_web_db

__all__ = ["ROLES", "Accounts", "Role", "Session", "User", "create_app", "default_ranker", "import_web_db", "serve"]


def default_ranker() -> Ranker | None:
    """The screening engine's ranking model (``sysreview.screening.default_ranker()``) when it offers one; None
    (records in file order, no estimate of relevant records left) otherwise."""
    try:
        from sysreview import screening  # noqa: PLC0415 (scikit-learn loads only for a server that ranks)
    except ImportError:
        return None
    factory = getattr(screening, "default_ranker", None)
    ranker: Ranker | None = factory(random_state=0) if callable(factory) else None
    return ranker


def serve(
    folder: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    secure_cookies: bool | None = None,
    ranker: Ranker | None = None,
) -> None:
    """Serve the project in ``folder`` until interrupted (uvicorn, one process); ``ranker`` orders each
    reviewer's records and estimates the relevant ones left (see :func:`default_ranker`)."""
    import uvicorn  # noqa: PLC0415 (the server loads only when it runs)

    app = create_app(folder, secure_cookies=secure_cookies, ranker=ranker)
    uvicorn.run(app, host=host, port=port, proxy_headers=False, server_header=False, log_level="info")
