"""holds and NCRs in the LOT trace (issue 19, ADR 0023) (2026-12-03)."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "ncrs",
        sa.Column("ncr_number", sa.String(32), primary_key=True),
        sa.Column("lot_number", sa.String(32), nullable=False),
        sa.Column("process_id", sa.String(16), nullable=False),
        sa.Column("process_name", sa.String(64)),
        sa.Column("work_order_id", sa.String(32)),
        sa.Column("failed_checks", postgresql.JSONB()),
        sa.Column("opened_at", sa.DateTime(timezone=True)),
        sa.Column("opened_by", sa.String(64)),
        sa.Column("held_at", sa.DateTime(timezone=True)),
        sa.Column("disposition", sa.String(16)),
        sa.Column("reason", sa.Text()),
        sa.Column("rework_from", sa.String(16)),
        sa.Column("scrap_count", sa.Integer()),
        sa.Column("scrap_serials", postgresql.JSONB()),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("closed_by", sa.String(64)),
        sa.Column("released_at", sa.DateTime(timezone=True)),
        sa.Column("release_cause", sa.String(16)),
        schema="trace",
    )
    op.create_index(op.f("ix_trace_ncrs_lot_number"), "ncrs", ["lot_number"], schema="trace")


def downgrade() -> None:
    op.drop_index(op.f("ix_trace_ncrs_lot_number"), table_name="ncrs", schema="trace")
    op.drop_table("ncrs", schema="trace")
