"""Databases of project stores: URLs (SQLite file or PostgreSQL), engines set up for safe concurrent writing, and
the Alembic migrations that make and upgrade the schema.

- SQLite: write-ahead logging (readers never wait for a writer), a busy timeout of 30 s, and every write
  transaction opened with ``BEGIN IMMEDIATE`` so that two writers queue for the lock instead of one of them failing
  when it upgrades a read lock.
- PostgreSQL (psycopg 3): the store runs writes at SERIALIZABLE isolation and retries them on serialization
  failures (see :class:`sysreview.project.Store`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from sysreview.errors import InputError, SysreviewError

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

__all__ = [
    "HEAD_REVISION",
    "MIGRATIONS",
    "RETRY_STATES",
    "SQLITE_BUSY_SECONDS",
    "StoreBusyError",
    "StoreError",
    "database_url",
    "display_url",
    "make_engine",
    "migrate",
    "revision_of",
    "sqlstate",
]

#: the Alembic revision this code reads and writes (tests/project/test_migrations.py keeps it equal to the head)
HEAD_REVISION: Final[str] = "0002"
MIGRATIONS: Final[Path] = Path(__file__).parent / "migrations"
#: SQLite waits this long for another writer's lock before giving up
SQLITE_BUSY_SECONDS: Final[float] = 30.0
#: SQLSTATEs after which PostgreSQL asks the client to run the transaction again
RETRY_STATES: Final[frozenset[str]] = frozenset({"40001", "40P01"})


class StoreError(SysreviewError):
    """The store cannot be used as asked (not a sysreview store, made by a newer version, already holds a review)."""


class StoreBusyError(StoreError):
    """Another writer held the store for longer than the wait allows."""


# ---------------------------------------------------------------------- URLs and engines
def database_url(url: str | URL, *, base: Path | None = None) -> URL:
    """``url`` checked and normalised: ``sqlite:///FILE`` (relative to ``base``) or ``postgresql://…`` (psycopg 3)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(
            f"not a database URL: {str(url)!r}; give sqlite:///FILE or postgresql://USER@HOST/DATABASE"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database
        if not database or database == ":memory:" or database.startswith("file:"):
            raise InputError(f"a SQLite store needs a file: sqlite:///FILE, not {str(url)!r}")
        if base is not None and not Path(database).is_absolute():
            parsed = parsed.set(database=str(base / database))
        return parsed.set(drivername="sqlite")
    if backend in ("postgresql", "postgres"):
        if parsed.drivername not in ("postgresql", "postgres", "postgresql+psycopg"):
            raise InputError(
                f"use the psycopg driver: postgresql://… or postgresql+psycopg://…, not {parsed.drivername}"
            )
        return parsed.set(drivername="postgresql+psycopg")
    raise InputError(f"unsupported database {backend!r}; give sqlite:///FILE or postgresql://USER@HOST/DATABASE")


def display_url(url: URL) -> str:
    """``url`` with any password masked."""
    return url.render_as_string(hide_password=True)


def make_engine(url: URL) -> Engine:
    """An engine for ``url``: for SQLite, WAL, busy timeout, foreign keys and ``BEGIN IMMEDIATE`` for writes
    (a connection with the execution option ``sysreview_write``)."""
    if url.get_backend_name() != "sqlite":
        try:
            # no pool: a connection is closed as soon as its transaction ends, so a store that is dropped without
            # close() (a web request, a test) leaves no idle server connection behind
            return create_engine(url, poolclass=NullPool)
        except ImportError:
            raise StoreError(
                "a PostgreSQL store needs the psycopg driver: pip install 'sysreview[postgresql]'"
            ) from None
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: DBAPIConnection, _entry: ConnectionPoolEntry) -> None:
        # the driver's own transaction handling is switched off: the "begin" hook below opens transactions
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("sysreview_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def migrate(conn: Connection, direction: Literal["upgrade", "downgrade"], target: str = "head") -> None:
    """Run the migrations on ``conn``, inside its transaction."""
    from alembic import command  # noqa: PLC0415 (alembic only loads when the schema changes)
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    if direction == "upgrade":
        command.upgrade(config, target)
    else:
        command.downgrade(config, target)


def revision_of(conn: Connection) -> str | None:
    """The schema revision of the database (None: no sysreview schema)."""
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    return None if value is None else str(value)


def sqlstate(error: DBAPIError) -> str | None:
    """The SQLSTATE of a database error, where the driver gives one."""
    state = getattr(error.orig, "sqlstate", None)
    return state if isinstance(state, str) else None
