"""Alembic operations every service's migrations share (run inside a migration only).

The outbox and inbox tables are the same in every schema (`outbox_table`, `inbox_table`):
each service's first migration creates them with `create_outbox_inbox(schema)`. What
these functions emit is frozen: databases in the field were created by it, so a change of
the tables goes into a new migration of each service, never here.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op


def now_column(name: str) -> sa.Column:
    """`timestamptz NOT NULL DEFAULT now()`."""
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def routing_step_columns() -> list[sa.Column]:
    """The columns of a routing step copy (primary key: product_model, process_id)."""
    return [
        sa.Column("product_model", sa.String(length=8), nullable=False),
        sa.Column("process_id", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("name_ko", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=False),
    ]


def create_outbox_inbox(schema: str) -> None:
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        now_column("received_at"),
        sa.PrimaryKeyConstraint("event_id", "consumer", name=op.f("pk_inbox")),
        schema=schema,
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        now_column("created_at"),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
        schema=schema,
    )
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["seq"],
        unique=False,
        schema=schema,
        postgresql_where=sa.text("published_at IS NULL"),
    )


def drop_outbox_inbox(schema: str) -> None:
    op.drop_index("ix_outbox_unpublished", table_name="outbox", schema=schema)
    op.drop_table("outbox", schema=schema)
    op.drop_table("inbox", schema=schema)


def nullable_timestamp_column(
    schema: str, table: str, column: str
) -> tuple[Callable[[], None], Callable[[], None]]:
    """`upgrade, downgrade` of a migration that adds one nullable timestamptz column."""

    def upgrade() -> None:
        op.add_column(
            table, sa.Column(column, sa.DateTime(timezone=True), nullable=True), schema=schema
        )

    def downgrade() -> None:
        op.drop_column(table, column, schema=schema)

    return upgrade, downgrade


def create_index_on(schema: str, table: str, *columns: str, unique: bool = False) -> None:
    """An index named as the naming convention names it: `ix_<schema>_<table>_<column 0>`."""
    name = op.f(f"ix_{schema}_{table}_{columns[0]}")
    op.create_index(name, table, list(columns), unique=unique, schema=schema)


def drop_index_on(schema: str, table: str, column: str) -> None:
    op.drop_index(op.f(f"ix_{schema}_{table}_{column}"), table_name=table, schema=schema)


#: The WF takts as `mes_contracts.routing.DEFAULT_ROUTING` first stated them (2026-12-04),
#: frozen: what `add_takt_column` fills into routings seeded before takts existed.
WF_TAKTS_2026_12 = {
    "PROC-001": 1800,
    "PROC-002": 3600,
    "PROC-003": 1800,
    "PROC-004": 1800,
    "PROC-005": 3600,
    "PROC-006": 4500,
    "PROC-007": 1200,
    "PROC-008": 2400,
}


def add_takt_column(schema: str, table: str) -> None:
    """A routing table's nullable `takt_seconds`, filled for WF's steps (ADR 0024)."""
    op.add_column(table, sa.Column("takt_seconds", sa.Integer(), nullable=True), schema=schema)
    t = sa.table(
        table,
        sa.column("product_model", sa.String),
        sa.column("process_id", sa.String),
        sa.column("takt_seconds", sa.Integer),
        schema=schema,
    )
    for process_id, takt in WF_TAKTS_2026_12.items():
        op.execute(
            t.update()
            .where(t.c.product_model == "WF", t.c.process_id == process_id)
            .values(takt_seconds=takt)
        )


def drop_takt_column(schema: str, table: str) -> None:
    op.drop_column(table, "takt_seconds", schema=schema)
