"""initial schema (2026-11-23)."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_ops as shared
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None


def upgrade() -> None:
    shared.create_outbox_inbox("process")
    op.create_table(
        "current_firmware",
        sa.Column("slot", sa.String(length=16), server_default="released", nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=64), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("md5_hash", sa.String(length=32), nullable=False),
        sa.Column("download_url", sa.Text(), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_current_firmware")),
        schema="process",
    )
    op.create_table(
        "lots",
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("product_model", sa.String(length=8), nullable=False),
        sa.Column("target_quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lot_number", name=op.f("pk_lots")),
        schema="process",
    )
    op.create_table(
        "process_records",
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("process_id", sa.String(length=16), nullable=False),
        sa.Column("process_name", sa.String(length=64), nullable=False),
        sa.Column("sequence_number", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(length=32), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start_time_raw", sa.String(length=40), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        shared.now_column("started_at"),
        sa.Column("complete_worker_id", sa.String(length=32), nullable=True),
        sa.Column("reported_start_time_raw", sa.String(length=40), nullable=True),
        sa.Column("complete_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("complete_time_raw", sa.String(length=40), nullable=True),
        sa.Column("completed_by", sa.String(length=64), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=8), nullable=True),
        sa.Column("process_data", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("defects", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("completion_digest", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("work_order_id", name=op.f("pk_process_records")),
        schema="process",
    )
    op.create_index(
        "ix_process_records_lot",
        "process_records",
        ["lot_number", "process_id"],
        unique=False,
        schema="process",
    )
    op.create_index(
        "uq_process_records_open",
        "process_records",
        ["lot_number", "process_id"],
        unique=True,
        schema="process",
        postgresql_where=sa.text("complete_time IS NULL"),
    )
    op.create_table(
        "routing_steps",
        *shared.routing_step_columns(),
        sa.Column("level", sa.String(length=16), server_default="LOT", nullable=False),
        sa.Column("requires_firmware", sa.Boolean(), server_default="false", nullable=False),
        sa.PrimaryKeyConstraint("product_model", "process_id", name=op.f("pk_routing_steps")),
        sa.UniqueConstraint(
            "product_model", "sequence", name=op.f("uq_routing_steps_product_model")
        ),
        schema="process",
    )
    op.create_table(
        "work_order_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_work_order_counters")),
        schema="process",
    )
    op.create_table(
        "workers",
        sa.Column("worker_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_workers")),
        schema="process",
    )


def downgrade() -> None:
    op.drop_table("workers", schema="process")
    op.drop_table("work_order_counters", schema="process")
    op.drop_table("routing_steps", schema="process")
    op.drop_index(
        "uq_process_records_open",
        table_name="process_records",
        schema="process",
        postgresql_where=sa.text("complete_time IS NULL"),
    )
    op.drop_index("ix_process_records_lot", table_name="process_records", schema="process")
    op.drop_table("process_records", schema="process")
    op.drop_table("lots", schema="process")
    op.drop_table("current_firmware", schema="process")
    shared.drop_outbox_inbox("process")
