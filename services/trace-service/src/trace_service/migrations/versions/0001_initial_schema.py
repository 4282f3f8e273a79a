"""initial schema (2026-11-23)."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_ops as shared
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None


def upgrade() -> None:
    shared.create_outbox_inbox("trace")
    op.create_table(
        "event_log",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_log")),
        schema="trace",
    )
    op.create_index(
        "ix_event_log_subject_time", "event_log", ["subject", "time"], unique=False, schema="trace"
    )


def downgrade() -> None:
    op.drop_index("ix_event_log_subject_time", table_name="event_log", schema="trace")
    op.drop_table("event_log", schema="trace")
    shared.drop_outbox_inbox("trace")
