"""Fixtures of the project tests: every store test runs on SQLite and on PostgreSQL.

PostgreSQL is reached through ``SYSREVIEW_TEST_POSTGRES_URL`` (``.ci/run`` installs and starts a server and sets
it). Without it the PostgreSQL half is skipped on a developer's machine and *fails* in CI (``CI=true``): a store
test that silently did not run against PostgreSQL would be a defect. Each test gets fresh schemas of its own, so
tests run in parallel on one database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_ENV = "SYSREVIEW_TEST_POSTGRES_URL"
#: a memory file system, where SQLite's fsync at every commit costs nothing (the tests commit thousands of times)
MEMORY_FS = Path("/dev/shm")


@pytest.fixture
def tmp_path(tmp_path: Path) -> Iterator[Path]:
    """A temporary folder in memory where the system has one (else pytest's own ``tmp_path``)."""
    if not (MEMORY_FS.is_dir() and os.access(MEMORY_FS, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="sysreview-test-", dir=MEMORY_FS))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def postgres_base_url() -> str:
    """The PostgreSQL server of the tests; fails in CI, skips elsewhere, when it is not configured."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if url:
        return url
    message = f"{POSTGRES_ENV} is not set (postgresql://USER:PASSWORD@HOST/DATABASE of a test server)"
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"{message}; CI must run the store tests against PostgreSQL")
    pytest.skip(message)


class Databases:
    """Hands out empty databases of one kind: SQLite files in ``tmp_path`` or fresh PostgreSQL schemas."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self._tmp = tmp_path
        self._schemas: list[str] = []
        self._admin: sa.Engine | None = None
        self._base = ""
        if kind == "postgresql":
            self._base = postgres_base_url()
            url = sa.make_url(self._base).set(drivername="postgresql+psycopg")
            self._admin = sa.create_engine(url, poolclass=sa.NullPool)

    def url(self) -> str:
        """The URL of a new, empty database."""
        name = uuid.uuid4().hex[:12]
        if self.kind == "sqlite":
            return f"sqlite:///{self._tmp / f'store-{name}.db'}"
        assert self._admin is not None
        schema = f"t_{name}"
        with self._admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        self._schemas.append(schema)
        url = sa.make_url(self._base)
        return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)

    def close(self) -> None:
        if self._admin is None:
            return
        with self._admin.begin() as conn:
            for schema in self._schemas:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        self._admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    """Empty databases of each kind, one test run per kind."""
    dbs = Databases(request.param, tmp_path)
    yield dbs
    dbs.close()


@pytest.fixture
def db_url(databases: Databases) -> str:
    """One empty database (SQLite file or PostgreSQL schema)."""
    return databases.url()


@pytest.fixture
def pg_password(databases: Databases, monkeypatch: pytest.MonkeyPatch) -> None:
    """PGPASSWORD for commands that open a project whose store.toml holds no password."""
    if databases.kind == "postgresql":
        password = sa.make_url(postgres_base_url()).password
        if password:
            monkeypatch.setenv("PGPASSWORD", password)
