"""Tables of the `firmware` schema."""

from servicekit.db import schema_metadata
from servicekit.inbox import inbox_table
from servicekit.outbox import outbox_table
from sqlalchemy import BigInteger, Column, DateTime, String, Table, Text, func

SCHEMA = "firmware"
metadata = schema_metadata(SCHEMA)

firmware_versions = Table(
    "firmware_versions",
    metadata,
    Column("version", String(32), primary_key=True),
    Column("filename", String(64), nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("md5_hash", String(32), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("target_mcu", String(64), nullable=False),
    Column("release_notes", Text),
    Column("storage_key", String(255), nullable=False),
    Column("state", String(16), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
