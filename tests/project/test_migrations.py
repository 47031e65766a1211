"""The schema is made by the Alembic migrations, and the migrated schema agrees with the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from sysreview.project import HEAD_REVISION, Store
from sysreview.project._database import MIGRATIONS, migrate
from sysreview.project._schema import APPEND_ONLY_TABLES, Base
from tests.project._helpers import add_records


def _differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_head_revision_is_the_last_migration() -> None:
    assert ScriptDirectory(str(MIGRATIONS)).get_current_head() == HEAD_REVISION


def test_the_migrated_schema_equals_the_models(db_url: str) -> None:
    with Store.create(db_url) as store:
        engine = sa.create_engine(store.url, poolclass=sa.NullPool)
    try:
        assert _differences(engine) == []
        assert set(sa.inspect(engine).get_table_names()) == {"alembic_version", *APPEND_ONLY_TABLES}
    finally:
        engine.dispose()


def test_downgrade_and_upgrade_again(db_url: str) -> None:
    with Store.create(db_url) as store:
        engine = sa.create_engine(store.url, poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:
            migrate(conn, "downgrade", "base")
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        with engine.begin() as conn:
            migrate(conn, "upgrade")
        assert _differences(engine) == []
    finally:
        engine.dispose()
    with Store.open(db_url) as store:
        assert store.revision() == HEAD_REVISION


def test_a_store_of_revision_0001_is_upgraded_when_opened(db_url: str) -> None:
    with Store.create(db_url) as store:
        add_records(store, ["a1", "a2"])
        vote = store.decide("a1", stage="title_abstract", reviewer="ann", label="include")
        engine = sa.create_engine(store.url, poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:  # the store as sysreview 0.1 made it: revision 0001, no web tables
            migrate(conn, "downgrade", "0001")
        tables = set(sa.inspect(engine).get_table_names())
        assert not tables & {"submissions", "web_accounts", "web_sessions", "web_audit"}
        assert "decisions" in tables
    finally:
        engine.dispose()
    with Store.open(db_url) as store:  # opening upgrades it, keeping every row
        assert store.revision() == HEAD_REVISION == "0002"
        assert store.decisions() == (vote,)
        assert [s.key for s in store.records()] == ["a1", "a2"]
        account = store.web.add_account("ann", role="lead", password_hash="$argon2id$x")
        saved = store.web.submit("extraction", "a1", reviewer="ann", payload={"study": {"year": "2020"}})
        assert store.web.latest("extraction", "a1") == saved
        assert store.web.accounts() == (account,)


def test_the_web_tables_are_append_only_too(db_url: str) -> None:
    with Store.create(db_url) as store:
        add_records(store, ["a1"])
        store.web.add_account("ann", role="lead", password_hash="$argon2id$x")
        store.web.submit("rob2", "a1", reviewer="ann", payload={"aim": "assignment"})
        engine = sa.create_engine(store.url, poolclass=sa.NullPool)
    try:
        for statement in (
            "UPDATE web_accounts SET role = 'reviewer'",
            "DELETE FROM submissions",
            "UPDATE web_audit SET actor = 'eve'",
        ):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()
