"""the status poll's last answer per printer (printer.status_changed on change) (2026-12-03)."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("printers", sa.Column("last_state", sa.String(16)), schema="label")
    op.add_column(
        "printers", sa.Column("last_state_at", sa.DateTime(timezone=True)), schema="label"
    )


def downgrade() -> None:
    op.drop_column("printers", "last_state_at", schema="label")
    op.drop_column("printers", "last_state", schema="label")
