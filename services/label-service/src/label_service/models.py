"""Tables of the `label` schema."""

from servicekit.db import schema_metadata
from servicekit.inbox import inbox_table
from servicekit.outbox import outbox_table
from sqlalchemy import BigInteger, Column, DateTime, Identity, String, Table, func
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "label"
metadata = schema_metadata(SCHEMA)

# Labels the line needs, recorded from events; the printer drivers pick them up.
print_jobs = Table(
    "print_jobs",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("label_type", String(8), nullable=False),
    Column("lot_number", String(32), nullable=False),
    Column("serial_number", String(40)),
    Column("state", String(16), nullable=False, server_default="queued"),
    Column("payload", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
