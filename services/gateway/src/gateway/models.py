"""Tables of the `gateway` schema: identities, refresh tokens and the audit trail."""

from servicekit.db import now_column
from servicekit.schema import service_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "gateway"
metadata = service_metadata(SCHEMA)

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(32), nullable=False),
    Column("worker_id", String(32), unique=True),
    Column("display_name", String(100), nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    now_column("created_at"),
    now_column("updated_at"),
    # Access tokens carry it (`ver`); bumped when role, worker id, password or active
    # changes, which revokes every token issued before (servicekit.token_state).
    Column("token_version", Integer, nullable=False, server_default="1"),
)

# Signed-out access tokens until they expire: Redis holds them for every service to
# check; this table lets the gateway write them again should Redis lose them.
revoked_access_tokens = Table(
    "revoked_access_tokens",
    metadata,
    Column("jti", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

# Opaque refresh tokens, stored only as SHA-256. Each login starts a family; a refresh
# rotates within it; presenting a token that was already rotated revokes the family.
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("username", String(64), nullable=False, index=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("rotated_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_reason", String(64)),
)

# Append-only, hash-chained audit trail of every create/update/delete in every service.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("service", String(64), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("entity_type", String(32), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("user_id", String(64)),
    Column("role", String(32)),
    Column("worker_id", String(32)),
    Column("source_ip", String(64)),
    Column("correlation_id", String(64)),
    Column("old_values", JSONB),
    Column("new_values", JSONB),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_entity", "entity_type", "entity_id"),
    Index("ix_audit_log_user", "user_id", "occurred_at"),
    Index("ix_audit_log_occurred", "occurred_at"),
)

# Last known state of each audited entity, to record old values next to new ones.
audit_entities = Table(
    "audit_entities",
    metadata,
    Column("entity_type", String(32), primary_key=True),
    Column("entity_id", String(64), primary_key=True),
    Column("state", JSONB, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default="false"),
)

# Security events that are not entity changes (sign-ins, refused tokens, lockouts).
auth_events = Table(
    "auth_events",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    now_column("at"),
    Column("username", String(64)),
    Column("action", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("source_ip", String(64)),
    Column("detail", Text),
)
