"""SPC: versioned control limits per check and the rule violations found (2026-12-04)."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"

S = "trace"


def upgrade() -> None:
    op.create_table(
        "spc_limits",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("check_name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.String(16)),
        sa.Column("chart", sa.String(8), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("baseline_from", sa.DateTime(timezone=True)),
        sa.Column("baseline_points", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer()),
        sa.Column("first_at", sa.DateTime(timezone=True)),
        sa.Column("last_at", sa.DateTime(timezone=True)),
        sa.Column("center", sa.Float()),
        sa.Column("ucl", sa.Float()),
        sa.Column("lcl", sa.Float()),
        sa.Column("sigma", sa.Float()),
        sa.Column("mr_center", sa.Float()),
        sa.Column("mr_ucl", sa.Float()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_spc_limits"),
        sa.UniqueConstraint("check_name", "version", name="uq_spc_limits_check_version"),
        schema=S,
    )
    op.create_table(
        "spc_violations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("check_name", sa.String(100), nullable=False),
        sa.Column("limits_version", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(2), nullable=False),
        sa.Column("work_order_id", sa.String(32), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.String(32), nullable=False),
        sa.Column("worker_id", sa.String(32)),
        sa.Column("value", sa.Float()),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("points", postgresql.JSONB(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_spc_violations"),
        sa.UniqueConstraint(
            "check_name",
            "limits_version",
            "rule",
            "work_order_id",
            "idx",
            name="uq_spc_violation",
        ),
        schema=S,
    )
    op.create_index(
        "ix_spc_violations_check_time",
        "spc_violations",
        ["check_name", "measured_at"],
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("spc_violations", schema=S)
    op.drop_table("spc_limits", schema=S)
