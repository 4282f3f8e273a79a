"""a LOT's serial step may have started without a station (2026-12-02)."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # A row with NULL = the start was consumed and named no station: its serial labels go
    # to the default serial printer at once instead of waiting for a station.
    op.alter_column(
        "lot_stations",
        "station_id",
        existing_type=sa.String(length=64),
        nullable=True,
        schema="label",
    )


def downgrade() -> None:
    op.execute("DELETE FROM label.lot_stations WHERE station_id IS NULL")
    op.alter_column(
        "lot_stations",
        "station_id",
        existing_type=sa.String(length=64),
        nullable=False,
        schema="label",
    )
