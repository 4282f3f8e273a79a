"""Tables of the `gateway` schema: identities (and, later, tokens and the audit trail)."""

from servicekit.db import schema_metadata
from servicekit.inbox import inbox_table
from servicekit.outbox import outbox_table
from sqlalchemy import Boolean, Column, DateTime, String, Table, func

SCHEMA = "gateway"
metadata = schema_metadata(SCHEMA)

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(32), nullable=False),
    Column("worker_id", String(32), unique=True),
    Column("display_name", String(100), nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
