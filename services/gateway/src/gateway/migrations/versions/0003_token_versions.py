"""token versions and signed-out access tokens (2026-12-03)."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_ops as shared

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("token_version", sa.Integer(), server_default="1", nullable=False),
        schema="gateway",
    )
    op.create_table(
        "revoked_access_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_access_tokens")),
        schema="gateway",
    )
    shared.create_index_on("gateway", "revoked_access_tokens", "expires_at")


def downgrade() -> None:
    shared.drop_index_on("gateway", "revoked_access_tokens", "expires_at")
    op.drop_table("revoked_access_tokens", schema="gateway")
    op.drop_column("users", "token_version", schema="gateway")
