"""lots count the units scrapped by NCR dispositions (issue 19, ADR 0023) (2026-12-03)."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column(
        "lots",
        sa.Column("scrapped_quantity", sa.Integer(), nullable=False, server_default="0"),
        schema="lot",
    )


def downgrade() -> None:
    op.drop_column("lots", "scrapped_quantity", schema="lot")
