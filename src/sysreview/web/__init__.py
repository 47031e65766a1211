"""The review's web app: server-rendered pages (FastAPI, Jinja2, htmx) over the project's store.

>>> from sysreview.web import create_app, serve
>>> serve("acne-review", host="127.0.0.1", port=8000)  # doctest: +SKIP

Accounts (:class:`Accounts`, ``web.db`` in the project folder) sign in with Argon2id-hashed passwords; sessions
are signed HttpOnly, SameSite=Strict cookies (Secure over https), every form carries a CSRF token, failed logins
back off per name and per address, and every write is logged with who and when. FastAPI is used here and nowhere
else in sysreview.
"""

from __future__ import annotations

from pathlib import Path

from sysreview.web._accounts import ROLES, WEB_STORE_FILE, Accounts, Role, Session, Submission, User
from sysreview.web._app import create_app

__all__ = ["ROLES", "WEB_STORE_FILE", "Accounts", "Role", "Session", "Submission", "User", "create_app", "serve"]


def serve(folder: str | Path, *, host: str = "127.0.0.1", port: int = 8000, secure_cookies: bool | None = None) -> None:
    """Serve the project in ``folder`` until interrupted (uvicorn, one process)."""
    import uvicorn  # noqa: PLC0415 (the server loads only when it runs)

    app = create_app(folder, secure_cookies=secure_cookies)
    uvicorn.run(app, host=host, port=port, proxy_headers=False, server_header=False, log_level="info")
