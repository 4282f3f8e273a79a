"""KPI indexes: LOTs by production date, LOT transitions by status and time (2026-12-04)."""

from alembic import op

revision = "0007"
down_revision = "0006"

S = "trace"


def upgrade() -> None:
    op.create_index("ix_trace_lots_production_date", "lots", ["production_date"], schema=S)
    op.create_index(
        "ix_trace_lot_history_to_status",
        "lot_status_history",
        ["to_status", "changed_at"],
        schema=S,
    )


def downgrade() -> None:
    op.drop_index("ix_trace_lot_history_to_status", "lot_status_history", schema=S)
    op.drop_index("ix_trace_lots_production_date", "lots", schema=S)
