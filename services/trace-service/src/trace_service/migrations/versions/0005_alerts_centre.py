"""alerts centre: alerts, the label-job outcomes its rules need, webhook deliveries (2026-12-03)."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"

S = "trace"


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("condition_key", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("params", postgresql.JSONB(), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column(
            "raised_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("acknowledged_by", sa.String(64)),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("note", sa.String(500)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        schema=S,
    )
    # Raised once per condition: at most one open alert per key.
    op.create_index(
        "ux_alerts_open_key",
        "alerts",
        ["condition_key"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("resolved_at IS NULL"),
    )
    op.create_index("ix_alerts_raised", "alerts", ["raised_at"], schema=S)
    op.create_table(
        "alert_label_jobs",
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("lot_number", sa.String(64), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True)),
        sa.Column("failed_at", sa.DateTime(timezone=True)),
        sa.Column("will_retry", sa.Boolean()),
        sa.Column("printed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("job_id", name="pk_alert_label_jobs"),
        schema=S,
    )
    op.create_index(
        "ix_trace_alert_label_jobs_lot_number", "alert_label_jobs", ["lot_number"], schema=S
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("alert_id", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("last_status", sa.Integer()),
        sa.Column("last_error", sa.Text()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_alert_deliveries"),
        schema=S,
    )
    op.create_index(
        "ix_trace_alert_deliveries_alert_id", "alert_deliveries", ["alert_id"], schema=S
    )
    op.create_index(
        "ix_alert_deliveries_due",
        "alert_deliveries",
        ["next_attempt_at"],
        schema=S,
        postgresql_where=sa.text("state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_table("alert_deliveries", schema=S)
    op.drop_table("alert_label_jobs", schema=S)
    op.drop_table("alerts", schema=S)
