"""Alert tables in the `trace` schema. Not projections: `rebuild` leaves them alone (an
alert's acknowledgement and its deliveries are facts of their own, not replayable)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from ..models import metadata

alerts = Table(
    "alerts",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("rule", String(64), nullable=False),
    Column("condition_key", String(200), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("subject_type", String(16), nullable=False),
    Column("subject_id", String(200), nullable=False),
    Column("code", String(64), nullable=False),
    Column("params", JSONB, nullable=False),
    Column("message", String(500), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("acknowledged_by", String(64)),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("note", String(500)),
    Column("resolved_at", DateTime(timezone=True)),
    # Raised once per condition: one open alert per key.
    Index(
        "ux_alerts_open_key",
        "condition_key",
        unique=True,
        postgresql_where=text("resolved_at IS NULL"),
    ),
    Index("ix_alerts_raised", "raised_at"),
)

# Label jobs whose latest outcome the label rules need (order-tolerant: newest fact wins).
alert_label_jobs = Table(
    "alert_label_jobs",
    metadata,
    Column("job_id", String(64), primary_key=True),
    Column("lot_number", String(64), nullable=False, index=True),
    Column("first_failed_at", DateTime(timezone=True)),
    Column("failed_at", DateTime(timezone=True)),
    Column("will_retry", Boolean),
    Column("printed_at", DateTime(timezone=True)),
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("alert_id", BigInteger, nullable=False, index=True),
    Column("event_type", String(64), nullable=False),
    Column("target", String(64), nullable=False),
    Column("format", String(8), nullable=False),
    Column("body", LargeBinary, nullable=False),  # the exact bytes signed and sent
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), server_default=func.now()),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("delivered_at", DateTime(timezone=True)),
    Index(
        "ix_alert_deliveries_due",
        "next_attempt_at",
        postgresql_where=text("state = 'pending'"),
    ),
)
