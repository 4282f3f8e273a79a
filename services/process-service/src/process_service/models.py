"""Tables of the `process` schema (owned by process-service only)."""

from servicekit.db import now_column, routing_step_columns
from servicekit.schema import service_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "process"
metadata = service_metadata(SCHEMA)

routing_steps = Table(
    "routing_steps",
    metadata,
    *routing_step_columns(),
    Column("level", String(16), nullable=False, server_default="LOT"),
    Column("requires_firmware", Boolean, nullable=False, server_default="false"),
    # ADR 0023: a FAIL here puts the LOT on hold; REWORK dispositions that may target it.
    Column("hold_on_fail", Boolean, nullable=False, server_default="true"),
    Column("rework_limit", Integer, nullable=False, server_default="2"),
    # ADR 0024: the step's normal time for a LOT; the stalled-LOT alert's base (NULL: none).
    Column("takt_seconds", Integer),
    UniqueConstraint("product_model", "sequence"),
)

# Local copy of the LOTs this service may start, fed by lot.created / lot.status_changed.
lots = Table(
    "lots",
    metadata,
    Column("lot_number", String(32), primary_key=True),
    Column("product_model", String(8), nullable=False),
    Column("target_quantity", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # When the source changed the status we hold: an older change applied late (a
    # redelivered or reclaimed event) never overwrites a newer one.
    Column("status_changed_at", DateTime(timezone=True)),
    # The hold (ADR 0023), read with the LOT by every start and completion: NULL
    # hold_ncr = not held; phase OPEN (awaits its disposition) or REWORK.
    Column("hold_ncr", String(32)),
    Column("hold_process_id", String(16)),
    Column("hold_phase", String(8)),
    Column("rework_from", String(16)),
    Column("rework_base", Integer),
)

# Workers known from user.* events (a worker is a user with a worker id).
workers = Table(
    "workers",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("user_id", String(64)),
    Column("display_name", String(100)),
    Column("active", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

process_records = Table(
    "process_records",
    metadata,
    Column("work_order_id", String(32), primary_key=True),
    Column("lot_number", String(32), nullable=False),
    Column("process_id", String(16), nullable=False),
    Column("process_name", String(64), nullable=False),
    Column("sequence_number", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("worker_id", String(32), nullable=False),
    Column("start_time", DateTime(timezone=True), nullable=False),
    Column("start_time_raw", String(40), nullable=False),
    Column("started_by", String(64), nullable=False),
    now_column("started_at"),
    Column("complete_worker_id", String(32)),
    Column("reported_start_time_raw", String(40)),
    Column("complete_time", DateTime(timezone=True)),
    Column("complete_time_raw", String(40)),
    Column("completed_by", String(64)),
    Column("completed_at", DateTime(timezone=True)),
    Column("result", String(8)),
    Column("process_data", JSONB),
    Column("defects", JSONB),
    Column("completion_digest", String(64)),
    Index("ix_process_records_lot", "lot_number", "process_id"),
    # At most one open (started, not completed) record per LOT and process.
    Index(
        "uq_process_records_open",
        "lot_number",
        "process_id",
        unique=True,
        postgresql_where=text("complete_time IS NULL"),
    ),
)

# The number in `WO-YYYYMMDD-NNN` (ADR 0014): one sequence, never reset, so a start takes
# its number without waiting for other starts (gaps are allowed, repeats are not).
work_order_seq = Sequence("work_order_seq", metadata=metadata, schema=SCHEMA)

# Non-conformance reports (ADR 0023), one per failed attempt at a hold_on_fail step.
ncrs = Table(
    "ncrs",
    metadata,
    Column("ncr_number", String(32), primary_key=True),
    Column("lot_number", String(32), nullable=False),
    Column("product_model", String(8), nullable=False),
    Column("process_id", String(16), nullable=False),
    Column("process_name", String(64), nullable=False),
    Column("work_order_id", String(32), nullable=False, unique=True),
    Column("status", String(8), nullable=False),
    Column("failed_checks", JSONB, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("opened_by", String(64), nullable=False),
    Column("disposition", String(16)),
    Column("reason", Text),
    Column("rework_from", String(16)),
    Column("scrap_count", Integer),
    Column("scrap_serials", JSONB),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", String(64)),
    Index("ix_ncrs_lot", "lot_number"),
    Index("ix_ncrs_opened", "opened_at"),
)

# NNN of NCR-YYMMDD-NNN per factory-local day; the row is taken only by a failing
# completion (rare), under its LOT's lock, so the numbers have no gap.
ncr_counters = Table(
    "ncr_counters",
    metadata,
    Column("day", Date, primary_key=True),
    Column("last", Integer, nullable=False),
)

current_firmware = Table(
    "current_firmware",
    metadata,
    Column("slot", String(16), primary_key=True, server_default="released"),
    Column("version", String(32), nullable=False),
    Column("filename", String(64), nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("md5_hash", String(32), nullable=False),
    Column("download_url", Text, nullable=False),
    Column("event_time", DateTime(timezone=True), nullable=False),
)
