"""read models (2026-11-23)."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_ops as shared
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "component_usage",
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("component_type", sa.String(length=64), nullable=False),
        sa.Column("component_lot", sa.String(length=64), nullable=False),
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("process_id", sa.String(length=16), nullable=False),
        sa.Column("worker_id", sa.String(length=32), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("work_order_id", "component_type", name=op.f("pk_component_usage")),
        schema="trace",
    )
    shared.create_index_on("trace", "component_usage", "component_lot")
    shared.create_index_on("trace", "component_usage", "lot_number")
    op.create_table(
        "defects",
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("process_id", sa.String(length=16), nullable=False),
        sa.Column("check_name", sa.String(length=100), nullable=False),
        sa.Column("measured", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("tolerance", sa.Float(), nullable=True),
        sa.Column("lower_limit", sa.Float(), nullable=True),
        sa.Column("upper_limit", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("worker_id", sa.String(length=32), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("work_order_id", "idx", name=op.f("pk_defects")),
        schema="trace",
    )
    shared.create_index_on("trace", "defects", "lot_number")
    op.create_index(
        "ix_trace_defects_process",
        "defects",
        ["process_id", "occurred_at"],
        unique=False,
        schema="trace",
    )
    op.create_index(
        "ix_trace_defects_time", "defects", ["occurred_at"], unique=False, schema="trace"
    )
    op.create_table(
        "lot_status_history",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_lot_status_history")),
        schema="trace",
    )
    shared.create_index_on("trace", "lot_status_history", "lot_number")
    op.create_table(
        "lots",
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("product_model", sa.String(length=8), nullable=True),
        sa.Column("factory", sa.String(length=2), nullable=True),
        sa.Column("production_date", sa.Date(), nullable=True),
        sa.Column("shift", sa.String(length=1), nullable=True),
        sa.Column("target_quantity", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("status_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("lot_number", name=op.f("pk_lots")),
        schema="trace",
    )
    op.create_index(
        "ix_trace_lots_open",
        "lots",
        ["status"],
        unique=False,
        schema="trace",
        postgresql_where=sa.text("status IN ('CREATED', 'IN_PROGRESS')"),
    )
    op.create_table(
        "measurements",
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("process_id", sa.String(length=16), nullable=False),
        sa.Column("check_name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("lower_limit", sa.Float(), nullable=True),
        sa.Column("upper_limit", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=True),
        sa.Column("result", sa.String(length=8), nullable=True),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("work_order_id", "idx", name=op.f("pk_measurements")),
        schema="trace",
    )
    op.create_index(
        "ix_trace_measurements_check",
        "measurements",
        ["check_name", "measured_at"],
        unique=False,
        schema="trace",
    )
    op.create_table(
        "process_records",
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("product_model", sa.String(length=8), nullable=True),
        sa.Column("process_id", sa.String(length=16), nullable=False),
        sa.Column("process_name", sa.String(length=64), nullable=True),
        sa.Column("sequence_number", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(length=32), nullable=True),
        sa.Column("complete_worker_id", sa.String(length=32), nullable=True),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("start_day", sa.Date(), nullable=True),
        sa.Column("complete_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("complete_day", sa.Date(), nullable=True),
        sa.Column("result", sa.String(length=8), nullable=True),
        sa.Column("process_data", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("work_order_id", name=op.f("pk_process_records")),
        schema="trace",
    )
    op.create_index(
        "ix_trace_records_complete_day",
        "process_records",
        ["complete_day", "process_id"],
        unique=False,
        schema="trace",
    )
    op.create_index(
        "ix_trace_records_complete_worker",
        "process_records",
        ["complete_worker_id", "complete_time"],
        unique=False,
        schema="trace",
    )
    op.create_index(
        "ix_trace_records_lot",
        "process_records",
        ["lot_number", "sequence_number"],
        unique=False,
        schema="trace",
    )
    op.create_index(
        "ix_trace_records_open",
        "process_records",
        ["process_id"],
        unique=False,
        schema="trace",
        postgresql_where=sa.text("complete_time IS NULL"),
    )
    op.create_index(
        "ix_trace_records_start_day",
        "process_records",
        ["start_day", "process_id"],
        unique=False,
        schema="trace",
    )
    op.create_index(
        "ix_trace_records_worker",
        "process_records",
        ["worker_id", "start_time"],
        unique=False,
        schema="trace",
    )
    op.create_table(
        "routing",
        *shared.routing_step_columns(),
        sa.PrimaryKeyConstraint("product_model", "process_id", name=op.f("pk_routing")),
        schema="trace",
    )
    op.create_table(
        "serials",
        sa.Column("serial_number", sa.String(length=40), nullable=False),
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replacement_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("serial_number", name=op.f("pk_serials")),
        schema="trace",
    )
    shared.create_index_on("trace", "serials", "lot_number")
    op.create_index("ix_event_log_time", "event_log", ["time"], unique=False, schema="trace")


def downgrade() -> None:
    op.drop_index("ix_event_log_time", table_name="event_log", schema="trace")
    shared.drop_index_on("trace", "serials", "lot_number")
    op.drop_table("serials", schema="trace")
    op.drop_table("routing", schema="trace")
    op.drop_index("ix_trace_records_worker", table_name="process_records", schema="trace")
    op.drop_index("ix_trace_records_start_day", table_name="process_records", schema="trace")
    op.drop_index(
        "ix_trace_records_open",
        table_name="process_records",
        schema="trace",
        postgresql_where=sa.text("complete_time IS NULL"),
    )
    op.drop_index("ix_trace_records_lot", table_name="process_records", schema="trace")
    op.drop_index("ix_trace_records_complete_worker", table_name="process_records", schema="trace")
    op.drop_index("ix_trace_records_complete_day", table_name="process_records", schema="trace")
    op.drop_table("process_records", schema="trace")
    op.drop_index("ix_trace_measurements_check", table_name="measurements", schema="trace")
    op.drop_table("measurements", schema="trace")
    op.drop_index(
        "ix_trace_lots_open",
        table_name="lots",
        schema="trace",
        postgresql_where=sa.text("status IN ('CREATED', 'IN_PROGRESS')"),
    )
    op.drop_table("lots", schema="trace")
    shared.drop_index_on("trace", "lot_status_history", "lot_number")
    op.drop_table("lot_status_history", schema="trace")
    op.drop_index("ix_trace_defects_time", table_name="defects", schema="trace")
    op.drop_index("ix_trace_defects_process", table_name="defects", schema="trace")
    shared.drop_index_on("trace", "defects", "lot_number")
    op.drop_table("defects", schema="trace")
    shared.drop_index_on("trace", "component_usage", "lot_number")
    shared.drop_index_on("trace", "component_usage", "component_lot")
    op.drop_table("component_usage", schema="trace")
