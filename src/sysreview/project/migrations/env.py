"""Alembic environment of the project store.

sysreview runs the migrations itself, on its own connection (``config.attributes["connection"]``), inside the
transaction that opened the store. To add a revision after changing ``_schema.py``, autogenerate it against a
scratch database at the current head, then name the file ``r000N_<slug>.py``, spell out its column types (do not
import the models) and raise ``HEAD_REVISION`` in ``_database.py``::

    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "src/sysreview/project/migrations")
    config.set_main_option("sqlalchemy.url", "sqlite:////tmp/scratch.db")
    command.upgrade(config, "head")
    command.revision(config, message="what changed", autogenerate=True, rev_id="0002")
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from sysreview.project._schema import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("give the database: alembic -x url=sqlite:///scratch.db …")
    engine = create_engine(url)
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()


_main()
