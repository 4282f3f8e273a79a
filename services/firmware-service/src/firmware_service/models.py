"""Tables of the `firmware` schema: versions, release history, downloads."""

from servicekit.db import now_column
from servicekit.schema import service_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)

SCHEMA = "firmware"
metadata = service_metadata(SCHEMA)

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
    Column("storage_backend", String(16), nullable=False),
    Column("storage_key", String(255), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    now_column("uploaded_at"),
    # The latest time this version became the released one (release or rollback to it).
    Column("released_at", DateTime(timezone=True)),
    Column("released_by", String(64)),
    Column("withdrawn_at", DateTime(timezone=True)),
    Column("withdrawn_by", String(64)),
    Column("withdrawn_reason", String(500)),
    CheckConstraint(
        "state IN ('UPLOADED', 'RELEASED', 'SUPERSEDED', 'WITHDRAWN')", name="state_known"
    ),
    # At most one released version, whatever the application does.
    Index(
        "uq_firmware_versions_one_released",
        "state",
        unique=True,
        postgresql_where=text("state = 'RELEASED'"),
    ),
)

# Every change of the released version: who, when, why.
firmware_releases = Table(
    "firmware_releases",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("action", String(16), nullable=False),
    # The version that became the released one by this action.
    Column(
        "version", String(32), ForeignKey("firmware_versions.version"), nullable=False, index=True
    ),
    # RELEASE: the version it superseded; ROLLBACK: the version it withdrew.
    Column("previous_version", String(32), ForeignKey("firmware_versions.version")),
    Column("reason", String(500)),
    Column("actor_user_id", String(64), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("request_id", String(64)),
    Column("at", DateTime(timezone=True), nullable=False),
    CheckConstraint("action IN ('RELEASE', 'ROLLBACK')", name="action_known"),
)

# Every download response: the trace of which station got which binary.
firmware_downloads = Table(
    "firmware_downloads",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column(
        "version", String(32), ForeignKey("firmware_versions.version"), nullable=False, index=True
    ),
    Column("user_id", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("worker_id", String(32)),
    Column("station_id", String(64), index=True),
    Column("client_ip", String(64)),
    Column("request_id", String(64)),
    Column("range_header", String(100)),
    Column("status_code", SmallInteger, nullable=False),
    Column("first_byte", BigInteger, nullable=False),
    Column("content_length", BigInteger, nullable=False),
    Column("bytes_sent", BigInteger, nullable=False, server_default="0"),
    Column("completed", Boolean, nullable=False, server_default="false"),
    Column("started_at", DateTime(timezone=True), nullable=False, index=True),
    # NULL: the response never finished (client gone, process stopped).
    Column("finished_at", DateTime(timezone=True)),
)
