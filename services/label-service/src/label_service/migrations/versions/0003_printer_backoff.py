"""a printer that does not answer is backed off as a whole (not each of its jobs) (2027-01-12)."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


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
