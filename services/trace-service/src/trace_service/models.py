"""Tables of the `trace` schema: read models built only from consumed events.

Every projection is an upsert keyed by facts (work order, serial, LOT), so duplicated or
out-of-order events leave the same state; `rebuild` replays the streams into a scratch
schema with the same tables (via schema translation) and compares.
"""

from servicekit.db import routing_step_columns
from servicekit.schema import service_metadata
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "trace"
metadata = service_metadata(SCHEMA)

# Every production event as received: the raw material of the feed and of audits.
event_log = Table(
    "event_log",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("type", String(64), nullable=False),
    Column("subject", String(64)),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("actor", JSONB),
    Column("data", JSONB, nullable=False),
    Index("ix_event_log_subject_time", "subject", "time"),
    Index("ix_event_log_time", "time"),
)

routing = Table(
    "routing",
    metadata,
    *routing_step_columns(),
    # The stalled-LOT alert's base (ADR 0024); NULL: the step never stalls.
    Column("takt_seconds", Integer),
)

lots = Table(
    "lots",
    metadata,
    Column("lot_number", String(32), primary_key=True),
    Column("product_model", String(8)),
    Column("factory", String(2)),
    Column("production_date", Date),
    Column("shift", String(1)),
    Column("target_quantity", Integer),
    Column("status", String(16)),
    Column("status_time", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True)),
    Column("created_by", String(64)),
    Index("ix_trace_lots_production_date", "production_date"),
    Index(
        "ix_trace_lots_open",
        "status",
        postgresql_where=text("status IN ('CREATED', 'IN_PROGRESS')"),
    ),
)

lot_status_history = Table(
    "lot_status_history",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("lot_number", String(32), nullable=False, index=True),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(64)),
    Column("reason", Text),
    # The production day's completed / closed LOTs (ADR 0027).
    Index("ix_trace_lot_history_to_status", "to_status", "changed_at"),
)

process_records = Table(
    "process_records",
    metadata,
    Column("work_order_id", String(32), primary_key=True),
    Column("lot_number", String(32), nullable=False),
    Column("product_model", String(8)),
    Column("process_id", String(16), nullable=False),
    Column("process_name", String(64)),
    Column("sequence_number", Integer, nullable=False),
    Column("worker_id", String(32)),
    Column("complete_worker_id", String(32)),
    Column("start_time", DateTime(timezone=True)),
    Column("start_day", Date),
    # When the MES accepted the start: orders attempts even if stations report equal times.
    Column("started_at", DateTime(timezone=True)),
    Column("complete_time", DateTime(timezone=True)),
    Column("complete_day", Date),
    Column("result", String(8)),
    Column("process_data", JSONB),
    Index("ix_trace_records_lot", "lot_number", "sequence_number"),
    Index("ix_trace_records_worker", "worker_id", "start_time"),
    Index("ix_trace_records_complete_worker", "complete_worker_id", "complete_time"),
    Index("ix_trace_records_start_day", "start_day", "process_id"),
    Index("ix_trace_records_complete_day", "complete_day", "process_id"),
    Index("ix_trace_records_open", "process_id", postgresql_where=text("complete_time IS NULL")),
)

defects = Table(
    "defects",
    metadata,
    Column("work_order_id", String(32), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("lot_number", String(32), nullable=False, index=True),
    Column("process_id", String(16), nullable=False),
    Column("check_name", String(100), nullable=False),
    Column("measured", JSONB),
    Column("target", Float),
    Column("tolerance", Float),
    Column("lower_limit", Float),
    Column("upper_limit", Float),
    Column("unit", String(16)),
    Column("message", Text),
    Column("worker_id", String(32)),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Index("ix_trace_defects_time", "occurred_at"),
    Index("ix_trace_defects_process", "process_id", "occurred_at"),
)

measurements = Table(
    "measurements",
    metadata,
    Column("work_order_id", String(32), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("lot_number", String(32), nullable=False),
    Column("process_id", String(16), nullable=False),
    Column("check_name", String(100), nullable=False),
    Column("value", Float),
    Column("target", Float),
    Column("lower_limit", Float),
    Column("upper_limit", Float),
    Column("unit", String(16)),
    Column("result", String(8)),
    Column("measured_at", DateTime(timezone=True), nullable=False),
    Index("ix_trace_measurements_check", "check_name", "measured_at"),
)

component_usage = Table(
    "component_usage",
    metadata,
    Column("work_order_id", String(32), primary_key=True),
    Column("component_type", String(64), primary_key=True),
    Column("component_lot", String(64), nullable=False, index=True),
    Column("lot_number", String(32), nullable=False, index=True),
    Column("process_id", String(16), nullable=False),
    Column("worker_id", String(32)),
    Column("used_at", DateTime(timezone=True), nullable=False),
)

serials = Table(
    "serials",
    metadata,
    Column("serial_number", String(40), primary_key=True),
    Column("lot_number", String(32), nullable=False, index=True),
    Column("sequence", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_time", DateTime(timezone=True), nullable=False),
    Column("allocated_at", DateTime(timezone=True), nullable=False),
    Column("replacement_reason", Text),
)

# Holds and NCRs (ADR 0023): one row per NCR, filled by ncr.opened/closed and
# lot.held/released in whatever order they arrive (each sets only its own columns).
ncrs = Table(
    "ncrs",
    metadata,
    Column("ncr_number", String(32), primary_key=True),
    Column("lot_number", String(32), nullable=False, index=True),
    Column("process_id", String(16), nullable=False),
    Column("process_name", String(64)),
    Column("work_order_id", String(32)),
    Column("failed_checks", JSONB),
    Column("opened_at", DateTime(timezone=True)),
    Column("opened_by", String(64)),
    Column("held_at", DateTime(timezone=True)),
    Column("disposition", String(16)),
    Column("reason", Text),
    Column("rework_from", String(16)),
    Column("scrap_count", Integer),
    Column("scrap_serials", JSONB),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", String(64)),
    Column("released_at", DateTime(timezone=True)),
    Column("release_cause", String(16)),
)


# Projection tables (what rebuild compares), in dependency-free order.
PROJECTIONS = (
    event_log,
    routing,
    lots,
    lot_status_history,
    process_records,
    defects,
    measurements,
    component_usage,
    serials,
    ncrs,
)

# The alerts centre's tables (not projections) belong to this schema's metadata too, so
# Alembic and the drift test see them whoever imports the models first.
from .alerts import models as _alert_tables  # noqa: E402, F401
from .quality import models as _spc_tables  # noqa: E402, F401
