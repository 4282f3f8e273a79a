"""lot process started_at: when the MES accepted the step's start (orders attempts)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 21:30:00.000000
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
        "lot_processes",
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        schema="lot",
    )


def downgrade() -> None:
    op.drop_column("lot_processes", "started_at", schema="lot")
