"""The schema is made by the Alembic migrations, and the migrated schema agrees with the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from sysreview.project import HEAD_REVISION, Store
from sysreview.project._database import MIGRATIONS, migrate
from sysreview.project._schema import APPEND_ONLY_TABLES, Base


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
