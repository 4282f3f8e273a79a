"""SPC tables in the `trace` schema (ADR 0026). Not projections: a limits version is a
decision somebody took, and a violation was found against the limits of its day, so
`rebuild` leaves them alone, like the alerts."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from ..models import metadata

# One row per limits version of a check. `pending`: waiting for its baseline (the first
# `baseline_points` measured at/after `baseline_from`); `active`: limits computed.
spc_limits = Table(
    "spc_limits",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("check_name", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("process_id", String(16)),
    Column("chart", String(8), nullable=False),
    Column("state", String(8), nullable=False),
    Column("baseline_from", DateTime(timezone=True)),
    Column("baseline_points", Integer, nullable=False),
    Column("points", Integer),
    Column("first_at", DateTime(timezone=True)),
    Column("last_at", DateTime(timezone=True)),
    Column("center", Float),
    Column("ucl", Float),
    Column("lcl", Float),
    Column("sigma", Float),
    Column("mr_center", Float),
    Column("mr_ucl", Float),
    Column("reason", Text, nullable=False),
    Column("set_by", String(64), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
    Column("active_at", DateTime(timezone=True)),
    UniqueConstraint("check_name", "version", name="uq_spc_limits_check_version"),
)

# A rule hit at the point completing its pattern, against one limits version.
spc_violations = Table(
    "spc_violations",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("check_name", String(100), nullable=False),
    Column("limits_version", Integer, nullable=False),
    Column("rule", String(2), nullable=False),
    Column("work_order_id", String(32), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("lot_number", String(32), nullable=False),
    Column("worker_id", String(32)),
    Column("value", Float),
    Column("measured_at", DateTime(timezone=True), nullable=False),
    Column("points", JSONB, nullable=False),
    Column("detected_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint(
        "check_name", "limits_version", "rule", "work_order_id", "idx", name="uq_spc_violation"
    ),
    Index("ix_spc_violations_check_time", "check_name", "measured_at"),
)
