"""Tables of the `lot` schema (owned by lot-service only)."""

from servicekit.db import now_column, routing_step_columns
from servicekit.schema import service_metadata
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "lot"
metadata = service_metadata(SCHEMA)

product_models = Table(
    "product_models",
    metadata,
    Column("code", String(8), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("factory", String(2), nullable=False),
    now_column("created_at"),
)

lot_sequences = Table(
    "lot_sequences",
    metadata,
    Column("product_model", String(8), primary_key=True),
    Column("factory", String(2), primary_key=True),
    Column("production_date", Date, primary_key=True),
    Column("last_seq", Integer, nullable=False),
)

lots = Table(
    "lots",
    metadata,
    Column("lot_number", String(32), primary_key=True),
    Column("product_model", String(8), ForeignKey("product_models.code"), nullable=False),
    Column("factory", String(2), nullable=False),
    Column("production_date", Date, nullable=False),
    Column("shift", String(1), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("target_quantity", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("last_serial_seq", Integer, nullable=False, server_default="0"),
    # Units scrapped by NCR dispositions (ADR 0023): good quantity = target - scrapped.
    Column("scrapped_quantity", Integer, nullable=False, server_default="0"),
    # The LOT's hold as its newest NCR says (ADR 0023), recomputed from lot_holds by every
    # hold event: NULL hold_ncr = not held; hold_phase OPEN | REWORK.
    Column("hold_ncr", String(32)),
    Column("hold_process_id", String(16)),
    Column("hold_phase", String(8)),
    Column("rework_from", String(16)),
    UniqueConstraint("product_model", "factory", "production_date", "sequence"),
    Index("ix_lots_on_hold", "hold_ncr", postgresql_where=text("hold_ncr IS NOT NULL")),
)

# One row per NCR, each hold event setting only its own columns, so the LOT's hold comes
# out the same whatever order lot.held, ncr.closed and lot.released arrive in.
lot_holds = Table(
    "lot_holds",
    metadata,
    Column("ncr_number", String(32), primary_key=True),
    Column("lot_number", String(32), nullable=False, index=True),
    Column("process_id", String(16), nullable=False),
    Column("held_at", DateTime(timezone=True)),
    Column("disposition", String(16)),
    Column("rework_from", String(16)),
    Column("closed_at", DateTime(timezone=True)),
    Column("released_at", DateTime(timezone=True)),
)

lot_status_history = Table(
    "lot_status_history",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("lot_number", String(32), ForeignKey("lots.lot_number"), nullable=False, index=True),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("reason", Text),
)

lot_processes = Table(
    "lot_processes",
    metadata,
    Column("lot_number", String(32), ForeignKey("lots.lot_number"), primary_key=True),
    Column("process_id", String(16), primary_key=True),
    Column("process_name", String(64), nullable=False),
    Column("sequence_number", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("worker_id", String(32)),
    Column("start_time", DateTime(timezone=True)),
    Column("complete_time", DateTime(timezone=True)),
    Column("result", String(8)),
    Column("work_order_id", String(32)),
    # When the MES accepted the start of work_order_id: orders attempts (NULL before 0003).
    Column("started_at", DateTime(timezone=True)),
)

# Copy of each product model's routing, from process-service's routing.updated events.
routing_steps = Table(
    "routing_steps",
    metadata,
    *routing_step_columns(),
)

serials = Table(
    "serials",
    metadata,
    Column("serial_number", String(40), primary_key=True),
    Column("lot_number", String(32), ForeignKey("lots.lot_number"), nullable=False, index=True),
    Column("sequence", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("replacement_reason", Text),
    Column("status_reason", Text),
    Column("updated_at", DateTime(timezone=True)),
    Column("attributes", JSONB, nullable=False, server_default="{}"),
    UniqueConstraint("lot_number", "sequence"),
)
