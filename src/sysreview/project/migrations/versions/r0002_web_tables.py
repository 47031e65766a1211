"""The web app's tables move into the store: accounts, sessions, login attempts, audit log, settings, and the forms
reviewers save (``submissions``: extraction, RoB 2, full-text files); append-only like the rest.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Until this revision the web app kept these in ``web.db`` (SQLite) beside the project, which a team with a
PostgreSQL store and several server processes (or a server on another host) could not share. Column types are
spelt out (see r0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: the new tables, in an order that respects foreign keys; every one refuses UPDATE and DELETE
TABLES = (
    "web_settings",
    "web_accounts",
    "web_sessions",
    "web_logouts",
    "web_login_attempts",
    "web_audit",
    "submissions",
)


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_web_settings")),
    )
    op.create_table(
        "web_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.CheckConstraint("role IN ('lead', 'reviewer')", name=op.f("ck_web_accounts_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_web_accounts_name")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("expires_at", _time(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["web_accounts.id"], name=op.f("fk_web_sessions_account_id_web_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_account_id"), "web_sessions", ["account_id"])
    op.create_table(
        "web_logouts",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("ended_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["web_sessions.id"], name=op.f("fk_web_logouts_session_id_web_sessions")
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_web_logouts")),
    )
    op.create_table(
        "web_login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.CheckConstraint("outcome IN ('ok', 'failed', 'locked')", name=op.f("ck_web_login_attempts_outcome")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_login_attempts")),
    )
    op.create_index(op.f("ix_web_login_attempts_address_created_at"), "web_login_attempts", ["address", "created_at"])
    op.create_index(op.f("ix_web_login_attempts_name_created_at"), "web_login_attempts", ["name", "created_at"])
    op.create_table(
        "web_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_audit")),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.Text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('extraction', 'rob2', 'fulltext')", name=op.f("ck_submissions_kind")),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_submissions_record_id_records")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    )
    op.create_index(op.f("ix_submissions_kind_record_id_reviewer"), "submissions", ["kind", "record_id", "reviewer"])
    _append_only()


def _append_only() -> None:
    # r0001 made the trigger function sysreview_append_only() on PostgreSQL; the new tables use it too
    if op.get_context().dialect.name == "postgresql":
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
        op.drop_table(table)  # its indexes go with it
