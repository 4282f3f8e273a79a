"""LOT holds as the LOT list shows them: lot_holds per NCR, the hold on lots (ADR 0023)
(2026-12-04)."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_ops as shared

revision = "0005"
down_revision = "0004"

_HOLD_COLUMNS = (
    ("hold_ncr", 32),
    ("hold_process_id", 16),
    ("hold_phase", 8),
    ("rework_from", 16),
)


def upgrade() -> None:
    for name, length in _HOLD_COLUMNS:
        op.add_column("lots", sa.Column(name, sa.String(length)), schema="lot")
    op.create_index(
        "ix_lots_on_hold",
        "lots",
        ["hold_ncr"],
        schema="lot",
        postgresql_where=sa.text("hold_ncr IS NOT NULL"),
    )
    op.create_table(
        "lot_holds",
        sa.Column("ncr_number", sa.String(32), primary_key=True),
        sa.Column("lot_number", sa.String(32), nullable=False),
        sa.Column("process_id", sa.String(16), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True)),
        sa.Column("disposition", sa.String(16)),
        sa.Column("rework_from", sa.String(16)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("released_at", sa.DateTime(timezone=True)),
        schema="lot",
    )
    shared.create_index_on("lot", "lot_holds", "lot_number")


def downgrade() -> None:
    op.drop_table("lot_holds", schema="lot")
    op.drop_index("ix_lots_on_hold", table_name="lots", schema="lot")
    for name, _ in reversed(_HOLD_COLUMNS):
        op.drop_column("lots", name, schema="lot")
