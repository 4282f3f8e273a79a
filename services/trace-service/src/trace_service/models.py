"""Tables of the `trace` schema: read models built only from consumed events."""

from servicekit.db import schema_metadata
from servicekit.inbox import inbox_table
from servicekit.outbox import outbox_table
from sqlalchemy import Column, DateTime, Index, String, Table, Uuid
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "trace"
metadata = schema_metadata(SCHEMA)

# Every production event as received: the raw material of every projection.
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
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
