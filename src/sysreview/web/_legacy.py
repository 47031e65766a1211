"""A ``web.db`` of an earlier sysreview (the web app's own SQLite file beside the project), copied into the store
once.

Copied: accounts (their Argon2id hashes, so passwords keep working), every saved form (extraction, RoB 2, full-text
files) and the audit log, times kept. Not copied: sessions (everyone logs in again), login failure counters and the
cookie key (a new one is made). The file is then renamed ``web.db.imported`` (kept, never read again). A store that
already has accounts or forms is left alone and the file kept as it is, with a warning.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any, Final

from sysreview.errors import SysreviewError
from sysreview.project import Store

__all__ = ["LEGACY_FILE", "import_web_db"]

LOG = logging.getLogger("sysreview.web")
LEGACY_FILE: Final[str] = "web.db"


def _time(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def import_web_db(folder: Path, store: Store) -> tuple[int, int, int] | None:
    """Copy ``folder/web.db`` into ``store`` when there is one (see the module's docstring); the rows copied
    (accounts, forms, audit lines), or None when there was nothing to copy or it could not be."""
    path = folder / LEGACY_FILE
    if not path.is_file():
        return None
    try:
        # read-only, so that a damaged or foreign file is never changed
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            conn.row_factory = sqlite3.Row
            users = conn.execute("SELECT * FROM users ORDER BY id").fetchall()
            saves = conn.execute("SELECT * FROM submissions ORDER BY id").fetchall()
            lines = conn.execute("SELECT * FROM audit ORDER BY id").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as error:
        LOG.warning("%s: not read (%s); its accounts and forms are not in the store", path, error)
        return None
    accounts: list[dict[str, Any]] = [
        {
            "name": row["name"],
            "role": row["role"],
            "password_hash": row["password_hash"],
            "created_at": _time(row["created_at"]),
            "created_by": row["created_by"],
        }
        for row in users
    ]
    submissions = [
        {
            "kind": row["kind"],
            "record": row["record"],
            "reviewer": row["user"],
            "created_at": _time(row["at"]),
            "payload": json.loads(row["payload"]),
        }
        for row in saves
    ]
    audit = [
        {
            "created_at": _time(row["at"]),
            "user": row["user"],
            "action": row["action"],
            "target": row["target"],
            "detail": json.loads(row["detail"]),
            "address": row["address"],
        }
        for row in lines
    ]
    try:
        copied = store.web.import_rows(accounts=accounts, submissions=submissions, audit=audit)
    except SysreviewError as error:
        LOG.warning("%s: not copied into the store (%s)", path, error)
        return None
    path.rename(path.with_name(LEGACY_FILE + ".imported"))
    LOG.warning("%s: copied %d accounts, %d saved forms and %d audit lines into the store", path, *copied)
    return copied
