"""Initial schema: imports, records, the decision log, deduplication runs, groups and verdicts; append-only.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

The column types are spelt out here (not imported from the models), so that this revision stays what it was when the
models change; ``tests/project/test_migrations.py`` checks that the migrated schema and the models agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

#: every table refuses UPDATE and DELETE (TRUNCATE too on PostgreSQL): the store only ever appends
TABLES = (
    "imports",
    "records",
    "decisions",
    "dedup_runs",
    "duplicate_groups",
    "duplicate_members",
    "dedup_verdicts",
)


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("searched_on", sa.Date(), nullable=True),
        sa.Column("imported_at", _time(), nullable=False),
        sa.Column("imported_by", sa.Text(), nullable=True),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("issues", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('database', 'register', 'website', 'organisation', 'citations')", name=op.f("ck_imports_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index(op.f("ix_imports_sha256"), "imports", ["sha256"])

    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("doi", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name=op.f("fk_records_import_id_imports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
        sa.UniqueConstraint("import_id", "position", name=op.f("uq_records_import_id_position")),
        sa.UniqueConstraint("key", name=op.f("uq_records_key")),
    )
    op.create_index(op.f("ix_records_import_id"), "records", ["import_id"])

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reviewer", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("retracts", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(kind = 'retract' AND label IS NULL AND retracts IS NOT NULL) OR "
            "(kind <> 'retract' AND label IN ('include', 'exclude', 'maybe', 'not_retrieved') AND retracts IS NULL)",
            name=op.f("ck_decisions_label"),
        ),
        sa.CheckConstraint("kind IN ('vote', 'resolve', 'retrieval', 'retract')", name=op.f("ck_decisions_kind")),
        sa.CheckConstraint("stage IN ('title_abstract', 'full_text')", name=op.f("ck_decisions_stage")),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_decisions_record_id_records")),
        sa.ForeignKeyConstraint(["retracts"], ["decisions.id"], name=op.f("fk_decisions_retracts_decisions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("retracts", name=op.f("uq_decisions_retracts")),
    )
    op.create_index(op.f("ix_decisions_record_id_stage"), "decisions", ["record_id", "stage"])
    op.create_index(op.f("ix_decisions_reviewer_stage"), "decisions", ["reviewer", "stage"])

    op.create_table(
        "dedup_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dedup_runs")),
    )

    op.create_table(
        "duplicate_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("certain", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("keep_record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["keep_record_id"], ["records.id"], name=op.f("fk_duplicate_groups_keep_record_id_records")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["dedup_runs.id"], name=op.f("fk_duplicate_groups_run_id_dedup_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_groups")),
        sa.UniqueConstraint("run_id", "position", name=op.f("uq_duplicate_groups_run_id_position")),
    )
    op.create_index(op.f("ix_duplicate_groups_run_id"), "duplicate_groups", ["run_id"])
    op.create_index(op.f("ix_duplicate_groups_signature"), "duplicate_groups", ["signature"])

    op.create_table(
        "duplicate_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["duplicate_groups.id"], name=op.f("fk_duplicate_members_group_id_duplicate_groups")
        ),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_duplicate_members_record_id_records")),
        sa.PrimaryKeyConstraint("group_id", "record_id", name=op.f("pk_duplicate_members")),
    )
    op.create_index(op.f("ix_duplicate_members_record_id"), "duplicate_members", ["record_id"])

    op.create_table(
        "dedup_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("retracts", sa.Integer(), nullable=True),
        sa.CheckConstraint("(verdict = 'retract') = (retracts IS NOT NULL)", name=op.f("ck_dedup_verdicts_retracts")),
        sa.CheckConstraint("verdict IN ('duplicate', 'distinct', 'retract')", name=op.f("ck_dedup_verdicts_verdict")),
        sa.ForeignKeyConstraint(
            ["group_id"], ["duplicate_groups.id"], name=op.f("fk_dedup_verdicts_group_id_duplicate_groups")
        ),
        sa.ForeignKeyConstraint(
            ["retracts"], ["dedup_verdicts.id"], name=op.f("fk_dedup_verdicts_retracts_dedup_verdicts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dedup_verdicts")),
        sa.UniqueConstraint("retracts", name=op.f("uq_dedup_verdicts_retracts")),
    )
    op.create_index(op.f("ix_dedup_verdicts_signature"), "dedup_verdicts", ["signature"])

    _append_only()


def _append_only() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION sysreview_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'the table % is append-only (sysreview never changes or deletes a row)', TG_TABLE_NAME; "
            "END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sysreview_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION sysreview_append_only()"
            )
        return
    for table in TABLES:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, 'the table {table} is append-only (sysreview never changes or deletes a row)'); "
                "END"
            )


def downgrade() -> None:
    postgresql = op.get_context().dialect.name == "postgresql"
    for table in reversed(TABLES):
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        else:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
    if postgresql:
        op.execute("DROP FUNCTION sysreview_append_only()")
    for table in ("dedup_verdicts", "duplicate_members", "duplicate_groups", "dedup_runs", "decisions", "records"):
        op.drop_table(table)
    op.drop_table("imports")
