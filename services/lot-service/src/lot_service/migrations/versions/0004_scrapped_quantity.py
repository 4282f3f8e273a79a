"""lots count the units scrapped by NCR dispositions (issue 19, ADR 0023)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "lots",
        sa.Column("scrapped_quantity", sa.Integer(), nullable=False, server_default="0"),
        schema="lot",
    )


def downgrade() -> None:
    op.drop_column("lots", "scrapped_quantity", schema="lot")
