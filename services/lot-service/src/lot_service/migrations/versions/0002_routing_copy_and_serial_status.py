"""routing copy and serial status (2026-11-23)."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_ops as shared

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "routing_steps",
        *shared.routing_step_columns(),
        sa.PrimaryKeyConstraint("product_model", "process_id", name=op.f("pk_routing_steps")),
        schema="lot",
    )
    op.add_column("serials", sa.Column("status_reason", sa.Text(), nullable=True), schema="lot")
    op.add_column(
        "serials", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True), schema="lot"
    )


def downgrade() -> None:
    op.drop_column("serials", "updated_at", schema="lot")
    op.drop_column("serials", "status_reason", schema="lot")
    op.drop_table("routing_steps", schema="lot")
