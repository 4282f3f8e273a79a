"""the LOT copy remembers when its status changed: a late older change never wins

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 11:00:00.000000

A lot.status_changed redelivered or reclaimed after a newer one (a consumer killed while
holding it) used to overwrite the newer status: the LOT page said COMPLETED while
process-service kept IN_PROGRESS. Changes now apply only forward in the source's time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "lots",
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        schema="process",
    )


def downgrade() -> None:
    op.drop_column("lots", "status_changed_at", schema="process")
