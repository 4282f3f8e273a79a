"""initial schema (2026-11-23)."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_ops as shared

revision = "0001"
down_revision = None


def upgrade() -> None:
    shared.create_outbox_inbox("gateway")
    op.create_table(
        "users",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("worker_id", sa.String(length=32), nullable=True),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        shared.now_column("created_at"),
        shared.now_column("updated_at"),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_users")),
        sa.UniqueConstraint("worker_id", name=op.f("uq_users_worker_id")),
        schema="gateway",
    )


def downgrade() -> None:
    op.drop_table("users", schema="gateway")
    shared.drop_outbox_inbox("gateway")
