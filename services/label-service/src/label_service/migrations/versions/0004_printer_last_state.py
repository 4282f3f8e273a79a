"""the status poll's last answer per printer (printer.status_changed on change)

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
    op.add_column("printers", sa.Column("last_state", sa.String(16)), schema="label")
    op.add_column(
        "printers", sa.Column("last_state_at", sa.DateTime(timezone=True)), schema="label"
    )


def downgrade() -> None:
    op.drop_column("printers", "last_state_at", schema="label")
    op.drop_column("printers", "last_state", schema="label")
