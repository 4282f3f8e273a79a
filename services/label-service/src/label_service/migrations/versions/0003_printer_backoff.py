"""a printer that does not answer is backed off as a whole (not each of its jobs)

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-12 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The dispatcher's failed attempts in a row at this printer, and the time before which
    # it does not try the printer again (NULL: whenever a job is due). ADR 0013.
    op.add_column(
        "printers",
        sa.Column("consecutive_failures", sa.Integer(), nullable=False, server_default="0"),
        schema="label",
    )
    op.add_column("printers", sa.Column("retry_at", sa.DateTime(timezone=True)), schema="label")


def downgrade() -> None:
    op.drop_column("printers", "retry_at", schema="label")
    op.drop_column("printers", "consecutive_failures", schema="label")
