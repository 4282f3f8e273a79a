"""Tables of the `label` schema (owned by label-service only)."""

from servicekit.db import now_column
from servicekit.schema import service_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "label"
metadata = service_metadata(SCHEMA)

printers = Table(
    "printers",
    metadata,
    Column("printer_id", String(64), primary_key=True),
    Column("name", String(100)),
    Column("model", String(64), nullable=False),
    Column("language", String(8), nullable=False),  # PrinterLanguage
    Column("transport", String(8), nullable=False),  # PrinterTransport
    Column("host", String(255)),
    Column("port", Integer),
    Column("serial_port", String(64)),
    Column("baudrate", Integer),
    Column("dpi", Integer, nullable=False, server_default="203"),
    Column("label_width_mm", Integer, nullable=False, server_default="100"),
    Column("label_height_mm", Integer, nullable=False, server_default="50"),
    Column("station_id", String(64)),
    Column("purpose", String(8), nullable=False, server_default="ANY"),  # PrinterPurpose
    Column("active", Boolean, nullable=False, server_default="true"),
    now_column("created_at"),
    now_column("updated_at"),
    # The dispatcher's failed attempts in a row, and when it tries the printer next (NULL:
    # whenever a job is due): a printer that does not answer backs off as a whole.
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("retry_at", DateTime(timezone=True)),
    # The status poll's last answer (printer.status_changed is published when it changes).
    Column("last_state", String(16)),
    Column("last_state_at", DateTime(timezone=True)),
)

# One row per label to print. States: queued → (sending) → sent | retrying → … | failed;
# jobs for serial-port printers wait as `pending` until their workstation reports.
print_jobs = Table(
    "print_jobs",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("label_type", String(8), nullable=False),
    Column("lot_number", String(64), nullable=False),
    Column("serial_number", String(64)),
    Column("printer_id", String(64)),  # None until a printer is resolved
    Column("station_id", String(64)),  # station whose serial printer should print it
    Column("data", JSONB, nullable=False),  # what the label shows (LabelData)
    Column("state", String(16), nullable=False, server_default="queued"),
    Column("source", String(16), nullable=False),  # event | api | reprint
    Column("attempts", Integer, nullable=False, server_default="0"),
    now_column("next_attempt_at"),
    Column("last_error_code", String(64)),
    Column("last_error", Text),
    Column("reprint", Boolean, nullable=False, server_default="false"),
    Column("reason", String(500)),
    Column("requested_by", String(64)),
    Column("worker_id", String(32)),
    now_column("created_at"),
    now_column("updated_at"),
    Column("sent_at", DateTime(timezone=True)),
)
Index(
    "ix_print_jobs_due",
    print_jobs.c.next_attempt_at,
    postgresql_where=text("state IN ('queued', 'retrying')"),
)
Index("ix_print_jobs_lot", print_jobs.c.lot_number, print_jobs.c.serial_number)
Index("ix_print_jobs_printer_state", print_jobs.c.printer_id, print_jobs.c.state)

# Reprint history (FR-SN-003 / TC-SN-004): reason, who, when.
reprints = Table(
    "reprints",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("job_id", BigInteger, nullable=False),
    Column("label_type", String(8), nullable=False),
    Column("lot_number", String(64), nullable=False),
    Column("serial_number", String(64)),
    Column("printer_id", String(64)),
    Column("reason", String(500), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("worker_id", String(32)),
    now_column("requested_at"),
)
Index("ix_reprints_lot", reprints.c.lot_number, reprints.c.serial_number)

# Station of each LOT's serial-allocation step, learnt from process.started; NULL = the
# step started without a station (its serial labels go to the default serial printer).
lot_stations = Table(
    "lot_stations",
    metadata,
    Column("lot_number", String(64), primary_key=True),
    Column("station_id", String(64)),
    now_column("updated_at"),
)
