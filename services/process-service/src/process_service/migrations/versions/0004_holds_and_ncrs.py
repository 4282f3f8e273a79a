"""holds on failure and non-conformance reports (issue 19, ADR 0023) (2026-12-03).

Routing steps say whether a FAIL holds the LOT and how often a step may be reworked; the
LOT copy carries its hold (read by the start and completion hot paths); NCRs and their
per-day counter.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"

S = "process"


def upgrade() -> None:
    op.add_column(
        "routing_steps",
        sa.Column("hold_on_fail", sa.Boolean(), nullable=False, server_default="true"),
        schema=S,
    )
    op.add_column(
        "routing_steps",
        sa.Column("rework_limit", sa.Integer(), nullable=False, server_default="2"),
        schema=S,
    )
    for name, type_ in (
        ("hold_ncr", sa.String(32)),
        ("hold_process_id", sa.String(16)),
        ("hold_phase", sa.String(8)),
        ("rework_from", sa.String(16)),
        ("rework_base", sa.Integer()),
    ):
        op.add_column("lots", sa.Column(name, type_, nullable=True), schema=S)
    op.create_table(
        "ncrs",
        sa.Column("ncr_number", sa.String(32), primary_key=True),
        sa.Column("lot_number", sa.String(32), nullable=False),
        sa.Column("product_model", sa.String(8), nullable=False),
        sa.Column("process_id", sa.String(16), nullable=False),
        sa.Column("process_name", sa.String(64), nullable=False),
        sa.Column("work_order_id", sa.String(32), nullable=False, unique=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("failed_checks", postgresql.JSONB(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("disposition", sa.String(16)),
        sa.Column("reason", sa.Text()),
        sa.Column("rework_from", sa.String(16)),
        sa.Column("scrap_count", sa.Integer()),
        sa.Column("scrap_serials", postgresql.JSONB()),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("closed_by", sa.String(64)),
        schema=S,
    )
    op.create_index("ix_ncrs_lot", "ncrs", ["lot_number"], schema=S)
    op.create_index("ix_ncrs_opened", "ncrs", ["opened_at"], schema=S)
    op.create_table(
        "ncr_counters",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("ncr_counters", schema=S)
    op.drop_index("ix_ncrs_opened", table_name="ncrs", schema=S)
    op.drop_index("ix_ncrs_lot", table_name="ncrs", schema=S)
    op.drop_table("ncrs", schema=S)
    for name in ("rework_base", "rework_from", "hold_phase", "hold_process_id", "hold_ncr"):
        op.drop_column("lots", name, schema=S)
    op.drop_column("routing_steps", "rework_limit", schema=S)
    op.drop_column("routing_steps", "hold_on_fail", schema=S)
